"""Calling customers back, and what happens when they are not reached.

An attempt rings the counsellor first, then bridges the customer with the region's hotline
number as caller ID. An unreached customer is tried again per the policy (default three
attempts, at least 30 minutes apart, only in hotline hours and inside the customer's window);
after the last one the concern is marked unreachable and the customer gets an SMS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from callbacks.claims import ClaimConflict
from callbacks.intake import note_history
from callbacks.models import CallbackAttempt, Concern
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from contacts.service import record_contact_event
from routing import is_open, next_opening

AttemptOutcome = Literal["reached", "busy", "no_answer", "machine", "failed", "error"]
# How far a call under way has come; the outcome ends it. Each step only ever moves forward.
CallState = Literal["ringing_counsellor", "ringing_customer", "connected"]
CALL_STATES: tuple[CallState, ...] = ("ringing_counsellor", "ringing_customer", "connected")
# Why calling now needs the counsellor's confirmation first.
OutsideWhat = Literal["customer_window", "hotline_hours"]
DIAL_OUTCOMES: dict[str, AttemptOutcome] = {
    "completed": "reached",
    "answered": "reached",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "failed",
}


@dataclass(frozen=True)
class AttemptResult:
    concern: Concern
    unreachable: bool  # the last attempt failed: tell the customer by SMS
    repeated: bool  # this outcome was known already (a repeated callback)


def check_may_call(concern: Concern, *, user_id: int, now: dt.datetime) -> None:
    """Only the counsellor holding an open concern with a number may call; ClaimConflict says why not."""
    if concern.status == "closed":
        raise ClaimConflict("Dieses Anliegen ist bereits abgeschlossen.")
    if concern.claimed_by != user_id or (concern.claim_expires_at and concern.claim_expires_at <= now):
        raise ClaimConflict("Bitte übernehmen Sie das Anliegen zuerst.")
    if concern.callback_number is None:
        raise ClaimConflict("Für dieses Anliegen ist keine Rufnummer bekannt.")


def outside_calling_time(concern: Concern, deployment: Deployment, now: dt.datetime) -> OutsideWhat | None:
    """What calling now would fall outside of: the window the customer gave (asked first, it is
    their wish), else the region's hotline hours; None if now is a fine time to call."""
    if concern.window_start and concern.window_end and not concern.window_start <= now < concern.window_end:
        return "customer_window"
    region = deployment.region(concern.region)
    if region is not None and not is_open(region, "hotline", now, deployment):
        return "hotline_hours"
    return None


async def start_attempt(session: AsyncSession, concern: Concern, *, user_id: int, now: dt.datetime) -> CallbackAttempt:
    """Begin a call to the customer; only the counsellor holding the concern may."""
    check_may_call(concern, user_id=user_id, now=now)
    attempt = CallbackAttempt(
        concern_id=concern.id, counsellor_id=user_id, started_at=now, state="ringing_counsellor"
    )
    session.add(attempt)
    await session.flush()
    # The history shows the call from the moment it is placed, with who placed it: an attempt
    # whose outcome never comes back (the counsellor hangs up first, the simulated network)
    # would otherwise leave no trace on the concern.
    await note_history(session, concern, "call_started", now, user_id, {"attempt": attempt.id})
    return attempt


def advance_call_state(attempt: CallbackAttempt, state: CallState) -> None:
    """The call has come as far as `state`; an ended call or an older report changes nothing
    (Twilio's callbacks may arrive late or twice)."""
    if attempt.outcome is not None:
        return
    if attempt.state not in CALL_STATES or CALL_STATES.index(state) > CALL_STATES.index(attempt.state):
        attempt.state = state


async def attempt_could_not_start(
    session: AsyncSession, attempt: CallbackAttempt, *, error: str, now: dt.datetime
) -> None:
    """Twilio could not be reached: the concern stays claimed, the counsellor sees why and may retry."""
    attempt.outcome, attempt.ended_at, attempt.error = "error", now, error[:300]
    concern = await session.get(Concern, attempt.concern_id)
    if concern is not None:
        await note_history(session, concern, "attempt_error", now, attempt.counsellor_id, {"error": error[:200]})


async def finish_attempt(
    session: AsyncSession,
    attempt: CallbackAttempt,
    outcome: AttemptOutcome,
    *,
    deployment: Deployment,
    now: dt.datetime,
    pseudonymiser: Pseudonymiser,
) -> AttemptResult:
    """Record how the call to the customer ended; schedule a retry or give up, per the policy."""
    concern = await session.get(Concern, attempt.concern_id)
    assert concern is not None
    if attempt.outcome is not None:
        return AttemptResult(concern, unreachable=False, repeated=True)
    attempt.outcome, attempt.ended_at = outcome, now
    concern.attempts += 1
    policy = deployment.callbacks
    unreachable = False
    if outcome != "reached":
        concern.claimed_by, concern.claim_expires_at = None, None
        if concern.attempts >= policy.attempts:
            concern.status, concern.next_attempt_at = "unreachable", None
            unreachable = True
        else:
            concern.next_attempt_at = next_retry_at(concern, deployment, now)
    await note_history(
        session,
        concern,
        "attempt",
        now,
        attempt.counsellor_id,
        {"outcome": outcome, "number": concern.attempts, "retry_at": _iso(concern.next_attempt_at)},
    )
    await record_contact_event(
        session,
        pseudonymiser=pseudonymiser,
        at=now,
        channel="callback",
        kind="callback_attempted",
        region=concern.region,
        caller=concern.callback_number,
        reference=f"concern:{concern.reference}",
        duration_seconds=int((now - attempt.started_at).total_seconds()),
        detail={"outcome": outcome, "attempt": concern.attempts},
        event_id=f"attempt:{attempt.id}",
    )
    if unreachable:
        await record_contact_event(
            session,
            pseudonymiser=pseudonymiser,
            at=now,
            channel="callback",
            kind="concern_unreachable",
            region=concern.region,
            caller=concern.callback_number,
            reference=f"concern:{concern.reference}",
            detail={"attempts": concern.attempts},
            event_id=f"concern:{concern.id}:unreachable",
        )
    return AttemptResult(concern, unreachable=unreachable, repeated=False)


def next_retry_at(concern: Concern, deployment: Deployment, now: dt.datetime) -> dt.datetime | None:
    """The earliest moment at least `min_gap` from now, in hotline hours and, while it lasts,
    inside the customer's window; None if the line never opens again within a year."""
    region = deployment.region(concern.region)
    if region is None:
        return None
    earliest = now + deployment.callbacks.min_gap
    if concern.window_start and concern.window_end and earliest < concern.window_end:
        earliest = max(earliest, concern.window_start)
    return next_opening(region, "hotline", earliest, deployment)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
