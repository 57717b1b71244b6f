"""The front desk (Empfang): record the concern of a customer standing at the desk, print a receipt.

The form is read into a `NewConcern` here (every problem collected at once, so staff correct
the form in one go, worded as on the contact form and in the API) and raised through
`raise_concern`, the one intake of all channels: it merges a second request of the same number
and region into the open one and treats a form sent twice (the same hidden `form_id`) as one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.identifiers import is_form_id, is_reference, new_form_id, source_key
from callbacks.intake import NewConcern, raise_concern
from callbacks.limits import MAX_NAME, MAX_NOTE
from callbacks.models import Concern, ConcernSource
from callbacks.receipts import ReceiptCatalogue, printed_receipt
from callbacks.refusals import RefusalCode, Refused, message
from callbacks.time_windows import all_parts_given, local_window
from config.deployment import Deployment, Region, Topic
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import StaffMember
from staff.web import CURRENT_MEMBER, require_role, see_other
from storage.clock import Clock

SOURCE_PREFIX = "desk:"
# What this page can refuse; worded in callbacks.refusals like on the contact form and in the API.
REFUSALS: tuple[RefusalCode, ...] = (
    "form_broken",
    "region_unknown",
    "name_too_long",
    "phone_missing",
    "phone_invalid",
    "phone_foreign_landline",
    "phone_special",
    "phone_ours",
    "topic_missing",
    "topic_unknown",
    "urgency_unknown",
    "window_incomplete",
    "window_bad_date",
    "window_bad_time",
    "window_reversed",
    "window_past",
    "language_unknown",
    "note_missing",
    "note_too_long",
)
MESSAGES = tuple(message(code) for code in REFUSALS)

URGENCY_CHOICES: tuple[tuple[str, str], ...] = (
    ("topic", "Wie beim Thema"),
    ("urgent", "dringend"),
    ("normal", "normal"),
)
URGENCY_TITLES: dict[str, str] = {"urgent": "dringend", "normal": "normal"}

# The fields in the order the form shows them: the error summary lists problems in this order.
FIELDS = (
    "form",
    "region",
    "name",
    "phone",
    "topic",
    "urgency",
    "window_date",
    "window_from",
    "window_to",
    "language",
    "note",
    "ad_hoc_talk",
)
# The intake names its inputs after the concern's columns; the form after what staff type.
_FIELD_OF_INPUT = {
    "callback_number": "phone",
    "customer_name": "name",
    "window_start": "window_from",
    "window_end": "window_to",
    "source_key": "form",
}


@dataclass(frozen=True)
class DeskForm:
    """What the desk form sent, as typed, so a refused form is shown again unchanged."""

    form_id: str
    region: str = ""
    name: str = ""
    phone: str = ""
    topic: str = ""
    urgency: str = "topic"
    window_date: str = ""
    window_from: str = ""
    window_to: str = ""
    language: str = ""
    note: str = ""
    ad_hoc_talk: bool = False

    @classmethod
    def read(cls, posted: Mapping[str, Any]) -> DeskForm:
        def text(name: str) -> str:
            value = posted.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        # Browsers send a textarea's line breaks as CRLF, but count them as one character
        # against `maxlength`; counting them as one here too keeps both limits the same.
        note = text("note").replace("\r\n", "\n")
        fields = {name: text(name) for name in FIELDS if name not in ("form", "note", "ad_hoc_talk")}
        return cls(form_id=text("form_id"), note=note, ad_hoc_talk=bool(text("ad_hoc_talk")), **fields)


def regions_of(member: StaffMember, deployment: Deployment) -> list[Region]:
    """The regions a desk member records concerns for: their own, or all if bound to none."""
    return [region for region in deployment.regions if member.may_serve(region.id)]


def read_concern(form: DeskForm, *, member: StaffMember, deployment: Deployment, now: dt.datetime) -> NewConcern:
    """The concern the form describes; `Refused` (under the form's field names) with every
    problem at once otherwise."""
    errors: dict[str, RefusalCode] = {}
    if not is_form_id(form.form_id):
        errors["form"] = "form_broken"
    window = _read_window(form, deployment, errors)
    try:
        new = NewConcern.check(
            {
                "channel": "walk_in",
                "source_key": source_key(SOURCE_PREFIX, form.form_id) if is_form_id(form.form_id) else "",
                "region": form.region,
                "ad_hoc_talk": form.ad_hoc_talk,
                "callback_number": form.phone,
                "customer_name": form.name,
                "topic": form.topic,
                "urgency": _URGENCY_OF_CHOICE.get(form.urgency, form.urgency),
                "language": form.language,
                "note": form.note,
                "window_start": window[0] if window else None,
                "window_end": window[1] if window else None,
            },
            deployment=deployment,
            now=now,
            regions=frozenset(region.id for region in regions_of(member, deployment)),
        )
    except Refused as refused:
        for name, code in refused.renamed(_FIELD_OF_INPUT).items():
            errors.setdefault(name, code)
    if errors:
        raise Refused(errors)
    return new


# "As for the topic" leaves the urgency to the intake, which takes the topic's.
_URGENCY_OF_CHOICE = {"topic": ""}


def _read_window(
    form: DeskForm, deployment: Deployment, errors: dict[str, RefusalCode]
) -> tuple[dt.datetime, dt.datetime] | None:
    """The preferred time window in UTC, typed as local wall-clock times of the deployment;
    whether it ends before it starts or is over, the intake checks."""
    parts = {"window_date": form.window_date, "window_from": form.window_from, "window_to": form.window_to}
    if not all_parts_given(parts, errors):
        return None
    try:
        day = dt.date.fromisoformat(form.window_date)
    except ValueError:
        errors["window_date"] = "window_bad_date"
        return None
    start, end = (
        _time_or_error(form.window_from, "window_from", errors),
        _time_or_error(form.window_to, "window_to", errors),
    )
    if start is None or end is None:
        return None
    return local_window(day, start, end, deployment.zone)


def _time_or_error(text: str, field: str, errors: dict[str, RefusalCode]) -> dt.time | None:
    try:
        # <input type="time"> sends "HH:MM" (or "HH:MM:SS" with a step); nothing finer is meant.
        return dt.time.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        errors[field] = "window_bad_time"
        return None


@dataclass(frozen=True)
class Receipt:
    """What the customer takes home: nothing beyond what they told the desk."""

    concern: Concern
    merged: bool  # this form joined a concern that was already open


async def find_receipt(session: AsyncSession, reference: str, form_id: str | None) -> Receipt | None:
    """The concern behind a desk receipt; None unless the desk raised or joined it."""
    concern = await session.scalar(select(Concern).where(Concern.reference == reference))
    if concern is None:
        return None
    # Other channels' concerns (a voicemail, say) are not the desk's to print.
    from_desk = await session.scalar(
        select(ConcernSource.source_key)
        .where(ConcernSource.concern_id == concern.id, ConcernSource.source_key.startswith(SOURCE_PREFIX))
        .limit(1)
    )
    if from_desk is None:
        return None
    merged = False
    if form_id and is_form_id(form_id):
        key = source_key(SOURCE_PREFIX, form_id)
        source = await session.get(ConcernSource, key)
        merged = source is not None and source.concern_id == concern.id and concern.source_key != key
    return Receipt(concern, merged)


@dataclass(frozen=True)
class DeskViews:
    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    clock: Clock
    pseudonymiser: Pseudonymiser
    receipts: ReceiptCatalogue = field(default_factory=ReceiptCatalogue.load)

    @require_role("desk")
    async def form(self, request: web.Request) -> web.StreamResponse:
        """The empty form, with the region and its default language chosen where there is one."""
        regions = regions_of(request[CURRENT_MEMBER], self.deployment)
        blank = DeskForm(form_id=new_form_id())
        if len(regions) == 1:
            blank = replace(blank, region=regions[0].id, language=regions[0].default_language)
        return self._render_form(request, blank)

    @require_role("desk")
    async def submit(self, request: web.Request) -> web.StreamResponse:
        """Raise the concern and show its receipt; the form again with the reasons otherwise."""
        member = request[CURRENT_MEMBER]
        form = DeskForm.read(await request.post())
        now = self.clock()
        try:
            new = read_concern(form, member=member, deployment=self.deployment, now=now)
            async with self.sessions.begin() as session:
                intake = await raise_concern(
                    session,
                    new,
                    deployment=self.deployment,
                    now=now,
                    pseudonymiser=self.pseudonymiser,
                    actor_id=member.id,
                )
        except Refused as refused:
            return self._render_form(request, form, {name: message(code) for name, code in refused.problems.items()})
        # A form sent again (a double click, a reload) finds the concern its first sending raised.
        receipt = request.app.router["desk-receipt"].url_for(reference=intake.concern.reference)
        return see_other(receipt.with_query(form=form.form_id))

    @require_role("desk")
    async def receipt(self, request: web.Request) -> web.StreamResponse:
        """The printable receipt in the customer's language: reference, topic, the promised day and
        time, the masked number, the region's hotline number and hours."""
        reference = request.match_info["reference"]
        found = None
        if is_reference(reference):
            async with self.sessions() as session:
                found = await find_receipt(session, reference, request.query.get("form"))
        # Another region's concern is as unknown to this desk as a reference nobody issued.
        if found is None or not request[CURRENT_MEMBER].may_serve(found.concern.region):
            raise web.HTTPNotFound()
        return aiohttp_jinja2.render_template("callbacks/receipt.html", request, self._receipt_context(found))

    def _receipt_context(self, found: Receipt) -> dict[str, Any]:
        concern = found.concern
        region = self.deployment.region(concern.region)
        if region is None:  # a region taken out of the deployment file: its concerns are nobody's desk's
            raise web.HTTPNotFound()
        receipt = printed_receipt(
            self.receipts,
            language=concern.language,
            reference=concern.reference,
            region=region,
            topic=self.deployment.topic(concern.topic) if concern.topic else None,
            callback_number=concern.callback_number,
            due_at=concern.due_at,
            settled=concern.ad_hoc_talk and concern.status == "closed",
            merged=found.merged,
            zone=self.deployment.zone,
        )
        return {"receipt": receipt, "reference": concern.reference}

    def _render_form(self, request: web.Request, form: DeskForm, errors: dict[str, str] | None = None) -> web.Response:
        errors = errors or {}
        if "form" in errors:  # nothing was stored under a broken id: hand out a sound one
            form = replace(form, form_id=new_form_id())
        regions = regions_of(request[CURRENT_MEMBER], self.deployment)
        context = {
            "form": form,
            "errors": errors,
            "problems": [(name, errors[name]) for name in FIELDS if name in errors],
            "regions": regions,
            "topics": [
                _topic_names(topic) | {"urgency": URGENCY_TITLES[topic.urgency]} for topic in self.deployment.topics
            ],
            "urgencies": URGENCY_CHOICES,
            "languages": _languages_of(regions, form.region),
            "max_note": MAX_NOTE,
            "max_name": MAX_NAME,
        }
        return aiohttp_jinja2.render_template("callbacks/desk.html", request, context, status=400 if errors else 200)


def _topic_names(topic: Topic | None) -> dict[str, str]:
    if topic is None:
        return {"id": "", "de": "", "en": ""}
    return {"id": topic.id, "de": topic.name, "en": topic.name_en}


def _languages_of(regions: list[Region], chosen: str) -> list[dict[str, str]]:
    """The chosen region's languages; before a region is chosen, those of all the desk's regions
    (named by the page in its language, from CLDR)."""
    picked = [r for r in regions if r.id == chosen] or regions
    codes = list(dict.fromkeys(code for region in picked for code in region.languages))
    return [{"code": code} for code in codes]
