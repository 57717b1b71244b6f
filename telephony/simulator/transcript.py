"""What a simulated caller heard and did, and which webhooks the simulator sent on the way."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

# The fields Twilio sends with every webhook of a call; the transcript shows only the others,
# which are what a verb added (Digits, QueueResult, RecordingSid...).
CALL_FIELDS = frozenset(
    {"CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus", "Direction", "ApiVersion"}
)


class Event(enum.StrEnum):
    """The kinds of line a transcript holds."""

    REQUEST = "request"  # a webhook the simulator sent (shown only on request)
    SAY = "say"
    PLAY = "play"
    PAUSE = "pause"
    PRESS = "press"
    NO_PRESS = "no_press"
    ENQUEUE = "enqueue"
    LEAVE = "leave"
    RECORD = "record"
    DIAL = "dial"
    HANGUP = "hangup"
    CALLER_HANGS_UP = "caller_hangs_up"
    REJECT = "reject"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Line:
    """One event, numbered by the request whose answer (or sending) produced it."""

    step: int
    event: Event
    text: str
    content: str = ""  # what was said, played, pressed or dialled, without the decoration


class SentRequest(NamedTuple):
    """A webhook as the service received it: path and query below the public URL, and its fields."""

    path: str
    fields: Mapping[str, str]

    def added_fields(self) -> dict[str, str]:
        """The fields beyond those every webhook of the call carries."""
        return {name: value for name, value in self.fields.items() if name not in CALL_FIELDS}


@dataclass(frozen=True)
class Transcript:
    """A simulated call: the lines in order and every request sent."""

    call_sid: str
    lines: tuple[Line, ...]
    requests: tuple[SentRequest, ...]

    def render(self, *, with_requests: bool = False) -> str:
        """One line per event, prefixed by its step; webhooks too if asked for."""
        width = len(str(max((line.step for line in self.lines), default=0)))
        return "\n".join(
            f"{line.step:>{width}}  {line.text}"
            for line in self.lines
            if with_requests or line.event is not Event.REQUEST
        )

    def texts(self) -> list[str]:
        """The rendered texts of all events but the requests, in order."""
        return [line.text for line in self.lines if line.event is not Event.REQUEST]

    def said(self) -> list[str]:
        """Everything the caller was told by <Say>, in order."""
        return [line.content for line in self.lines if line.event is Event.SAY]

    @property
    def errors(self) -> list[str]:
        """What went wrong on the service's side: bad status, no TwiML, verbs out of place."""
        return [line.text for line in self.lines if line.event is Event.ERROR]

    def sent_to(self, path: str) -> list[Mapping[str, str]]:
        """The forms posted to `path` (matched without the query), in order."""
        return [request.fields for request in self.requests if request.path.split("?", 1)[0] == path]
