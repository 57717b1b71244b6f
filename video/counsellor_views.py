"""The counsellor's counselling page /beratung: publish slots, see today and the week with their
bookings, withdraw a free slot, record how a session went; and sending a booking link by SMS to
the customer of a concern."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from config.deployment import Deployment, Region
from routing.numbers import takes_text_messages
from staff.accounts import StaffMember
from staff.errors import Forbidden
from staff.web import CURRENT_MEMBER, require_role, see_other
from video.errors import CounsellingRefused
from video.ports import ConcernContacts
from video.refusal_texts import REFUSAL_TEXTS
from video.service import Counselling
from video.slot_form import SlotForm, blank_form, read_slot_form
from video.values import BookingView, SlotView
from video.vocabulary import OUTCOMES

log = logging.getLogger("hotline.personal_data")
AGENDA_DAYS = 7  # today and the six days after it
PENDING_DAYS = 7  # sessions of the past week still without an outcome are listed above
HOST_ROUTE = "counselling-host"  # the counsellor's own video page of a session
_MAX_NOTE = 2000
_MAX_REFERENCE = 20

KIND_TITLES = {"phone": "Telefon", "video": "Video", "either": "Telefon oder Video"}
STATUS_TITLES = {"free": "frei", "booked": "gebucht", "held": "stattgefunden", "no_show": "nicht erschienen"}
OUTCOME_TITLES = {
    "held": "stattgefunden",
    "no_show": "nicht erschienen",
    "cancelled": "abgesagt",
    "moved": "verlegt (neuer Buchungslink per SMS)",
}
NOTICES = {
    "published": "Der Termin ist veröffentlicht.",
    "published_series": "Die Termine sind veröffentlicht.",
    "withdrawn": "Der Termin ist zurückgezogen.",
    "outcome": "Das Ergebnis ist eingetragen.",
}
NOT_OPEN = "Das Anliegen ist abgeschlossen; ein Beratungslink geht nur zu offenen Anliegen."
NO_MOBILE = "Für dieses Anliegen ist keine Handynummer hinterlegt."


@dataclass(frozen=True)
class CounsellingPage:
    counselling: Counselling
    contacts: ConcernContacts

    @property
    def deployment(self) -> Deployment:
        return self.counselling.deployment

    @require_role("counsellor")
    async def show(self, request: web.Request) -> web.StreamResponse:
        return await self._render(request, notice=NOTICES.get(request.query.get("done", "")))

    @require_role("counsellor")
    async def publish(self, request: web.Request) -> web.StreamResponse:
        """Publish a slot, weekly if asked; a refusal shows the form again with what was typed."""
        member = request[CURRENT_MEMBER]
        form = read_slot_form(
            await request.post(),
            regions=[r.id for r in self._regions(member)],
            kinds=self._kinds(),
            zone=self.deployment.zone,
        )
        if form.request is None:
            # A region of the deployment the member does not serve is refused, not mistyped.
            foreign = "region" in form.errors and self.deployment.region(form.values["region"]) is not None
            return await self._render(request, form=form, status=403 if foreign else 400)
        new = form.request
        try:
            slots = await self.counselling.publish(
                counsellor_id=member.id,
                region_id=new.region_id,
                start=new.start,
                minutes=new.minutes,
                kind=new.kind,
                reason=new.reason,
                weeks=new.weeks,
            )
        except CounsellingRefused as exc:
            return await self._render(request, form=form, refusal=REFUSAL_TEXTS[exc.code], status=409)
        return self._done(request, "published_series" if len(slots) > 1 else "published")

    @require_role("counsellor")
    async def withdraw(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        try:
            await self.counselling.withdraw(counsellor_id=member.id, slot_id=_path_id(request, "slot"))
        except CounsellingRefused as exc:
            return await self._render(request, refusal=REFUSAL_TEXTS[exc.code], status=409)
        return self._done(request, "withdrawn")

    @require_role("counsellor")
    async def record_outcome(self, request: web.Request) -> web.StreamResponse:
        member = request[CURRENT_MEMBER]
        form = await request.post()
        outcome = str(form.get("outcome", ""))
        if outcome not in OUTCOMES:
            return await self._render(request, refusal="Bitte ein Ergebnis wählen.", status=400)
        note = str(form.get("note", "") or "")[:_MAX_NOTE]
        try:
            await self.counselling.record_outcome(
                counsellor_id=member.id, booking_id=_path_id(request, "booking"), outcome=outcome, note=note
            )
        except CounsellingRefused as exc:
            return await self._render(request, refusal=REFUSAL_TEXTS[exc.code], status=409)
        return self._done(request, "outcome")

    @require_role("counsellor")
    async def invite(self, request: web.Request) -> web.StreamResponse:
        """Send the customer of a concern a booking link by SMS; back to the concern with a notice."""
        member = request[CURRENT_MEMBER]
        form = await request.post()
        reference = str(form.get("reference", "") or "").strip()[:_MAX_REFERENCE]
        contact = await self.contacts.contact_of(reference) if reference else None
        if contact is None:
            raise web.HTTPNotFound()
        if not member.may_serve(contact.region):
            raise Forbidden("this concern belongs to another region")
        problem: str | None = None
        if not contact.open:
            problem = NOT_OPEN
        elif contact.number is None or not takes_text_messages(contact.number):
            problem = NO_MOBILE
        else:
            try:
                await self.counselling.invite(
                    region_id=contact.region,
                    number=contact.number,
                    language=contact.language,
                    source="concern",
                    concern_id=contact.concern_id,
                    sent_by=member.id,
                )
            except CounsellingRefused as exc:
                problem = REFUSAL_TEXTS[exc.code]
        concern_url = request.app.router["concern"].url_for(reference=reference)
        if problem is not None:
            context = {"problem": problem, "concern_url": str(concern_url), "reference": reference}
            return aiohttp_jinja2.render_template("video/invite_refused.html", request, context, status=409)
        log.info("counselling link sent", extra={"user": member.id, "concern": reference})
        return see_other(concern_url.with_query(done="counselling_link"))

    # --- helpers ---------------------------------------------------------------------------

    def _done(self, request: web.Request, done: str) -> web.Response:
        return see_other(request.app.router["counselling"].url_for().with_query(done=done))

    def _regions(self, member: StaffMember) -> list[Region]:
        return [r for r in self.deployment.regions if member.may_serve(r.id)]

    def _kinds(self) -> list[str]:
        return ["phone", "video", "either"] if self.deployment.video.configured else ["phone"]

    async def _render(
        self,
        request: web.Request,
        *,
        form: SlotForm | None = None,
        notice: str | None = None,
        refusal: str | None = None,
        status: int = 200,
    ) -> web.Response:
        member = request[CURRENT_MEMBER]
        regions = self._regions(member)
        now = self.counselling.clock()
        zone = self.deployment.zone
        today = dt.datetime.combine(now.astimezone(zone).date(), dt.time(0), tzinfo=zone)
        rows = await self.counselling.agenda(
            counsellor_id=member.id,
            since=today - dt.timedelta(days=PENDING_DAYS),
            until=today + dt.timedelta(days=AGENDA_DAYS),
        )
        days: dict[dt.date, list[dict[str, Any]]] = {}
        pending: list[dict[str, Any]] = []
        for slot, booking in rows:
            entry = self._entry(slot, booking, now)
            if slot.ends_at > today:
                days.setdefault(slot.starts_at.astimezone(zone).date(), []).append(entry)
            elif booking is not None and booking.active:
                pending.append(entry)  # an earlier day's session whose outcome is still missing
        shown = sum(1 for _, booking in rows if booking is not None)
        if shown:
            log.info("counselling agenda viewed", extra={"user": member.id, "bookings": shown})
        kinds = self._kinds()
        context: dict[str, Any] = {
            "regions": regions,
            "kinds": [(kind, KIND_TITLES[kind]) for kind in kinds],
            "form": form.values if form else blank_form(regions[0].id if len(regions) == 1 else ""),
            "errors": form.errors if form else {},
            "refusal": refusal,
            "notice": notice,
            "days": sorted(days.items()),
            "pending": pending,
            "outcomes": OUTCOME_TITLES,
            "host_link": HOST_ROUTE in request.app.router.named_resources(),
        }
        response = aiohttp_jinja2.render_template("video/counselling.html", request, context, status=status)
        response.headers["Cache-Control"] = "no-store"  # names and numbers of customers
        return response

    def _entry(self, slot: SlotView, booking: BookingView | None, now: dt.datetime) -> dict[str, Any]:
        region = self.deployment.region(slot.region)
        return {
            "slot": slot,
            "booking": booking,
            "region_name": region.name if region else slot.region,
            "mode": KIND_TITLES[booking.mode if booking else slot.kind],
            "status": STATUS_TITLES[booking.status if booking else "free"],
            "withdrawable": booking is None and slot.starts_at > now,
            "begun": slot.starts_at <= now,
        }


def _path_id(request: web.Request, part: str) -> int:
    text = request.match_info[part]
    if not text.isdigit() or len(text) > 12:
        raise web.HTTPNotFound()
    return int(text)
