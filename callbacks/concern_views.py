"""One concern in detail: its facts and history, and what a counsellor does with it: claim,
release, call the customer, close, merge an unverified web-form concern or keep it, and play
its voicemail."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from callbacks.attempts import (
    OutsideWhat,
    attempt_could_not_start,
    check_may_call,
    outside_calling_time,
    start_attempt,
)
from callbacks.claims import ClaimConflict, claim, release
from callbacks.concern_lookup import concern_by_reference, served_concern
from callbacks.linked_concerns import keep_separate, links_of, merge_into_linked
from callbacks.models import MERGED, OUTCOMES, WITHDRAWN, CallbackAttempt, Concern, ConcernEntry
from callbacks.outcomes import InvalidConcern, close_concern, parse_outcome
from callbacks.ports import CallbackDialer, DialError
from callbacks.worklist import attempts_of, due_state, history, latest_attempt
from callbacks.worklist_views import CHANNEL_TITLES, STATE_TITLES
from config.deployment import Deployment
from contacts.pseudonyms import Pseudonymiser
from routing.numbers import takes_text_messages
from staff.accounts import StaffMember, display_names
from staff.web import CURRENT_MEMBER, require_role, see_other
from storage.clock import Clock

log = logging.getLogger("hotline.personal_data")
OUTCOME_TITLES = {
    "settled": "erledigt",
    "appointment_made": "Termin vereinbart",
    "forwarded": "weitergeleitet",
    "counselling_booked": "Beratung gebucht",
    MERGED: "zusammengeführt",
    WITHDRAWN: "zurückgezogen (Löschung verlangt)",
}
HISTORY_TITLES = {
    "created": "angelegt",
    "merged": "weitere Anfrage zusammengeführt",
    "claimed": "übernommen",
    "released": "freigegeben",
    "call_started": "Anruf gestartet",
    "lease_expired": "Bearbeitungszeit abgelaufen",
    "attempt": "Anrufversuch",
    "attempt_error": "Anruf nicht möglich",
    "retry_due": "erneuter Versuch fällig",
    "due_soon": "bald fällig",
    "overdue": "überfällig",
    "closed": "abgeschlossen",
    "recording_deleted": "Aufnahme gelöscht",
    "personal_data_erased": "persönliche Daten gelöscht",
    "withdrawn": "zurückgezogen: die Kundin oder der Kunde verlangte die Löschung",
    "linked": "mit einem Anliegen derselben Nummer verknüpft",
    "merged_into": "in das verknüpfte Anliegen übernommen",
    "kept_separate": "als eigenes Anliegen behalten",
}
ATTEMPT_TITLES = {
    "reached": "erreicht",
    "busy": "besetzt",
    "no_answer": "nicht abgenommen",
    "machine": "Anrufbeantworter",
    "failed": "fehlgeschlagen",
    "error": "Fehler",
}
# What the live region says at each step of a call (German; English in locale/en.toml).
LIVE_TEXTS = {
    "ringing_counsellor": "Ihr Telefon klingelt gleich; nehmen Sie ab, dann wird die Kundin oder der Kunde angerufen.",
    "ringing_customer": "Sie sind verbunden. Das Telefon der Kundin oder des Kunden klingelt.",
    "connected": "Die Kundin oder der Kunde hat abgenommen. Sie sind verbunden.",
    "ended": "Der Anruf ist beendet.",
}
STATUS_TITLES = {"open": "offen", "unreachable": "nicht erreicht", "closed": "abgeschlossen"}
NOTICES = {
    "released": "Das Anliegen ist freigegeben; eine Kollegin oder ein Kollege kann es übernehmen.",
    "closed": "Das Anliegen ist abgeschlossen.",
    "merged": "Das Anliegen wurde in das verknüpfte Anliegen übernommen und abgeschlossen.",
    "kept": "Die Verknüpfung ist aufgehoben; beide Anliegen bleiben bestehen.",
    "counselling_link": "Beratungslink per SMS gesendet an {number}.",
}


@dataclass(frozen=True)
class ConcernViews:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser
    dialer: Callable[[], CallbackDialer]

    @require_role("counsellor")
    async def detail(self, request: web.Request) -> web.StreamResponse:
        return await self._detail(request)

    async def _detail(
        self,
        request: web.Request,
        *,
        error: str | None = None,
        error_detail: str | None = None,
        profile_link: bool = False,
        status: int = 200,
    ) -> web.Response:
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            concern = await served_concern(session, request, member)
            entries = await history(session, concern)
            attempts = await attempts_of(session, concern)
            links = await links_of(session, concern)
            names = await display_names(
                session, [e.actor_id for e in entries] + [a.counsellor_id for a in attempts] + [concern.claimed_by]
            )
        log.info("concern viewed", extra={"user": member.id, "concern": concern.reference})
        now = self.clock()
        region = self.deployment.region(concern.region)
        context: dict[str, Any] = {
            "c": concern,
            "row": self._row(concern, now, links.linked_to),
            "linked_from": links.linked_from,
            "region_name": region.name if region else concern.region,
            "history": [self._entry(e, names) for e in entries],
            "attempts": [self._attempt(a, names) for a in attempts],
            "mine": concern.claimed_by == member.id
            and bool(concern.claim_expires_at and concern.claim_expires_at > now),
            "held": concern.claimed_by is not None
            and bool(concern.claim_expires_at and concern.claim_expires_at > now),
            "holder": names.get(concern.claimed_by or 0),
            "outcomes": {o: OUTCOME_TITLES[o] for o in OUTCOMES},
            "outcome_titles": OUTCOME_TITLES,
            "statuses": STATUS_TITLES,
            "error": error,
            "error_detail": error_detail,  # the port's reason, in German where it is ours
            "profile_link": profile_link,
            "rings_phones": self.dialer().rings_phones,
            # The latest call, shown live (call_state.js polls `call_state`) while it lasts.
            "live": _live_state(attempts[-1]) if attempts else None,
            "live_outcome": attempts[-1].outcome if attempts else None,
            "live_texts": {**LIVE_TEXTS, **{f"ended:{o}": t for o, t in ATTEMPT_TITLES.items()}},
            "notice": NOTICES.get(request.query.get("done", "")),
            # A booking link for counselling goes by SMS (counselling's own route sends it).
            "counselling_link": concern.status != "closed"
            and bool(concern.callback_number and takes_text_messages(concern.callback_number)),
        }
        return aiohttp_jinja2.render_template("callbacks/concern.html", request, context, status=status)

    @require_role("counsellor")
    async def act(self, request: web.Request) -> web.StreamResponse:
        """Claim, release, close, call, or decide about an unverified concern (merge it into the
        linked one, or keep both): one form, one button per action."""
        member = request[CURRENT_MEMBER]
        form = await request.post()
        action = str(form.get("action", ""))
        now = self.clock()
        outside: OutsideWhat | None = None
        try:
            async with self.sessions.begin() as session:
                concern = await served_concern(session, request, member)
                if action == "claim":
                    await claim(
                        session,
                        concern,
                        user_id=member.id,
                        now=now,
                        lease=self.deployment.callbacks.claim_lease,
                        pseudonymiser=self.pseudonymiser,
                    )
                elif action == "release":
                    await release(session, concern, user_id=member.id, now=now)
                elif action == "close":
                    await close_concern(
                        session,
                        concern,
                        user_id=member.id,
                        outcome=parse_outcome(str(form.get("outcome", ""))),
                        now=now,
                        pseudonymiser=self.pseudonymiser,
                    )
                elif action == "call":
                    check_may_call(concern, user_id=member.id, now=now)
                    if form.get("confirmed") != "yes":
                        outside = outside_calling_time(concern, self.deployment, now)
                    if outside is None:
                        attempt = await start_attempt(session, concern, user_id=member.id, now=now)
                elif action == "merge":
                    target = await merge_into_linked(session, concern, user_id=member.id, now=now)
                elif action == "keep":
                    await keep_separate(session, concern, user_id=member.id, now=now)
                else:
                    raise ClaimConflict("Unbekannte Aktion.")
        except ClaimConflict as exc:
            return await self._detail(request, error=str(exc), status=409)
        except InvalidConcern as exc:
            return await self._detail(request, error=str(exc), status=400)
        if action == "call" and outside is not None:
            context = {"c": concern, "outside": outside, "now": now}
            return aiohttp_jinja2.render_template("callbacks/call_confirm.html", request, context)
        if action == "call":
            return await self._call(request, attempt.id, member, concern)
        if action == "merge":
            return see_other(_concern_url(request, target.reference, done="merged"))
        done = {"close": "closed", "keep": "kept", "release": "released"}.get(action)
        return see_other(_concern_url(request, concern.reference, done=done))

    async def _call(self, request: web.Request, attempt_id: int, member: StaffMember, concern: Concern) -> web.Response:
        try:
            await self.dialer().dial(attempt_id=attempt_id, counsellor_id=member.id, region_id=concern.region)
        except DialError as exc:
            # Twilio down or no phone: the concern stays claimed, the reason is shown, retry is one click.
            async with self.sessions.begin() as session:
                attempt = await session.get(CallbackAttempt, attempt_id)
                if attempt is not None:
                    await attempt_could_not_start(session, attempt, error=str(exc), now=self.clock())
            return await self._detail(
                request, error="Anruf nicht möglich", error_detail=str(exc), profile_link=exc.no_phone, status=502
            )
        return see_other(_concern_url(request, concern.reference))  # the live region tells how it goes

    @require_role("counsellor")
    async def call_state(self, request: web.Request) -> web.StreamResponse:
        """How far the concern's latest call has come, for the page to show it live: state codes
        and the attempt count only, nothing the page does not show already."""
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            concern = await served_concern(session, request, member)
            latest = await latest_attempt(session, concern)
        body = {
            "state": _live_state(latest),
            "outcome": latest.outcome if latest else None,
            "attempts": concern.attempts,
        }
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    @require_role("counsellor", "auditor_audio")
    async def recording(self, request: web.Request) -> web.StreamResponse:
        """The voicemail through our own proxy: the browser never sees Twilio URLs or credentials.
        Counsellors hear their regions' voicemails, auditors granted `auditor_audio` every region's."""
        member = request[CURRENT_MEMBER]
        async with self.sessions() as session:
            if member.has_any_role(["auditor_audio"]):
                concern = await concern_by_reference(session, request.match_info["reference"])
                if concern is None:
                    raise web.HTTPNotFound()
            else:
                concern = await served_concern(session, request, member)
        if not concern.recording_sid or concern.recording_deleted_at is not None:
            raise web.HTTPNotFound()
        try:
            audio = await self.dialer().recording(concern.recording_sid)
        except DialError as exc:
            raise web.HTTPBadGateway(text=str(exc)) from None
        log.info("voicemail played", extra={"user": member.id, "concern": concern.reference})
        return web.Response(
            body=audio.data,
            content_type=audio.content_type,
            headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
        )

    # --- helpers ---------------------------------------------------------------------------


    def _attempt(self, attempt: CallbackAttempt, names: dict[int, str]) -> dict[str, Any]:
        return {
            "started_at": attempt.started_at,
            "by": names.get(attempt.counsellor_id or 0, "–"),
            # No outcome yet: the call is still under way (or its end never reached us).
            "outcome": ATTEMPT_TITLES.get(attempt.outcome or "", "läuft"),
            "error": attempt.error or "",
        }

    def _entry(self, entry: ConcernEntry, names: dict[int, str]) -> dict[str, Any]:
        outcome = str(entry.detail.get("outcome") or "")
        return {
            "at": entry.at,
            "who": names.get(entry.actor_id or 0, ""),
            "what": HISTORY_TITLES.get(entry.kind, entry.kind),
            # An attempt that could not start says why: Twilio down, or the counsellor's own
            # phone not answering, which otherwise looks the same on the page.
            "outcome": OUTCOME_TITLES.get(outcome)
            or ATTEMPT_TITLES.get(outcome)
            or str(entry.detail.get("error") or ""),
            "channel": CHANNEL_TITLES.get(str(entry.detail.get("channel") or ""), ""),
            "other": str(entry.detail.get("other") or ""),  # the reference of a linked concern
        }

    def _row(self, concern: Concern, now: Any, linked_to: str | None = None) -> dict[str, Any]:
        topic = self.deployment.topic(concern.topic or "")
        state = due_state(concern, now, self.deployment.callbacks.due_soon)
        return {
            "reference": concern.reference,
            "channel": CHANNEL_TITLES.get(concern.channel, concern.channel),
            "topic": topic.name if topic else "–",
            "urgent": concern.urgency == "urgent",
            "due": concern.due_at,
            "state": state,
            "state_title": STATE_TITLES[state],
            "created": concern.created_at,
            "retry": concern.next_attempt_at,
            "unverified": concern.unverified,
            "linked_to": linked_to,
        }


def _live_state(attempt: CallbackAttempt | None) -> str:
    if attempt is None:
        return "idle"
    if attempt.outcome is not None:
        return "ended"
    return attempt.state or "ringing_counsellor"


def _concern_url(request: web.Request, reference: str, *, done: str | None = None) -> URL:
    """The concern's page; `done` names the notice it shows after an action."""
    url = request.app.router["concern"].url_for(reference=reference)
    return url.with_query(done=done) if done else url
