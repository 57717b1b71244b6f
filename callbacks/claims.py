"""Claiming concerns: a claim is a lease that returns the concern to the queue if it is not
worked in time, and two counsellors never hold the same concern.

On PostgreSQL "take next" locks the first free row with `FOR UPDATE SKIP LOCKED`, so many
workers claim in parallel without waiting on each other; SQLite serialises writers (every
transaction begins IMMEDIATE), which gives the same guarantee one at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Table,
    Update,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from callbacks.intake import note_history
from callbacks.models import Concern, ConcernEntry
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from storage.types import JSONDocument


class ClaimConflict(Exception):
    """Someone else holds the concern, or it cannot be claimed in its state (German message)."""


def queue_order() -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]:
    """Due time first, then urgency, then age; a phone callback's age counts from the caller's
    original queue time, so leaving the queue for a callback keeps their turn."""
    urgency_rank = case((Concern.urgency == "urgent", 0), else_=1)
    age = func.coalesce(Concern.queued_at, Concern.created_at)
    return (Concern.due_at, urgency_rank, age, Concern.id)


@dataclass(frozen=True, slots=True)
class Claimed:
    """What "take next" hands back: enough to open the concern and to log the claim."""

    id: int
    reference: str
    region: str
    callback_number: str | None
    created_at: dt.datetime


def _claim_next_statement(*, held: bool) -> Update:
    """Built once: picking, locking and claiming in one statement is the fewest round trips while
    many counsellors press "take next" at once, and a prebuilt statement spares rebuilding it.

    `held=False` reads only free concerns, which the partial index holds, so concerns other
    counsellors hold cost nothing to pass over; `held=True` then looks among held concerns
    whose lease ran out (few, and returned to the queue by a job within a minute anyway).
    """
    now: BindParameter[dt.datetime] = bindparam("now")
    holder = Concern.claim_expires_at <= now if held else Concern.claimed_by.is_(None)
    first = (
        select(Concern.id)
        .where(
            Concern.region.in_(bindparam("regions", expanding=True)),
            Concern.status == "open",
            Concern.next_attempt_at.is_(None),
            holder,
            or_(Concern.window_start.is_(None), Concern.window_start <= now),
        )
        .order_by(*queue_order())
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    concerns = cast(Table, Concern.__table__)
    return (
        update(concerns)
        .where(concerns.c.id == first)
        .values(claimed_by=bindparam("user"), claim_expires_at=bindparam("expires"))
        .returning(*(concerns.c[name] for name in Claimed.__dataclass_fields__))
    )


_CLAIM_FREE = _claim_next_statement(held=False)
_CLAIM_EXPIRED = _claim_next_statement(held=True)
_HISTORY = insert(cast(Table, ConcernEntry.__table__)).values(detail=literal({}, JSONDocument))


def _with_history(claim: Update) -> Select[Any]:
    """PostgreSQL: the claim and its history line in one round trip (a data-modifying CTE)."""
    claimed = claim.cte("claimed")
    entries = cast(Table, ConcernEntry.__table__)
    history = (
        insert(entries)
        .from_select(
            ["concern_id", "at", "kind", "actor_id", "detail"],
            select(
                claimed.c.id,
                bindparam("now", type_=entries.c.at.type),
                literal("claimed"),
                bindparam("user", type_=entries.c.actor_id.type),
                literal({}, JSONDocument),
            ),
        )
        .cte("history")
    )
    # A claim is a lease: should the database crash before the claim reaches disk, the concern
    # is simply free again, as when a lease runs out. So the transaction's commit need not wait
    # for the WAL flush (PostgreSQL then loses at most about 3 x wal_writer_delay of such commits
    # and is never corrupted); set here, in the claim's own round trip, like SET LOCAL.
    lease_only = func.set_config("synchronous_commit", "off", True) == "off"
    return select(*claimed.c).add_cte(history).where(lease_only)


_CLAIMS = {
    "postgresql": (_with_history(_CLAIM_FREE), _with_history(_CLAIM_EXPIRED)),
    "sqlite": (_CLAIM_FREE, _CLAIM_EXPIRED),
}


async def claim_next(
    session: AsyncSession,
    *,
    user_id: int,
    regions: Sequence[str],
    now: dt.datetime,
    lease: dt.timedelta,
    pseudonymiser: Pseudonymiser | None = None,
) -> Claimed | None:
    """Claim the first concern of `regions` in queue order, or None if there is nothing to do."""
    # Core statements on the session's connection: the claim needs no ORM object, and "take
    # next" is the path many counsellors hit at once.
    connection = await session.connection()
    postgres = connection.dialect.name == "postgresql"
    values = {"regions": list(regions), "now": now, "user": user_id, "expires": now + lease}
    row = None
    for statement in _CLAIMS[connection.dialect.name]:
        row = (await connection.execute(statement, values)).first()
        if row is not None:
            break
    if row is None:
        return None
    concern = Claimed(*row)
    if not postgres:
        await connection.execute(
            _HISTORY, {"concern_id": concern.id, "at": now, "kind": "claimed", "actor_id": user_id}
        )
    if pseudonymiser is not None:
        await _log_claim(session, concern, user_id, now, pseudonymiser)
    return concern


async def claim(
    session: AsyncSession,
    concern: Concern,
    *,
    user_id: int,
    now: dt.datetime,
    lease: dt.timedelta,
    pseudonymiser: Pseudonymiser | None = None,
) -> Concern:
    """Claim this concern (or renew one's own claim); `ClaimConflict` if another holds it."""
    # The conditional update is the arbiter: of two counsellors claiming at once, one wins.
    won = await session.execute(
        update(Concern)
        .where(
            Concern.id == concern.id,
            Concern.status.in_(("open", "unreachable")),
            or_(Concern.claimed_by.is_(None), Concern.claimed_by == user_id, Concern.claim_expires_at <= now),
        )
        .values(claimed_by=user_id, claim_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(concern)
    if not getattr(won, "rowcount", 0):
        if concern.status == "closed":
            raise ClaimConflict("Dieses Anliegen ist bereits abgeschlossen.")
        raise ClaimConflict("Dieses Anliegen bearbeitet gerade eine Kollegin oder ein Kollege.")
    await note_history(session, concern, "claimed", now, user_id)
    if pseudonymiser is not None:
        await _log_claim(session, concern, user_id, now, pseudonymiser)
    return concern


async def release(session: AsyncSession, concern: Concern, *, user_id: int, now: dt.datetime) -> None:
    """Give a claimed concern back to the queue; only its current holder can."""
    released = await session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.claimed_by == user_id)
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(concern)
    if not getattr(released, "rowcount", 0):
        raise ClaimConflict("Sie halten dieses Anliegen nicht.")
    await note_history(session, concern, "released", now, user_id)


async def expire_leases(session: AsyncSession, now: dt.datetime) -> int:
    """Return concerns whose claim ran out to the queue; returns how many."""
    holders = dict(
        (
            await session.execute(
                select(Concern.id, Concern.claimed_by)
                .where(Concern.claimed_by.is_not(None), Concern.claim_expires_at <= now)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not holders:
        return 0
    # Conditional: a claim renewed or taken over since the read no longer matches and stays.
    expired = (
        await session.execute(
            update(Concern)
            .where(Concern.id.in_(holders), Concern.claim_expires_at <= now)
            .values(claimed_by=None, claim_expires_at=None)
            .returning(Concern.id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for (concern_id,) in expired:
        session.add(ConcernEntry(concern_id=concern_id, at=now, kind="lease_expired", actor_id=holders[concern_id]))
    await session.flush()
    return len(expired)


async def _log_claim(
    session: AsyncSession, concern: Concern | Claimed, user_id: int, now: dt.datetime, pseudonymiser: Pseudonymiser
) -> None:
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="callback",
        kind="concern_claimed",
        region=concern.region,
        caller=concern.callback_number,
        reference=f"concern:{concern.reference}",
        wait_seconds=int((now - concern.created_at).total_seconds()),
        detail={"by": user_id},
    )
