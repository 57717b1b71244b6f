"""The customer's booking pages, without login: choose a slot with a booking link
(/termin/{token}), then see, cancel or move the booking with its own link (/buchung/{token}).

Thin handlers: each parses the form, calls one use case of `video.service.Counselling`, and
answers with a page or a redirect (POST, then 303 to a page: a reload sends nothing twice).
CSRF tokens are checked by the staff gate for every POST, logged in or not.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

from routing.numbers import takes_text_messages
from staff.web import page_language, see_other
from video.customer_texts import CHOICE_MISSING, refusal_field, refusal_text
from video.errors import CounsellingRefused
from video.links import LinkRefused
from video.public_pages import PublicPages, render
from video.service import Counselling
from video.values import BookingView, SlotView

MAX_NUMBER = 40
MAX_FIRST_NAME_INPUT = 100
_CHOICE = re.compile(r"([1-9][0-9]{0,17})-(phone|video)")
_SLOT = re.compile(r"[1-9][0-9]{0,17}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Why the own-booking page is shown after a form (the redirect's `?notice=`).
NOTICES = {
    "booked": "Ihr Termin ist gebucht.",
    "moved": "Ihr Termin ist verschoben.",
    "cancelled": "Ihr Termin ist abgesagt. Der Termin ist jetzt für andere frei.",
}


@dataclass(frozen=True, slots=True)
class BookingForm:
    """The booking form as sent (shown again after a refusal): a slot with its mode, and
    optionally another number and a first name."""

    choice: str = ""  # "<slot id>-<phone|video>"
    number: str = ""
    first_name: str = ""

    @classmethod
    def parse(cls, form: Mapping[str, object]) -> BookingForm:
        return cls(
            choice=_text(form, "choice", 30),
            number=_text(form, "number", MAX_NUMBER + 1),
            first_name=_text(form, "first_name", MAX_FIRST_NAME_INPUT),
        )

    def slot_and_mode(self) -> tuple[int, str] | None:
        match = _CHOICE.fullmatch(self.choice)
        return (int(match[1]), match[2]) if match else None


def _text(form: Mapping[str, object], name: str, cap: int) -> str:
    value = form.get(name)
    return _CONTROL.sub("", value).strip()[:cap] if isinstance(value, str) else ""


def slots_by_day(slots: Iterable[SlotView], zone: dt.tzinfo) -> list[tuple[dt.date, list[SlotView]]]:
    """The slots in order, under the local day each starts on."""
    ordered = sorted(slots, key=lambda slot: (slot.starts_at, slot.id))
    return [
        (day, list(group))
        for day, group in itertools.groupby(ordered, key=lambda slot: slot.starts_at.astimezone(zone).date())
    ]


@dataclass(frozen=True)
class BookingViews:
    """/termin/{token} and /buchung/{token}; routes: `video.web.counselling_routes`."""

    counselling: Counselling
    pages: PublicPages

    # --- the booking link ---------------------------------------------------------------

    async def choose(self, request: web.Request) -> web.StreamResponse:
        """The region's free slots of the next 14 days, by day, to choose one."""
        held = self.pages.held_back(request)
        return held if held is not None else await self._choice_page(request, BookingForm())

    async def book(self, request: web.Request) -> web.StreamResponse:
        held = await self.pages.sending_held_back(request)
        if held is not None:
            return held
        form = BookingForm.parse(await request.post())
        chosen = form.slot_and_mode()
        if chosen is None:
            return await self._choice_page(request, form, {"slot": CHOICE_MISSING}, status=400)
        slot_id, mode = chosen
        try:
            view = await self.counselling.book(
                token=request.match_info["token"],
                slot_id=slot_id,
                mode=mode,
                number=form.number or None,
                first_name=form.first_name or None,
                language=page_language(request),
            )
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        except CounsellingRefused as exc:
            if exc.code == "link_spent":
                return self.pages.link_problem(request, "spent")
            errors = {refusal_field(exc.code): refusal_text(exc.code)}
            return await self._choice_page(request, form, errors, status=409)
        return see_other(_manage_url(request, view, "booked"))

    async def _choice_page(
        self, request: web.Request, form: BookingForm, errors: dict[str, str] | None = None, status: int = 200
    ) -> web.StreamResponse:
        try:
            choice = await self.counselling.booking_choice(request.match_info["token"])
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        except CounsellingRefused as exc:
            if exc.code != "link_spent":
                raise
            return self.pages.link_problem(request, "spent")
        region = self.pages.deployment.region(choice.region)
        context: dict[str, Any] = {
            "region": region,
            "phone": choice.phone,
            "days": slots_by_day(choice.slots, self.pages.deployment.zone),
            "form": form,
            "errors": errors or {},
            "early_join_minutes": _minutes(self.pages.deployment.video.early_join),
            "action": str(request.app.router["counselling-book"].url_for(token=request.match_info["token"])),
        }
        return render(request, "video/book.html", context, status=status)

    # --- the booking's own link ---------------------------------------------------------

    async def booking(self, request: web.Request) -> web.StreamResponse:
        """The booking: when, how, and cancel or move it; the confirmation after booking."""
        notice = NOTICES.get(request.query.get("notice", ""))
        held = self.pages.held_back(request)
        return held if held is not None else await self._manage_page(request, notice=notice)

    async def cancel(self, request: web.Request) -> web.StreamResponse:
        held = await self.pages.sending_held_back(request)
        if held is not None:
            return held
        try:
            view = await self.counselling.cancel(request.match_info["token"])
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        except CounsellingRefused as exc:
            return await self._manage_page(request, error=refusal_text(exc.code), status=409)
        return see_other(_manage_url(request, view, "cancelled"))

    async def move(self, request: web.Request) -> web.StreamResponse:
        held = await self.pages.sending_held_back(request)
        if held is not None:
            return held
        chosen = _text(await request.post(), "slot", 20)
        if not _SLOT.fullmatch(chosen):
            return await self._manage_page(request, error=CHOICE_MISSING, status=400)
        try:
            view = await self.counselling.move(request.match_info["token"], int(chosen))
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        except CounsellingRefused as exc:
            return await self._manage_page(request, error=refusal_text(exc.code), status=409)
        return see_other(_manage_url(request, view, "moved"))

    async def _manage_page(
        self, request: web.Request, *, notice: str | None = None, error: str | None = None, status: int = 200
    ) -> web.StreamResponse:
        token = request.match_info["token"]
        try:
            managed = await self.counselling.managed_booking(token)
        except LinkRefused as exc:
            return self.pages.link_problem(request, exc.reason)
        booking = managed.booking
        router = request.app.router
        context: dict[str, Any] = {
            "booking": booking,
            "region": self.pages.deployment.region(booking.region),
            "begun": booking.starts_at <= self.pages.clock(),
            "texted": booking.phone is not None and takes_text_messages(booking.phone),
            "join": str(router["counselling-join"].url_for(token=URL(booking.join_url).name))
            if booking.join_url
            else None,
            "days": slots_by_day(managed.slots, self.pages.deployment.zone),
            "notice": notice,
            "error": error,
            "early_join_minutes": _minutes(self.pages.deployment.video.early_join),
            "cancel_action": str(router["counselling-booking-cancel"].url_for(token=token)),
            "move_action": str(router["counselling-booking-move"].url_for(token=token)),
        }
        return render(request, "video/booking.html", context, status=status)


def _manage_url(request: web.Request, view: BookingView, notice: str) -> URL:
    """The booking's own page (its token is the last part of the link the service built)."""
    assert view.manage_url is not None
    token = URL(view.manage_url).name
    return request.app.router["counselling-booking"].url_for(token=token).with_query(notice=notice)


def _minutes(span: dt.timedelta) -> int:
    return int(span.total_seconds() // 60)
