"""The auditor's call-log search: contact events filtered, sorted and paged by keyset.

Pages follow the sort key (occurred_at, id) instead of OFFSET, so the thousandth page costs what
the first does and an event written meanwhile never shifts a page. A contact's outcome belongs to
the whole contact (a call, a concern), not to one event: filtering by outcome keeps every event of
the contacts that had an event of the outcome's kinds in the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.models import Concern, ConcernEntry
from contacts.models import ContactEvent

PSEUDONYM_SHOWN = 12  # hex characters of the caller's pseudonym on pages and in exports
PAGE_SIZE = 50
EXPORT_BATCH = 2000
FEW_CONTACTS = 2000  # contacts with an outcome looked up one by one up to this many

Order = Literal["newest", "oldest"]
ORDERS: tuple[Order, ...] = ("newest", "oldest")

# What became of a contact, read from the kinds of its events.
OUTCOME_KINDS: Mapping[str, frozenset[str]] = {
    "answered": frozenset({"answered"}),
    "abandoned": frozenset({"abandoned"}),
    "callback": frozenset({"left_queue_for_callback", "callback_requested"}),
    "voicemail": frozenset({"left_queue_for_voicemail", "voicemail_left"}),
    "closed_line": frozenset({"closed_line"}),
    "settled": frozenset({"concern_settled"}),
    "unreachable": frozenset({"concern_unreachable"}),
}


@dataclass(frozen=True, slots=True)
class CallLogQuery:
    """A search as the auditor gave it; `since`/`until` are the UTC bounds of whole local days."""

    since: dt.datetime
    until: dt.datetime
    region: str | None = None
    channel: str | None = None
    kind: str | None = None
    outcome: str | None = None
    counsellor: int | None = None
    order: Order = "newest"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ends: the sort key of its last event."""

    occurred_at: dt.datetime
    id: int

    def token(self) -> str:
        return f"{self.occurred_at.astimezone(dt.UTC).isoformat()}_{self.id}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """ValueError for anything but a token this module made."""
        moment, _, number = token.rpartition("_")
        at = dt.datetime.fromisoformat(moment)
        if at.tzinfo is None or not number.isdigit():
            raise ValueError("not a page cursor")
        return cls(at, int(number))


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One event as the auditor sees it: the caller only as a short pseudonym."""

    id: int
    occurred_at: dt.datetime
    region: str | None
    channel: str
    kind: str
    caller: str | None
    reference: str | None
    wait_seconds: int | None
    duration_seconds: int | None


@dataclass(frozen=True, slots=True)
class CallLogPage:
    events: list[LoggedEvent]
    next_cursor: Cursor | None  # None on the last page


def short_pseudonym(pseudonym: str | None) -> str | None:
    return pseudonym[:PSEUDONYM_SHOWN] if pseudonym else None


async def search_call_log(
    session: AsyncSession, query: CallLogQuery, *, after: Cursor | None = None, limit: int = PAGE_SIZE
) -> CallLogPage:
    """One page of events matching `query`, starting after `after` in the query's order."""
    await _plan_each_search(session)
    contacts = await _few_contacts_with_outcome(session, query) if query.outcome else None
    rows = list(await session.execute(_select(query, after, contacts).limit(limit + 1)))
    events = [_logged(row) for row in rows[:limit]]
    more = len(rows) > limit
    return CallLogPage(events, Cursor(events[-1].occurred_at, events[-1].id) if more and events else None)


async def stream_call_log(
    sessions: async_sessionmaker[AsyncSession], query: CallLogQuery
) -> AsyncIterator[LoggedEvent]:
    """Every event matching `query`, in batches by keyset, for exports of any size; a session per
    batch, so none is held open while the rows travel to the client."""
    after: Cursor | None = None
    while True:
        async with sessions() as session:
            page = await search_call_log(session, query, after=after, limit=EXPORT_BATCH)
        for event in page.events:
            yield event
        if page.next_cursor is None:
            return
        after = page.next_cursor


async def _plan_each_search(session: AsyncSession) -> None:
    """PostgreSQL plans a prepared statement once for any value after five runs, by the average
    kind: for a rare kind that plan reads the whole year by time. Plan each search for its values."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def _few_contacts_with_outcome(session: AsyncSession, query: CallLogQuery) -> list[str] | None:
    """The contacts with the outcome if they are few, else None.

    Few contacts are best found by their references (an index each), many by reading the period
    in order and keeping the events whose contact has the outcome, which fills a page at once.
    """
    # Events, not distinct contacts, are counted: a read that stops early (a contact has
    # an outcome's event about once); DISTINCT would read every one of them first.
    found = list(await session.scalars(_references_with_outcome(query).limit(FEW_CONTACTS + 1)))
    return sorted({reference for reference in found if reference}) if len(found) <= FEW_CONTACTS else None


_COLUMNS: tuple[Any, ...] = (
    ContactEvent.id,
    ContactEvent.occurred_at,
    ContactEvent.region,
    ContactEvent.channel,
    ContactEvent.kind,
    ContactEvent.caller_pseudonym,
    ContactEvent.reference,
    ContactEvent.wait_seconds,
    ContactEvent.duration_seconds,
)


def _select(query: CallLogQuery, after: Cursor | None, contacts: list[str] | None) -> Select[Any]:
    event = ContactEvent
    statement = select(*_COLUMNS).where(event.occurred_at >= query.since, event.occurred_at < query.until)
    for column, wanted in ((event.region, query.region), (event.channel, query.channel), (event.kind, query.kind)):
        if wanted is not None:
            statement = statement.where(column == wanted)
    if contacts is not None:
        statement = statement.where(event.reference.in_(contacts))
    elif query.outcome is not None:
        statement = statement.where(event.reference.in_(_references_with_outcome(query)))
    if query.counsellor is not None:
        statement = statement.where(_worked_by(query.counsellor))
    if after is not None:
        statement = statement.where(_beyond(after, query.order))
    # With one kind asked for, leading the order with it (a constant then) lets PostgreSQL read
    # the (kind, occurred_at) index in order instead of the whole year by time for a rare kind.
    lead = [event.kind] if query.kind is not None else []
    if query.order == "newest":
        return statement.order_by(*lead, event.occurred_at.desc(), event.id.desc())
    return statement.order_by(*lead, event.occurred_at, event.id)


def _references_with_outcome(query: CallLogQuery) -> Select[Any]:
    kinds = OUTCOME_KINDS[query.outcome or ""]
    inner = select(ContactEvent.reference).where(
        ContactEvent.kind.in_(sorted(kinds)),
        ContactEvent.occurred_at >= query.since,
        ContactEvent.occurred_at < query.until,
    )
    if query.region is not None:
        inner = inner.where(ContactEvent.region == query.region)
    return inner


def _worked_by(counsellor: int) -> ColumnElement[bool]:
    """Events a counsellor took part in: the concerns they claimed, called or closed (their
    history names them) and their own time on the hotline. Call events name no counsellor."""
    concerns = (
        select(literal("concern:") + Concern.reference)
        .join(ConcernEntry, ConcernEntry.concern_id == Concern.id)
        .where(ConcernEntry.actor_id == counsellor)
    )
    return or_(ContactEvent.reference.in_(concerns), ContactEvent.reference == f"counsellor:{counsellor}")


def _beyond(after: Cursor, order: Order) -> ColumnElement[bool]:
    # The plain bound beside the OR lets both databases start the index range at the cursor.
    at, key = ContactEvent.occurred_at, ContactEvent.id
    if order == "newest":
        return and_(at <= after.occurred_at, or_(at < after.occurred_at, and_(at == after.occurred_at, key < after.id)))
    return and_(at >= after.occurred_at, or_(at > after.occurred_at, and_(at == after.occurred_at, key > after.id)))


def _logged(row: object) -> LoggedEvent:
    values = row._mapping  # type: ignore[attr-defined]
    return LoggedEvent(
        id=values["id"],
        occurred_at=values["occurred_at"],
        region=values["region"],
        channel=values["channel"],
        kind=values["kind"],
        caller=short_pseudonym(values["caller_pseudonym"]),
        reference=values["reference"],
        wait_seconds=values["wait_seconds"],
        duration_seconds=values["duration_seconds"],
    )
