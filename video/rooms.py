"""Room names: the only thing that keeps a stranger out of a meeting before the token does.

A name is drawn from `secrets`, lower-case letters and digits only, so it is safe in a URL path,
in a Jitsi room (Prosody lower-cases room names) and in a Twilio Video room, and it can never be
the wildcard `*` that a Jitsi token would otherwise accept for every room.
"""

from __future__ import annotations

import re
import secrets
import string

ROOM_ALPHABET = string.ascii_lowercase + string.digits
ROOM_NAME_LENGTH = 20  # 36**20 is about 2**103: unguessable, and still short in a link
MIN_ROOM_NAME_LENGTH = 16
_ROOM = re.compile(rf"[a-z0-9]{{{MIN_ROOM_NAME_LENGTH},64}}")


def new_room_name() -> str:
    return "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_NAME_LENGTH))


def check_room_name(room: str) -> str:
    """The room itself if a token may name it; ValueError for `*`, short or unsafe names."""
    if not _ROOM.fullmatch(room):
        raise ValueError(
            f"a video room must be {MIN_ROOM_NAME_LENGTH} to 64 lower-case letters or digits, not {room!r}"
        )
    return room
