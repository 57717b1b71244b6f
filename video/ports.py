"""What counselling needs from other slices, named here and plugged in by `service`, so this
slice never imports them: the contact details of a concern, to send its customer a booking link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConcernContact:
    concern_id: int
    region: str
    number: str | None  # E.164 callback number; personal data
    language: str
    open: bool  # not closed: a link is sent only while the concern is being worked on


class ConcernContacts(Protocol):
    async def contact_of(self, reference: str) -> ConcernContact | None:
        """The concern with this reference, or None if there is none."""
        ...
