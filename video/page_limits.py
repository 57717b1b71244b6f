"""How often one client may knock at the customer's token pages (booking, own booking, join).

Two limits, for two dangers:
- Guessing tokens: every link token is signed with 128 bits, so guessing is hopeless, but a
  script trying would still cost a database look-up per try. A client address group that sent
  `per_minute` wrong or malformed tokens within a minute gets 429 on every token page until the
  oldest of them is a minute old. Counted in this process's memory: it only has to slow one
  script down, and a restart that forgets it costs nothing.
- Sending forms (book, cancel, move): every POST is counted in the database through the
  `SubmissionLimit` port (service/ plugs in the table the contact form uses), so the limit
  holds across the processes sharing the database.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Protocol

from staff.client_addresses import client_address_group
from storage.clock import Clock

GUESS_WINDOW = dt.timedelta(minutes=1)
MAX_CLIENTS = 10_000  # the oldest client's count is forgotten first: memory stays bounded


class SubmissionLimit(Protocol):
    async def admit(self, remote: str | None) -> dt.datetime | None:
        """Count one form sent from `remote`; the moment (UTC) the next is accepted if the
        allowance is used up (then nothing is counted), else None."""
        ...


@dataclass
class TokenGuessLimit:
    """Wrong tokens per client address group and minute, in memory; see the module's note."""

    clock: Clock
    per_minute: int = 30
    _misses: OrderedDict[str, deque[dt.datetime]] = field(default_factory=OrderedDict, repr=False)

    def retry_at(self, remote: str | None) -> dt.datetime | None:
        """When this client may try again, or None if it may now."""
        misses = self._recent(client_address_group(remote))
        if misses is None or len(misses) < self.per_minute:
            return None
        return misses[0] + GUESS_WINDOW

    def miss(self, remote: str | None) -> None:
        """Count a wrong, malformed or tampered token from this client."""
        group = client_address_group(remote)
        misses = self._recent(group)
        if misses is None:
            misses = self._misses[group] = deque(maxlen=self.per_minute)
            while len(self._misses) > MAX_CLIENTS:
                self._misses.popitem(last=False)
        self._misses.move_to_end(group)
        misses.append(self.clock())

    def _recent(self, group: str) -> deque[dt.datetime] | None:
        misses = self._misses.get(group)
        if misses is None:
            return None
        since = self.clock() - GUESS_WINDOW
        while misses and misses[0] <= since:
            misses.popleft()
        if not misses:
            del self._misses[group]
            return None
        return misses
