"""The adapter behind counselling's `ConcernContacts` port: a concern's contact details, read
through the concern queue's own lookup (counselling never imports `callbacks`)."""

from __future__ import annotations

from dataclasses import dataclass

from callbacks.concern_lookup import concern_by_reference
from storage.engine import Sessions
from video.ports import ConcernContact


@dataclass(frozen=True)
class ConcernContactsFromQueue:
    sessions: Sessions

    async def contact_of(self, reference: str) -> ConcernContact | None:
        async with self.sessions() as session:
            concern = await concern_by_reference(session, reference)
        if concern is None:
            return None
        return ConcernContact(
            concern_id=concern.id,
            region=concern.region,
            number=concern.callback_number,
            language=concern.language,
            open=concern.status != "closed",
        )
