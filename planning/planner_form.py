"""The planner page's query string, read into a `PlannerQuery`; anything unusable is a German
sentence for the page, and what was typed stays in the form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from planning.service import PlannerInputError, PlannerQuery, RecommendForm

MAX_HOURS_TEXT = 4000
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
DEFAULTS = {"min_block": "2", "earliest": "07:00", "latest": "19:00"}


@dataclass(frozen=True, slots=True)
class PlannerForm:
    query: PlannerQuery
    values: Mapping[str, str]  # as typed, to fill the forms again
    problems: Mapping[str, str] = field(default_factory=dict)


def read_planner_form(raw: Mapping[str, str]) -> PlannerForm:
    values = {
        name: str(raw.get(name, "") or "").strip()
        for name in ("region", "from", "to", "budget", "min_block", "earliest", "latest")
    }
    values["hours"] = str(raw.get("hours", "") or "")[:MAX_HOURS_TEXT]
    problems: dict[str, str] = {}
    recommend = None
    if "recommend" in raw:
        try:
            recommend = _recommend_form(values)
        except PlannerInputError as exc:
            problems["recommend"] = str(exc)
    query = PlannerQuery(
        region=values["region"] or None,
        first=values["from"] or None,
        last=values["to"] or None,
        proposed_hours=values["hours"] if "what_if" in raw else None,
        recommend=recommend,
    )
    return PlannerForm(query, values, problems)


def _recommend_form(values: Mapping[str, str]) -> RecommendForm:
    budget = _hours(values["budget"], "Wochenstunden")
    if not 0 < budget <= 7 * 24:
        raise PlannerInputError("Wochenstunden: bitte eine Zahl über 0 und bis 168 angeben.")
    block = _hours(values["min_block"] or DEFAULTS["min_block"], "Kürzester Block")
    earliest = _clock(values["earliest"] or DEFAULTS["earliest"], "Frühester Beginn")
    latest = _clock(values["latest"] or DEFAULTS["latest"], "Spätestes Ende")
    if latest <= earliest:
        raise PlannerInputError("Das späteste Ende muss nach dem frühesten Beginn liegen.")
    if not 0 < block * 60 <= latest - earliest:
        raise PlannerInputError(
            "Kürzester Block: mehr als 0 Stunden und nicht länger als die Zeit von Beginn bis Ende."
        )
    return RecommendForm(
        budget_hours=budget, min_block_minutes=round(block * 60), earliest_minute=earliest, latest_minute=latest
    )


def _hours(text: str, field_name: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise PlannerInputError(f"{field_name}: bitte eine Zahl von Stunden angeben, etwa 27 oder 1,5.") from None


def _clock(text: str, field_name: str) -> int:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise PlannerInputError(f"{field_name}: bitte eine Uhrzeit wie 07:30 angeben.")
    return int(match.group(1)) * 60 + int(match.group(2))
