"""Demo data: a realistic span of synthetic contacts for the contact log, so pages and benches have data.

`demo_events` yields contact-event rows in batches, `seed` writes them. Everything follows from
the seed: each region's day has a random generator of its own (seed, region, date), so the same
seed writes the same events for a day whichever span it is asked for, and writing them again adds
nothing (event ids are derived from the same three). Callers are synthetic numbers of a
fictitious Berlin range (+49 30 555…), logged only as pseudonyms, as the service logs real ones.

What a call does follows the region's real hotline hours (holidays and closures included, through
`routing.decide`): open, it queues for the counsellors on the window (`demo_queue`); closed, the
caller hears the closed-line menu. The events and their order are those the service writes
(see the contact-log contract in README, "Capacity planning").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import heapq
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.deployment import Deployment, Region, Urgency
from contacts.models import ContactEvent
from contacts.pseudonyms import Pseudonymiser
from contacts.vocabulary import ContactChannel
from planning.demo_demand import (
    DEFAULT_CALLS_PER_WEEKDAY,
    MAX_DAYS,
    expected_calls,
    hour_weights,
    month_factor,
    poisson,
)
from planning.demo_queue import HotlineShift, counsellors_for
from planning.event_writer import EventWriter
from routing import decide, due_at, is_open, is_working_day, next_opening, next_window, open_ranges
from storage.clock import Clock, system_clock

DEFAULT_BATCH = 5000

_EVENTS = cast(Table, ContactEvent.__table__)
_UTC = dt.UTC
_DAY = 86_400
# Handling time: lognormal, median 4.5 minutes (mean about 5).
_HANDLE_MEDIAN_S = 270
_HANDLE_SIGMA = 0.5
_HANDLE_MEAN_S = _HANDLE_MEDIAN_S * math.exp(_HANDLE_SIGMA**2 / 2)
_MEAN_PATIENCE_S = 150  # callers' patience in the queue: exponential
_SHORT_HANG_UP = 0.02  # callers who hang up within seconds whatever the wait (misdials, second thoughts)
_WITHHELD_EVERY = 25  # one customer in 25 calls with the number withheld
_FAILED = 0.003
_REDIAL_AFTER_CLOSED = 0.3
_REDIAL_AFTER_ABANDON = 0.45
_MAX_REDIALS = 3
_WITHIN_PROMISE = 0.88
_CLOSED_CHOICES = ("callback", "voicemail", "counselling", "invalid", "none")
_CLOSED_WEIGHTS = (0.3, 0.12, 0.08, 0.04, 0.46)
_OUTCOMES = ("settled", "appointment_made", "forwarded", "counselling_booked")
_OUTCOME_WEIGHTS = (0.7, 0.15, 0.1, 0.05)
_CONCERN_EVENT: dict[str, tuple[ContactChannel, str]] = {
    "phone_callback": ("callback", "callback_requested"),
    "voicemail": ("voicemail", "voicemail_left"),
    "walk_in": ("walk_in", "concern_raised"),
    "web_form": ("web_form", "concern_raised"),
}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as concern references: no 0/O, 1/I


class _Emit(Protocol):
    def __call__(
        self,
        at: int,
        channel: ContactChannel,
        kind: str,
        reference: str,
        event_id: str,
        *,
        caller: str | None = None,
        duration: int | None = None,
        wait: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What `seed` wrote: new events (ones already logged are skipped), what was generated, how fast."""

    events: int
    generated: int
    calls: int
    concerns: int
    since: dt.datetime
    until: dt.datetime
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.generated / self.seconds if self.seconds > 0 else 0.0


@dataclass
class DemoContacts:
    """Synthetic contacts of every region of a deployment in [until - days, until)."""

    deployment: Deployment
    pseudonymiser: Pseudonymiser
    days: int
    until: dt.datetime
    seed: int = 0
    calls_per_weekday: float = DEFAULT_CALLS_PER_WEEKDAY
    calls: int = 0  # counted while the batches are generated
    concerns: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be from 1 to {MAX_DAYS}, not {self.days}")
        if self.calls_per_weekday < 0:
            raise ValueError(f"calls_per_weekday must not be negative, not {self.calls_per_weekday}")
        if self.until.tzinfo is None:
            raise ValueError("until must be an aware datetime")
        self._pseudonyms: dict[str, str] = {}
        self.working_days: dict[tuple[str, int, int], list[dt.date]] = {}

    @property
    def since(self) -> dt.datetime:
        return self.until - dt.timedelta(days=self.days)

    def batches(self, size: int = DEFAULT_BATCH) -> Iterator[list[dict[str, Any]]]:
        """Event rows (the contact log's columns) in lists of at most `size`, day by day."""
        if size < 1:
            raise ValueError(f"batch size must be at least 1, not {size}")
        zone = self.deployment.zone
        first, last = self.since.astimezone(zone).date(), self.until.astimezone(zone).date()
        pending: list[dict[str, Any]] = []
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            day = dt.date.fromordinal(ordinal)
            for number, region in enumerate(self.deployment.regions):
                pending.extend(_RegionDay(self, region, number, day).events())
                while len(pending) >= size:
                    yield pending[:size]
                    del pending[:size]
        if pending:
            yield pending

    def pseudonym(self, number: str) -> str:
        """The caller's pseudonym, as the service computes it (remembered: callers call again)."""
        known = self._pseudonyms.get(number)
        if known is None:
            known = self._pseudonyms[number] = self.pseudonymiser(number)
        return known


def demo_events(
    deployment: Deployment,
    pseudonymiser: Pseudonymiser,
    *,
    days: int,
    until: dt.datetime | None = None,
    seed: int = 0,
    calls_per_weekday: float | None = None,
    batch: int = DEFAULT_BATCH,
    clock: Clock = system_clock,
) -> Iterator[list[dict[str, Any]]]:
    """Synthetic contact events of `days` days before `until` (default: now), in batches of at most `batch` rows."""
    contacts = DemoContacts(deployment, pseudonymiser, days, until or clock(), seed, _per_weekday(calls_per_weekday))
    return contacts.batches(batch)


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    deployment: Deployment,
    pseudonymiser: Pseudonymiser,
    *,
    days: int,
    until: dt.datetime | None = None,
    seed: int = 0,
    calls_per_weekday: float | None = None,
    batch: int = DEFAULT_BATCH,
    clock: Clock = system_clock,
) -> SeedSummary:
    """Write synthetic contacts of `days` days before `until` (default: now) into the contact log,
    a batch per transaction; events already there (the same seed and days seeded before) are skipped."""
    contacts = DemoContacts(deployment, pseudonymiser, days, until or clock(), seed, _per_weekday(calls_per_weekday))
    started = time.perf_counter()
    before = await count_contact_events(sessions)
    async with sessions() as session:
        writer = EventWriter(session.get_bind().dialect)
    batches = contacts.batches(batch)

    def next_batch() -> list[tuple[Any, ...]] | None:
        rows = next(batches, None)
        return None if rows is None else writer.parameters(rows)

    # The next batch is made in a thread while the database takes this one: the driver (and
    # SQLite's C code) let go of the interpreter while they work.
    generated, coming = 0, asyncio.create_task(asyncio.to_thread(next_batch))
    while (parameters := await coming) is not None:
        coming = asyncio.create_task(asyncio.to_thread(next_batch))
        async with sessions.begin() as session:
            await writer.write(session, parameters)
        generated += len(parameters)
    written = await count_contact_events(sessions) - before
    return SeedSummary(
        events=written,
        generated=generated,
        calls=contacts.calls,
        concerns=contacts.concerns,
        since=contacts.since,
        until=contacts.until,
        seconds=time.perf_counter() - started,
    )


async def count_contact_events(sessions: async_sessionmaker[AsyncSession]) -> int:
    """How many events the contact log holds."""
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(_EVENTS)) or 0)


def _per_weekday(calls: float | None) -> float:
    return DEFAULT_CALLS_PER_WEEKDAY if calls is None else calls


class _RegionDay:
    """The contacts of one region that begin on one local date."""

    def __init__(self, contacts: DemoContacts, region: Region, number: int, day: dt.date) -> None:
        self.contacts = contacts
        self.deployment = contacts.deployment
        self.region = region
        self.number = number
        self.day = day
        key = f"{contacts.seed}|{region.id}|{day.isoformat()}"
        self.rng = random.Random(key)
        self.token = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
        self.serial = 0
        self.since = int(contacts.since.timestamp())
        self.until = int(contacts.until.timestamp())
        self.rows: list[dict[str, Any]] = []
        # Each customer calls a few times a year; numbers have six digits of their own.
        self.population = min(1_000_000, max(100, int(contacts.calls_per_weekday * 50)))
        self.max_wait = int(region.max_queue_wait.total_seconds())
        self.line = region.numbers[0]
        self.zone = self.deployment.zone

    # --- the day ----------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        rng, day = self.rng, self.day
        working = is_working_day(day, self.region, self.deployment)
        month = month_factor(day, self._working_days_of_month()) if working else 1.0
        hours = open_ranges(self.region, "hotline", day, self.deployment)
        mean = expected_calls(self.contacts.calls_per_weekday, day, working=working, month=month)
        arrivals = sorted(self._moments(poisson(rng, mean), hour_weights(hours)))
        shifts = self._shifts(hours, arrivals, month)
        waiting = [(at, order, rng.randrange(self.population), 0) for order, at in enumerate(arrivals)]
        heapq.heapify(waiting)
        order = len(waiting)
        while waiting:
            at, _, caller, redials = heapq.heappop(waiting)
            redial_at = self._call(at, None if caller % _WITHHELD_EVERY == 0 else caller, shifts)
            if redial_at is not None and redials < _MAX_REDIALS:
                order += 1
                heapq.heappush(waiting, (redial_at, order, caller, redials + 1))
        for shift in shifts:
            self._availability(shift)
        self._desk_and_form_concerns(working, month)
        return self.rows

    def _working_days_of_month(self) -> list[dt.date]:
        key = (self.region.id, self.day.year, self.day.month)
        known = self.contacts.working_days.get(key)
        if known is None:
            known = self.contacts.working_days[key] = self._count_working_days()
        return known

    def _count_working_days(self) -> list[dt.date]:
        first = self.day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        days = (first + dt.timedelta(days=n) for n in range((following - first).days))
        return [d for d in days if is_working_day(d, self.region, self.deployment)]

    def _moments(self, count: int, weights: list[float]) -> list[int]:
        """`count` instants on the day, spread by the hourly weights (local time)."""
        rng, day, zone = self.rng, self.day, self.zone
        moments = []
        for hour in rng.choices(range(24), weights=weights, k=count):
            second = rng.randrange(3600)
            local = dt.datetime(day.year, day.month, day.day, hour, second // 60, second % 60, tzinfo=zone)
            moments.append(int(local.timestamp()))
        return moments

    def _shifts(self, hours: tuple[tuple[int, int], ...], arrivals: list[int], month: float) -> list[HotlineShift]:
        """Counsellors on each open window of the day, as many as the ordinary week's calls need."""
        shifts = []
        pool = [9000 + 100 * self.number + n for n in range(12)]
        for start_minute, end_minute in _joined(hours):
            start, end = self._instant(start_minute), self._instant(end_minute)
            planned = sum(1 for at in arrivals if start <= at < end) / month
            needed = counsellors_for(planned, _HANDLE_MEAN_S, end - start)
            shifts.append(HotlineShift(start, end, self.rng.sample(pool, needed)))
        return shifts

    def _instant(self, minute: int) -> int:
        day = self.day + dt.timedelta(days=minute // 1440)
        minute %= 1440
        return int(dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone).timestamp())

    # --- a call ------------------------------------------------------------------------------

    def _call(self, start: int, caller: int | None, shifts: list[HotlineShift]) -> int | None:
        """Log one call from its arrival to its end; return when the caller calls again, if she does."""
        rng = self.rng
        self.serial += 1
        sid = f"CA{self.token}{self.serial:012x}"
        number = None if caller is None else f"+4930555{self.number % 100:02d}{caller:06d}"
        pseudonym = None if number is None else self.contacts.pseudonym(number)
        if self.since <= start < self.until:
            self.contacts.calls += 1
        emit = self._emitter(start)
        emit(start, "phone", "call_received", sid, f"{sid}:call_received", caller=pseudonym)
        routed = start + rng.randint(5, 20)
        if len(self.region.languages) > 1:
            language = self.region.default_language if rng.random() < 0.85 else rng.choice(self.region.languages)
            emit(
                start + rng.randint(2, routed - start - 1),
                "phone",
                "language_chosen",
                sid,
                f"{sid}:language_chosen",
                detail={"language": language},
            )
        # The day's windows answer most calls; the router is asked about the others (closed,
        # or a redial past midnight), as it would be asked by the live service.
        shift, decision = next((s for s in shifts if s.start <= routed < s.end), None), None
        if shift is None:
            moment = dt.datetime.fromtimestamp(routed, _UTC)
            decision = decide(self.line, moment, self.deployment)
            if decision.open:  # a window begun another day, across midnight
                ends = decision.closes_at or moment + dt.timedelta(hours=1)
                shift = HotlineShift(routed, int(ends.timestamp()), [9000 + 100 * self.number])
                shifts.append(shift)
        if shift is not None:
            end, redial = self._queue(emit, sid, routed, shift, number)
        else:
            assert decision is not None
            reason = decision.reason or "outside_hours"
            end, redial = self._closed_line(
                emit, sid, routed, reason, "counselling_link" in decision.offers, number, pseudonym
            )
        kind = "call_failed" if rng.random() < _FAILED else "call_completed"
        emit(end, "phone", kind, sid, f"{sid}:{kind}", duration=end - start)
        return end + rng.randint(120, 1800) if redial else None

    def _queue(self, emit: _Emit, sid: str, queued: int, shift: HotlineShift, number: str | None) -> tuple[int, bool]:
        """Queue for the window's counsellors: answered, given up, or left for a callback or voicemail."""
        rng = self.rng
        emit(queued, "phone", "queued", sid, f"{sid}:queued")
        answered = shift.answer_at(queued, rng.randint(3, 12))
        wait = answered - queued
        patience = rng.uniform(1, 4.5) if rng.random() < _SHORT_HANG_UP else rng.expovariate(1 / _MEAN_PATIENCE_S)
        if wait <= patience and wait <= self.max_wait:
            talk = int(min(3600, max(30, rng.lognormvariate(math.log(_HANDLE_MEDIAN_S), _HANDLE_SIGMA))))
            shift.take(answered, answered + talk)
            emit(answered, "phone", "answered", sid, f"{sid}:answered", wait=wait)
            return answered + talk, False
        if patience < min(wait, self.max_wait):
            waited = max(1, int(patience))
            left = queued + waited
            # A few who tire of waiting press the key for a callback or voicemail rather than hang up.
            choice = rng.choice(("callback", "callback", "voicemail")) if waited > 60 and rng.random() < 0.15 else None
        else:
            # The longest wait is reached: the caller is offered a callback or voicemail.
            left, waited = queued + self.max_wait, self.max_wait
            choice = rng.choices(("callback", "voicemail", None), weights=(0.55, 0.2, 0.25))[0]
        if choice is None:
            emit(left, "phone", "abandoned", sid, f"{sid}:abandoned", wait=waited)
            return left + rng.randint(1, 2), rng.random() < _REDIAL_AFTER_ABANDON
        kind = "left_queue_for_callback" if choice == "callback" else "left_queue_for_voicemail"
        emit(left, "phone", kind, sid, f"{sid}:{kind}", wait=waited)
        return self._leave_concern(choice, left, sid, number), False

    def _closed_line(
        self,
        emit: _Emit,
        sid: str,
        routed: int,
        reason: str,
        counselling: bool,
        number: str | None,
        pseudonym: str | None,
    ) -> tuple[int, bool]:
        """The closed line: the reason, then the caller's choice in its menu."""
        rng = self.rng
        emit(routed, "phone", "closed_line", sid, f"{sid}:closed_line", detail={"reason": reason})
        weights = _CLOSED_WEIGHTS if counselling else (*_CLOSED_WEIGHTS[:2], 0.0, *_CLOSED_WEIGHTS[3:])
        choice = rng.choices(_CLOSED_CHOICES, weights=weights)[0]
        chosen = routed + rng.randint(15, 45)
        emit(chosen, "phone", "closed_menu_choice", sid, f"{sid}:closed_menu_choice:1", detail={"choice": choice})
        if choice in ("callback", "voicemail"):
            return self._leave_concern(choice, chosen, sid, number), False
        if choice == "counselling":
            end = chosen + rng.randint(10, 25)
            if number is not None and rng.random() < 0.6:
                self._booking(end + rng.randint(120, 4 * 3600), pseudonym)
            return end, False
        return chosen + rng.randint(1, 10), rng.random() < _REDIAL_AFTER_CLOSED

    def _leave_concern(self, choice: str, at: int, sid: str, number: str | None) -> int:
        """A callback request or voicemail left from a call; returns when the call ends."""
        rng = self.rng
        if choice == "callback":
            raised = at + rng.randint(20, 60)
            self._concern(raised, "phone_callback", number, call=sid)
            return raised + rng.randint(5, 15)
        recording = rng.randint(15, 110)
        raised = at + rng.randint(10, 20) + recording
        self._concern(raised, "voicemail", number, call=sid, duration=recording)
        return raised + rng.randint(1, 3)

    # --- concerns and counselling -------------------------------------------------------------

    def _concern(
        self, raised: int, channel: str, number: str | None, *, call: str | None = None, duration: int | None = None
    ) -> None:
        """A concern raised, and settled later: mostly within its promise."""
        rng = self.rng
        if self.since <= raised < self.until:
            self.contacts.concerns += 1
        self.serial += 1
        concern = f"d{self.token}{self.serial:x}"
        letters = "".join(rng.choice(_REFERENCE_ALPHABET) for _ in range(8))
        reference = f"concern:{letters[:4]}-{letters[4:]}"
        topic = rng.choice(self.deployment.topics)
        urgency: Urgency = topic.urgency
        pseudonym = None if number is None else self.contacts.pseudonym(number)
        contact_channel, kind = _CONCERN_EVENT[channel]
        detail: dict[str, Any] = {"urgency": urgency, "topic": topic.id, "language": self.region.default_language}
        if call is not None:
            detail["call"] = call
        emit = self._emitter(raised)
        emit(
            raised,
            contact_channel,
            kind,
            reference,
            f"concern:{concern}:raised",
            caller=pseudonym,
            duration=duration,
            detail=detail,
        )
        settled, within = self._settled_at(raised, urgency)
        outcome = rng.choices(_OUTCOMES, weights=_OUTCOME_WEIGHTS)[0]
        emit(
            settled,
            "callback",
            "concern_settled",
            reference,
            f"concern:{concern}:settled",
            caller=pseudonym,
            duration=settled - raised,
            detail={"outcome": outcome, "within_promise": within, "channel": channel},
        )

    def _settled_at(self, raised: int, urgency: Urgency) -> tuple[int, bool]:
        """When a counsellor settles a concern: in hotline hours, mostly before it is due."""
        rng, region, deployment = self.rng, self.region, self.deployment
        moment = dt.datetime.fromtimestamp(raised, _UTC)
        due = int(due_at(moment, urgency, region, deployment).timestamp())
        opens = next_opening(region, "hotline", moment, deployment)
        start = max(raised, int(opens.timestamp())) if opens is not None else raised
        if rng.random() < _WITHIN_PROMISE and due > start:
            settled = start + int(rng.uniform(0.02, 0.95) * (due - start))
            if not is_open(region, "hotline", dt.datetime.fromtimestamp(settled, _UTC), deployment):
                reopens = next_opening(region, "hotline", dt.datetime.fromtimestamp(settled, _UTC), deployment)
                settled = int(reopens.timestamp()) + rng.randint(60, 1800) if reopens is not None else settled
                settled = min(settled, due - rng.randint(60, 600))
            settled = max(settled, raised + 60)
        else:
            late = dt.datetime.fromtimestamp(due + rng.randint(600, 2 * _DAY), _UTC)
            reopens = next_opening(region, "hotline", late, deployment)
            settled = int((reopens or late).timestamp()) + rng.randint(60, 3600)
        return settled, settled <= due

    def _booking(self, booked: int, pseudonym: str | None) -> None:
        """A counselling session booked through the link the closed line sent, and how it went."""
        rng, region, deployment = self.rng, self.region, self.deployment
        after = dt.datetime.fromtimestamp(booked + rng.randint(1, 8) * _DAY, _UTC)
        window = next_window(region, "counselling", after, deployment)
        if window is None:
            return
        slots = max(1, int((window[1] - window[0]).total_seconds()) // 1800)
        starts = int(window[0].timestamp()) + 1800 * rng.randrange(slots)
        mode = "video" if rng.random() < 0.4 else "phone"
        channel: ContactChannel = "video" if mode == "video" else "phone"
        self.serial += 1
        booking = f"d{self.token}{self.serial:x}"
        reference = f"counselling:{booking}"
        starts_at = dt.datetime.fromtimestamp(starts, _UTC).isoformat()
        emit = self._emitter(booked)
        emit(
            booked,
            channel,
            "counselling_booked",
            reference,
            f"{reference}:booked",
            caller=pseudonym,
            detail={"mode": mode, "starts_at": starts_at},
        )
        luck = rng.random()
        if luck < 0.1:
            emit(
                booked + int((starts - booked) * rng.random()),
                channel,
                "counselling_cancelled",
                reference,
                f"{reference}:cancelled",
                caller=pseudonym,
                detail={"mode": mode},
            )
        else:
            kind = "counselling_no_show" if luck < 0.25 else "counselling_held"
            emit(starts, channel, kind, reference, f"{reference}:{kind}", caller=pseudonym, detail={"mode": mode})

    def _desk_and_form_concerns(self, working: bool, month: float) -> None:
        """Concerns raised at the front desk (working days, office hours) and by the contact form (any time)."""
        rng, calls = self.rng, self.contacts.calls_per_weekday
        if working:
            for at in self._moments(poisson(rng, calls * 0.1 * month), _OFFICE_HOURS):
                number = f"+4930556{self.number % 100:02d}{rng.randrange(self.population):06d}"
                self._concern(at, "walk_in", number if rng.random() < 0.85 else None)
        for at in self._moments(poisson(rng, calls * 0.06 * month), _FORM_HOURS):
            number = f"+4930556{self.number % 100:02d}{rng.randrange(self.population):06d}"
            self._concern(at, "web_form", number if rng.random() < 0.95 else None)

    def _availability(self, shift: HotlineShift) -> None:
        """Each counsellor of a window available at its start and unavailable at its end (or her last call's)."""
        rng = self.rng
        for index, user in enumerate(shift.counsellors):
            reference = f"counsellor:{user}"
            came = shift.start - rng.randint(0, 180)
            left = max(shift.end, shift.last_talk_end[index]) + rng.randint(0, 120)
            emit = self._emitter(came)
            emit(came, "phone", "counsellor_available", reference, f"{reference}:{came}:available")
            emit(left, "phone", "counsellor_unavailable", reference, f"{reference}:{left}:unavailable")

    # --- rows --------------------------------------------------------------------------------

    def _emitter(self, begins: int) -> _Emit:
        """Appends the rows of something that began at `begins`: nothing of what began before
        the span, nothing that happens after its end."""
        rows, until, region = self.rows, self.until, self.region.id
        keep = begins >= self.since

        def emit(
            at: int,
            channel: ContactChannel,
            kind: str,
            reference: str,
            event_id: str,
            *,
            caller: str | None = None,
            duration: int | None = None,
            wait: int | None = None,
            detail: dict[str, Any] | None = None,
        ) -> None:
            if keep and at < until:
                rows.append(
                    {
                        "event_id": event_id,
                        "occurred_at": dt.datetime.fromtimestamp(at, _UTC),
                        "region": region,
                        "channel": channel,
                        "kind": kind,
                        "caller_pseudonym": caller,
                        "reference": reference,
                        "duration_seconds": duration,
                        "wait_seconds": wait,
                        "detail": detail or {},
                    }
                )

        return emit


# Local hours of front-desk visits and of contact-form messages.
_OFFICE_HOURS = [0.0] * 8 + [1.0, 1.2, 1.1, 1.0, 0.6, 0.8, 0.7, 0.3] + [0.0] * 8
_FORM_HOURS = [0.1] * 6 + [0.3, 0.6, 0.9, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.0, 0.6, 0.3]


def _joined(hours: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Open ranges that touch joined into one window, as the caller experiences them."""
    joined: list[tuple[int, int]] = []
    for start, end in hours:
        if joined and joined[-1][1] == start:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined
