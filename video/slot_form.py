"""The counsellor's form for publishing slots: what was typed, read into a slot request or into
German messages naming each field that is wrong (the form shows them and keeps the input)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from video.vocabulary import MAX_WEEKS, SLOT_KINDS

T = TypeVar("T")
DEFAULT_MINUTES = 30
_MAX_FIELD = 200  # the longest reason the table keeps

MESSAGES = {
    "region": "Bitte eine Region wählen, für die Sie beraten.",
    "date": "Bitte ein Datum angeben (TT.MM.JJJJ).",
    "time": "Bitte eine Uhrzeit angeben (SS:MM).",
    "minutes": "Bitte die Dauer in Minuten angeben.",
    "kind": "Bitte Telefon, Video oder beides wählen.",
    "weeks": f"Bitte eine Zahl von Wochen zwischen 2 und {MAX_WEEKS} angeben.",
}


@dataclass(frozen=True, slots=True)
class SlotRequest:
    region_id: str
    start: dt.datetime  # aware, in the deployment's zone
    minutes: int
    kind: str
    reason: str | None
    weeks: int


@dataclass(frozen=True, slots=True)
class SlotForm:
    """The form's values as typed (for showing it again) and what is wrong with them."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    request: SlotRequest | None = None


def blank_form(region_id: str) -> dict[str, str]:
    return {
        "region": region_id,
        "date": "",
        "time": "",
        "minutes": str(DEFAULT_MINUTES),
        "kind": "either",
        "repeat": "",
        "weeks": "4",
        "reason": "",
    }


def read_slot_form(
    form: Mapping[str, object], *, regions: Collection[str], kinds: Collection[str], zone: dt.tzinfo
) -> SlotForm:
    """Read the posted form; `regions` the member may serve, `kinds` the slot kinds offered."""
    values = {name: str(form.get(name, "") or "").strip()[:_MAX_FIELD] for name in blank_form("")}
    errors: dict[str, str] = {}
    if values["region"] not in regions:
        errors["region"] = MESSAGES["region"]
    day = _parse(dt.date.fromisoformat, values["date"])
    if day is None:
        errors["date"] = MESSAGES["date"]
    at = _parse(dt.time.fromisoformat, values["time"])
    if at is None:
        errors["time"] = MESSAGES["time"]
    minutes = _number(values["minutes"])
    if minutes is None:
        errors["minutes"] = MESSAGES["minutes"]
    if values["kind"] not in kinds or values["kind"] not in SLOT_KINDS:
        errors["kind"] = MESSAGES["kind"]
    weeks = 1
    if values["repeat"]:
        weeks = _number(values["weeks"]) or 0
        if not 2 <= weeks <= MAX_WEEKS:
            errors["weeks"] = MESSAGES["weeks"]
    if errors or day is None or at is None or minutes is None:
        return SlotForm(values, errors)
    start = dt.datetime.combine(day, at.replace(second=0, microsecond=0, tzinfo=None), tzinfo=zone)
    request = SlotRequest(values["region"], start, minutes, values["kind"], values["reason"] or None, weeks)
    return SlotForm(values, errors, request)


def _parse(parse: Callable[[str], T], text: str) -> T | None:
    try:
        return parse(text)
    except ValueError:
        return None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 4 else None
