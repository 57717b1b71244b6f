"""Writing and reading the contact log."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, Unpack, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.vocabulary import CONTACT_CHANNELS, CONTACT_KINDS, ContactChannel
from storage.bulk import insert_new, insert_new_rows

MAX_DETAIL_BYTES = 2048
_EVENTS = cast(Table, ContactEvent.__table__)
# Anything that looks like a phone number must not reach the log, whatever field it hides in.
_PHONE_LIKE = re.compile(r"(?<![\w.+])(?:\+|0)[\d ()/-]{7,}")
_MIN_PHONE_DIGITS = 8


class InvalidContactEvent(ValueError):
    """An event that must not be written; the message says which field and why."""


class ContactEventFields(TypedDict):
    """What a contact event is made of; `caller` (E.164) is stored only as its pseudonym."""

    pseudonymiser: NotRequired[Pseudonymiser]  # needed only with a caller
    at: dt.datetime
    channel: ContactChannel
    kind: str
    region: str | None
    caller: NotRequired[str | None]
    reference: NotRequired[str | None]
    duration_seconds: NotRequired[int | None]
    wait_seconds: NotRequired[int | None]
    detail: NotRequired[Mapping[str, Any] | None]
    event_id: NotRequired[str | None]


async def record_contact_event(session: AsyncSession, **fields: Unpack[ContactEventFields]) -> bool:
    """Log one contact event.

    Give a deterministic `event_id` (e.g. CallSid and step) where the same event can arrive
    twice: the second write is ignored and the function returns False.
    """
    row = contact_event_row(**fields)
    result = await session.execute(insert_new(session, _EVENTS, "event_id").values(**row))
    return bool(getattr(result, "rowcount", 0))


def contact_event_row(**fields: Unpack[ContactEventFields]) -> dict[str, Any]:
    """One event checked and pseudonymised, ready for `record_contact_events`; raises
    `InvalidContactEvent` at once, so a refused event is never left for a later write."""
    caller = fields.get("caller")
    pseudonymiser = fields.get("pseudonymiser")
    if caller and pseudonymiser is None:
        raise InvalidContactEvent("a caller is logged only as a pseudonym: give the pseudonymiser")
    return _validated_row(
        at=fields["at"],
        channel=fields["channel"],
        kind=fields["kind"],
        region=fields["region"],
        caller_pseudonym=pseudonymiser(caller) if caller and pseudonymiser else None,
        reference=fields.get("reference"),
        duration_seconds=fields.get("duration_seconds"),
        wait_seconds=fields.get("wait_seconds"),
        detail=dict(fields.get("detail") or {}),
        event_id=fields.get("event_id") or uuid.uuid4().hex,
    )


async def record_contact_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Log many events from `contact_event_row` at once; ones already logged are skipped."""
    await insert_new_rows(session, _EVENTS, "event_id", rows)


def _validated_row(**row: Any) -> dict[str, Any]:
    if row["channel"] not in CONTACT_CHANNELS:
        raise InvalidContactEvent(f'channel "{row["channel"]}" is not one of {", ".join(CONTACT_CHANNELS)}')
    if row["kind"] not in CONTACT_KINDS:
        raise InvalidContactEvent(f'kind "{row["kind"]}" is not a known kind of contact event')
    if row["at"].tzinfo is None:
        raise InvalidContactEvent("at must be an aware datetime")
    for field in ("duration_seconds", "wait_seconds"):
        if row[field] is not None and row[field] < 0:
            raise InvalidContactEvent(f"{field} must not be negative")
    encoded = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
    if len(encoded.encode()) > MAX_DETAIL_BYTES:
        raise InvalidContactEvent(f"detail is larger than {MAX_DETAIL_BYTES} bytes")
    if _looks_like_phone_number(encoded) or _looks_like_phone_number(row["reference"] or ""):
        raise InvalidContactEvent("detail or reference holds something like a phone number; log pseudonyms only")
    row["occurred_at"] = row.pop("at")
    return row


def _looks_like_phone_number(text: str) -> bool:
    return any(sum(ch.isdigit() for ch in match.group()) >= _MIN_PHONE_DIGITS for match in _PHONE_LIKE.finditer(text))


async def list_contact_events(
    session: AsyncSession,
    *,
    since: dt.datetime,
    until: dt.datetime,
    regions: Sequence[str] | None = None,
    limit: int = 1000,
) -> list[ContactEvent]:
    """Events in [since, until), oldest first, optionally of some regions only."""
    query = select(ContactEvent).where(ContactEvent.occurred_at >= since, ContactEvent.occurred_at < until)
    if regions is not None:
        query = query.where(ContactEvent.region.in_(regions))
    query = query.order_by(ContactEvent.occurred_at, ContactEvent.id).limit(limit)
    return list(await session.scalars(query))
