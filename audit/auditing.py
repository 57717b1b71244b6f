"""The auditor's use cases: each reads what was asked for and writes, in the same unit of work,
that the auditor looked at it, so no search, timeline, report or export goes unrecorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from audit.anchors import Anchor, recent_anchors
from audit.call_log import CallLogPage, CallLogQuery, Cursor, LoggedEvent, search_call_log, stream_call_log
from audit.promise import PromiseReport, promise_report
from audit.timeline import Timeline, contact_timeline, voicemails_to_play
from audit.trail import AuditRecord, append
from audit.verifications import Verification, latest_verification
from config.deployment import Deployment
from staff.accounts import list_users
from storage.clock import Clock
from storage.engine import Sessions

ANCHORS_SHOWN = 7  # a week of daily anchors to copy out


@dataclass(frozen=True, slots=True)
class Auditor:
    """Who asks, as the trail records it."""

    username: str
    address: str | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    page: CallLogPage
    counsellors: list[tuple[int, str]]
    verification: Verification | None
    anchors: list[Anchor] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimelineResult:
    timeline: Timeline
    voicemails: list[str]  # references of its concerns with a recording still kept; empty without the grant


@dataclass(frozen=True)
class AuditorDesk:
    sessions: Sessions
    deployment: Deployment
    clock: Clock

    async def search(
        self, query: CallLogQuery, after: Cursor | None, filters: Mapping[str, str], auditor: Auditor
    ) -> SearchResult:
        """One page of the call log, with the chain's last check and anchors beside it."""
        async with self.sessions.begin() as session:
            page = await search_call_log(session, query, after=after)
            result = SearchResult(
                page=page,
                counsellors=await _counsellor_choices(session),
                verification=await latest_verification(session),
                anchors=await recent_anchors(session, ANCHORS_SHOWN),
            )
            await self._note(session, auditor, "searched_call_log", "call_log", None, filters)
        return result

    async def call_log_export(
        self, query: CallLogQuery, filters: Mapping[str, str], auditor: Auditor
    ) -> AsyncIterator[LoggedEvent]:
        """Every event of the search, recorded as exported before the first row leaves."""
        async with self.sessions.begin() as session:
            await self._note(session, auditor, "exported", "export", "call_log", {"export": "call_log", **filters})
        return stream_call_log(self.sessions, query)

    async def timeline(
        self, reference: str, auditor: Auditor, *, with_voicemails: bool = False
    ) -> TimelineResult | None:
        """The contact's timeline; with the concerns whose recording may be played, for an
        auditor granted `auditor_audio`."""
        async with self.sessions.begin() as session:
            found = await contact_timeline(session, reference)
            if found is None:
                return None
            voicemails = await voicemails_to_play(session, found.concerns) if with_voicemails else []
            await self._note(session, auditor, "viewed_timeline", "contact", reference, {})
        return TimelineResult(found, voicemails)

    async def promise(
        self, since: dt.datetime, until: dt.datetime, region: str | None, filters: Mapping[str, str], auditor: Auditor
    ) -> PromiseReport:
        async with self.sessions.begin() as session:
            report = await self._promise(session, since, until, region)
            await self._note(session, auditor, "viewed_promise_report", "promise_report", None, filters)
        return report

    async def promise_export(
        self, since: dt.datetime, until: dt.datetime, region: str | None, filters: Mapping[str, str], auditor: Auditor
    ) -> PromiseReport:
        async with self.sessions.begin() as session:
            report = await self._promise(session, since, until, region)
            detail = {"export": "promise_report", **filters}
            await self._note(session, auditor, "exported", "export", "promise_report", detail)
        return report

    async def _promise(
        self, session: AsyncSession, since: dt.datetime, until: dt.datetime, region: str | None
    ) -> PromiseReport:
        return await promise_report(
            session, since=since, until=until, region=region, now=self.clock(), zone=self.deployment.zone
        )

    async def _note(
        self,
        session: AsyncSession,
        auditor: Auditor,
        action: str,
        object_type: str,
        object_id: str | None,
        detail: Mapping[str, Any],
    ) -> None:
        record = AuditRecord(
            at=self.clock(),
            actor=auditor.username,
            action=action,
            object_type=object_type,
            object_id=object_id,
            address=auditor.address,
            detail=dict(detail),
        )
        await append(session, record)


async def _counsellor_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """Everyone who ever worked a concern can be searched for; shown by display name."""
    members = [m for m in await list_users(session) if "counsellor" in m.roles]
    return sorted(((m.id, m.display_name) for m in members), key=lambda pair: pair[1])
