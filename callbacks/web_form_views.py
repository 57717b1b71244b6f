"""The public web form: a customer asks for a callback without logging in.

Abuse is kept out in layers: a CSRF token (the staff gate checks it for anonymous visitors
too), a honeypot field that is answered like a success, a rate limit per client address kept
in the database, the app's cap on the request size, and strict validation of every field. A
random form id rendered into each form makes a form sent twice raise one concern.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from callbacks.identifiers import FORM_ID_LENGTH, is_form_id, is_reference, new_form_id, new_reference, source_key
from callbacks.intake import Intake, NewConcern, raise_concern
from callbacks.limits import MAX_NOTE, MAX_PHONE
from callbacks.models import ConcernSource
from callbacks.rate_limits import RateLimit, RateLimited, address_key, admit_submission, record_submission
from callbacks.refusals import RefusalCode, Refused, message
from callbacks.time_windows import (
    DayOffer,
    all_parts_given,
    clock_text,
    local_window,
    minutes_of,
    offered_days,
)
from config.deployment import Deployment, Region
from contacts.pseudonyms import Pseudonymiser
from routing import due_at
from staff.web import see_other
from storage.clock import Clock

log = logging.getLogger("hotline.web_form")

MAX_MESSAGE = MAX_NOTE
SOURCE_PREFIX = "web:"
# The form (also as shown again with errors) may stay in this browser's own cache, only for its
# history: Back after the thank-you page then shows the very form sent, with its form id, so
# sending it again finds the concern it raised instead of raising a second one. "no-store" made
# Chromium refetch it (a new form id) or, for a form shown again after a POST, fail with
# ERR_CACHE_MISS. "no-cache" still makes every ordinary visit ask the server for a fresh form.
FORM_CACHE = "private, no-cache"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # keeps tab and newline; PostgreSQL refuses NUL

# The fields in the order the page shows them: the error summary lists problems in this order.
FIELDS = ("form", "topic", "phone", "message", "window_day", "window_from", "window_to", "consent")
# The intake names its inputs after the concern's columns; the page after what customers type.
_FIELD_OF_INPUT = {
    "callback_number": "phone",
    "note": "message",
    "window_start": "window_from",
    "window_end": "window_to",
    "source_key": "form",
    "region": "form",
    "language": "form",
    "urgency": "form",
}
# What this page can refuse; worded in callbacks.refusals like on the desk and in the API.
REFUSALS: tuple[RefusalCode, ...] = (
    "form_broken",
    "topic_missing",
    "topic_unknown",
    "phone_missing",
    "phone_invalid",
    "phone_foreign",
    "phone_special",
    "phone_ours",
    "note_missing",
    "note_too_long",
    "window_incomplete",
    "window_day_unknown",
    "window_time_unknown",
    "window_outside_hours",
    "window_reversed",
    "window_past",
    "consent_missing",
)
MESSAGES = tuple(message(code) for code in REFUSALS)


@dataclass(frozen=True)
class ContactForm:
    """The form as sent, cleaned of control characters and capped: shown again on errors."""

    topic: str = ""
    phone: str = ""
    message: str = ""
    window_day: str = ""
    window_from: str = ""
    window_to: str = ""
    consent: bool = False
    form_id: str = ""
    language: str = ""
    honeypot: str = ""

    @classmethod
    def parse(cls, form: Mapping[str, object]) -> ContactForm:
        """Read the fields this form has; anything else sent is ignored."""
        return cls(
            topic=_text(form, "topic", 40),
            phone=_text(form, "phone", MAX_PHONE + 1),  # one more, so an overlong entry is refused, not cut
            message=_text(form, "message", 4 * MAX_MESSAGE),  # kept whole enough to be shortened
            window_day=_text(form, "window_day", 10),
            window_from=_text(form, "window_from", 5),
            window_to=_text(form, "window_to", 5),
            consent=form.get("consent") == "yes",
            form_id=_text(form, "form_id", FORM_ID_LENGTH[1] + 1),
            language=_text(form, "language", 8),
            honeypot=_text(form, "website", 200),
        )


def _text(form: Mapping[str, object], name: str, cap: int) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")  # browsers send CRLF; count a line break once
    return _CONTROL.sub("", value).strip()[:cap]


class FormErrors(Exception):
    """The form cannot be accepted; `errors` maps each field (or "form") to a German message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def read_contact(form: ContactForm, region: Region, deployment: Deployment, now: dt.datetime) -> NewConcern:
    """The concern the form describes, checked by the intake's rules and against what the page
    offered (days, times, consent); `FormErrors` with every problem at once, in page order."""
    errors: dict[str, RefusalCode] = {}
    if not is_form_id(form.form_id):
        errors["form"] = "form_broken"
    window = _window(form, region, deployment, now, errors)
    if not form.consent:
        errors["consent"] = "consent_missing"
    try:
        new = NewConcern.check(
            {
                "channel": "web_form",
                "source_key": source_key(SOURCE_PREFIX, form.form_id) if is_form_id(form.form_id) else "",
                "region": region.id,
                "callback_number": form.phone,
                "topic": form.topic,
                "note": form.message,
                # The page's language is a hint, not a choice: a region without it answers in its own.
                "language": form.language if form.language in region.languages else "",
                "window_start": window[0] if window else None,
                "window_end": window[1] if window else None,
            },
            deployment=deployment,
            now=now,
        )
    except Refused as refused:
        for name, code in refused.renamed(_FIELD_OF_INPUT).items():
            errors.setdefault(name, code)
    if errors:
        raise FormErrors({name: message(errors[name]) for name in FIELDS if name in errors})
    return new


def _window(
    form: ContactForm, region: Region, deployment: Deployment, now: dt.datetime, errors: dict[str, RefusalCode]
) -> tuple[dt.datetime, dt.datetime] | None:
    """The preferred window in UTC, or None if none was given; it is optional, but all or nothing.
    It must lie inside the hotline hours of an offered day; whether it ends before it starts or
    is over, the intake checks."""
    given = {"window_day": form.window_day, "window_from": form.window_from, "window_to": form.window_to}
    if not all_parts_given(given, errors):
        return None
    offers = offered_days(region, deployment, now)
    offer = _chosen_day(form.window_day, offers, deployment, now, errors)
    start = _chosen_time(form.window_from, {t for o in offers for t in o.starts()}, "window_from", errors)
    end = _chosen_time(form.window_to, {t for o in offers for t in o.ends()}, "window_to", errors)
    if offer is None or start is None or end is None:
        return None
    if start < end and not offer.holds(start, end):
        errors["window_from"] = "window_outside_hours"
        return None
    return local_window(offer.day, _time_of(start), _time_of(end), deployment.zone)


def _chosen_day(
    text: str, offers: list[DayOffer], deployment: Deployment, now: dt.datetime, errors: dict[str, RefusalCode]
) -> DayOffer | None:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    offer = next((o for o in offers if o.day == day), None)
    if offer is not None:
        return offer
    today = now.astimezone(deployment.zone).date()
    errors["window_day"] = "window_past" if day is not None and day < today else "window_day_unknown"
    return None


def _chosen_time(text: str, offered: set[int], name: str, errors: dict[str, RefusalCode]) -> int | None:
    minutes = minutes_of(text)
    if minutes is None or minutes not in offered:
        errors[name] = "window_time_unknown"
        return None
    return minutes


def _time_of(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def day_choices(offers: list[DayOffer]) -> list[dict[str, Any]]:
    """The days as the form offers them: the date, its hotline hours (for `|hours_of_day`) and,
    for the page's script, the ranges a window may still take in minutes ("480-720 780-900")."""
    return [
        {
            "value": offer.day.isoformat(),
            "date": offer.day,
            "hours": [(_time_of(a), _time_of(b)) for a, b in offer.hours],
            "ranges": " ".join(f"{a}-{b}" for a, b in offer.ranges),
        }
        for offer in offers
    ]


def time_choices(offers: list[DayOffer]) -> tuple[list[str], list[str]]:
    """Every start and every end the offered days allow, in order; the page's script narrows
    them to the chosen day, the server checks the window against that day's hours."""
    starts = sorted({t for offer in offers for t in offer.starts()})
    ends = sorted({t for offer in offers for t in offer.ends()})
    return [clock_text(t) for t in starts], [clock_text(t) for t in ends]


@dataclass(frozen=True)
class WebFormViews:
    """The contact pages under /kontakt; no login. Routes: `web_form_routes`."""

    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser
    secret: str  # the service's secret key: address pseudonyms and signed thanks links
    limit: RateLimit = field(default_factory=RateLimit)

    async def index(self, request: web.Request) -> web.StreamResponse:
        """Every region, each linking to its form."""
        links = [{"name": r.name, "href": str(_form_url(request, r))} for r in self.deployment.regions]
        return _render(request, "callbacks/contact.html", {"region": None, "links": links})

    async def form(self, request: web.Request) -> web.StreamResponse:
        return self._form_page(request, self._region(request), ContactForm(form_id=new_form_id()))

    async def submit(self, request: web.Request) -> web.StreamResponse:
        region = self._region(request)
        form = ContactForm.parse(await request.post())
        now = self.clock()
        # Behind a reverse proxy `request.remote` must be the client's address as the proxy
        # forwards it (a trusted X-Forwarded-For, e.g. aiohttp-remotes), else every customer
        # shares the proxy's allowance.
        key = address_key(request.remote, self.secret)
        try:
            if form.honeypot:
                return await self._pretend_accepted(request, region, form, key, now)
            new = read_contact(form, region, self.deployment, now)
            intake = await self._raise(new, key, now)
        except FormErrors as exc:
            return self._form_page(request, region, form, errors=exc.errors, status=400)
        except RateLimited as exc:
            log.info("web form rate limit reached", extra={"region": region.id, "retry_at": exc.retry_at.isoformat()})
            return self._form_page(request, region, form, status=429, retry_at=exc.retry_at)
        # Always the concern this form raised (never one it was linked to): its own reference and due time.
        concern = intake.concern
        return see_other(self._thanks_url(request, region, concern.reference, concern.due_at))

    async def to_form(self, request: web.Request) -> web.StreamResponse:
        """The address a form is sent to, opened (a reload, a language switch): the form itself."""
        return see_other(_form_url(request, self._region(request)))

    async def thanks(self, request: web.Request) -> web.StreamResponse:
        """Reference, region and due time, all from the signed link: the page reads nothing
        stored, so it can reveal nothing about anyone, and a guessed link is a 404."""
        region = self._region(request)
        reference = request.match_info["reference"]
        due = request.query.get("due", "")
        signature = request.query.get("sig", "")
        valid = is_reference(reference) and due.isascii() and due.isdigit() and len(due) <= 12
        if not (valid and hmac.compare_digest(signature.encode(), self._signature(region, reference, due).encode())):
            raise web.HTTPNotFound()
        context = {
            "region": region,
            "reference": reference,
            "due": dt.datetime.fromtimestamp(int(due), dt.UTC).astimezone(self.deployment.zone),
            "again": str(_form_url(request, region)),
        }
        return _render(request, "callbacks/contact_thanks.html", context)

    async def _raise(self, new: NewConcern, key: str, now: dt.datetime) -> Intake:
        async with self.sessions.begin() as session:
            # A form sent again (a double click, a reload) finds its concern, even at the limit.
            repeated = await session.get(ConcernSource, new.source_key) is not None
            if not repeated:
                await admit_submission(session, key, now, self.limit)
            intake = await raise_concern(
                session, new, deployment=self.deployment, now=now, pseudonymiser=self.pseudonymiser
            )
            if intake.created or intake.merged:
                await record_submission(session, key, now)
        return intake

    async def _pretend_accepted(
        self, request: web.Request, region: Region, form: ContactForm, key: str, now: dt.datetime
    ) -> web.StreamResponse:
        """A bot filled the hidden field: it gets what a customer gets (counted against its
        limit, a reference, a due time), so it learns nothing; nothing is stored."""
        log.warning("web form honeypot filled; answered as if accepted, nothing stored", extra={"region": region.id})
        async with self.sessions.begin() as session:
            await admit_submission(session, key, now, self.limit)
            await record_submission(session, key, now)
        topic = self.deployment.topic(form.topic)
        due = due_at(now, topic.urgency if topic else "normal", region, self.deployment)
        return see_other(self._thanks_url(request, region, new_reference(), due))

    def _region(self, request: web.Request) -> Region:
        region = self.deployment.region(request.match_info["region"])
        if region is None:
            raise web.HTTPNotFound()
        return region

    def _form_page(
        self,
        request: web.Request,
        region: Region,
        form: ContactForm,
        *,
        errors: dict[str, str] | None = None,
        status: int = 200,
        retry_at: dt.datetime | None = None,
    ) -> web.Response:
        zone = self.deployment.zone
        if errors and "form" in errors:  # nothing was stored under a broken id: hand out a sound one
            form = replace(form, form_id=new_form_id())
        offers = offered_days(region, self.deployment, self.clock())
        from_times, to_times = time_choices(offers)
        context = {
            "region": region,
            "form": form,
            "errors": errors or {},
            "topics": self.deployment.topics,
            "days": day_choices(offers),
            "from_times": from_times,
            "to_times": to_times,
            "action": str(_send_url(request, region)),
            "retention_days": self.deployment.retention.concern_days,
            "max_message": MAX_MESSAGE,
            "retry_at": retry_at.astimezone(zone) if retry_at else None,
        }
        response = _render(request, "callbacks/contact.html", context, status=status, cache=FORM_CACHE)
        if retry_at is not None:
            wait = math.ceil((retry_at - self.clock()).total_seconds())
            response.headers["Retry-After"] = str(max(wait, 1))
        return response

    def _thanks_url(self, request: web.Request, region: Region, reference: str, due: dt.datetime) -> URL:
        due_text = str(int(due.timestamp()))
        url = request.app.router["contact-thanks"].url_for(region=region.id, reference=reference)
        return _with_lang(request, url.with_query(due=due_text, sig=self._signature(region, reference, due_text)))

    def _signature(self, region: Region, reference: str, due: str) -> str:
        key = hmac.new(self.secret.encode(), b"hotline web form thanks v1", hashlib.sha256).digest()
        message = f"{region.id}|{reference}|{due}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]  # 128 bits: no guessing


def _form_url(request: web.Request, region: Region) -> URL:
    return _with_lang(request, request.app.router["contact-form"].url_for(region=region.id))


def _send_url(request: web.Request, region: Region) -> URL:
    return _with_lang(request, request.app.router["contact-send"].url_for(region=region.id))


def _with_lang(request: web.Request, target: URL) -> URL:
    """Keep a language chosen by `?lang=` (rather than by cookie) on the next page too."""
    chosen = request.query.get("lang", "")
    if not (chosen.isascii() and chosen.isalpha() and len(chosen) <= 3):
        return target
    return target.update_query(lang=chosen)


def _render(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200, cache: str = "no-store"
) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = cache
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def web_form_routes(views: WebFormViews) -> list[web.RouteDef]:
    """The public contact pages; no login, CSRF checked by the staff gate."""
    return [
        web.get("/kontakt", views.index, name="contact-regions"),
        web.get("/kontakt/{region}", views.form, name="contact-form"),
        # Sent to its own address: a form sent (303 to the thanks) would otherwise make the
        # browser drop its copy of the form page, which Back must show again (see FORM_CACHE).
        web.post("/kontakt/{region}/senden", views.submit, name="contact-send"),
        web.get("/kontakt/{region}/senden", views.to_form, name="contact-send-opened"),
        web.get("/kontakt/{region}/danke/{reference}", views.thanks, name="contact-thanks"),
    ]
