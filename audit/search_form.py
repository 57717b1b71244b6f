"""The call-log search form: query parameters read into a `CallLogQuery`, or problems per field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from audit.call_log import ORDERS, OUTCOME_KINDS, CallLogQuery, Cursor
from contacts.vocabulary import CONTACT_CHANNELS, CONTACT_KINDS

DEFAULT_DAYS = 7
MAX_DAYS = 2 * 366
FIELDS = ("from", "to", "region", "channel", "kind", "outcome", "counsellor", "order")
# The form's refusals (German; the page translates), each naming the field and the reason.
MESSAGES: dict[str, str] = {
    "from": "Von: bitte ein Datum wie 2026-03-31 angeben.",
    "to": "Bis: bitte ein Datum wie 2026-03-31 angeben.",
    "backwards": "Bis: der Zeitraum endet vor seinem Beginn.",
    "too_long": "Von: der Zeitraum ist länger als zwei Jahre (732 Tage).",
    "region": "Region: unbekannte Region.",
    "channel": "Kanal: unbekannter Kanal.",
    "kind": "Ereignis: unbekannte Art von Ereignis.",
    "outcome": "Ergebnis: unbekanntes Ergebnis.",
    "order": "Sortierung: bitte „Neueste zuerst“ oder „Älteste zuerst“ wählen.",
    "counsellor": "Beraterin oder Berater: bitte aus der Liste wählen.",
    "after": "Seite: unbekannte Seitenmarke; bitte die Suche neu beginnen.",
}


@dataclass(frozen=True)
class SearchForm:
    values: dict[str, str]  # as typed, to fill the form again
    query: CallLogQuery | None  # None when a field is refused
    after: Cursor | None
    problems: dict[str, str] = field(default_factory=dict)  # field → German message

    @property
    def filters(self) -> dict[str, str]:
        """The filters given, for links (next page, export) and for the audit record."""
        return {key: value for key, value in self.values.items() if value}


def read_search_form(
    params: Mapping[str, str], *, regions: frozenset[str], today: dt.date, zone: ZoneInfo
) -> SearchForm:
    """Read the query string; every refused field gets a message naming it and the reason."""
    values = {key: params.get(key, "").strip() for key in FIELDS}
    problems: dict[str, str] = {}
    last = _date(values["to"], "to", problems) or today
    first = _date(values["from"], "from", problems) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        problems["to"] = MESSAGES["backwards"]
    elif (last - first).days + 1 > MAX_DAYS:
        problems["from"] = MESSAGES["too_long"]
    choices = {
        "region": regions,
        "channel": frozenset(CONTACT_CHANNELS),
        "kind": CONTACT_KINDS,
        "outcome": frozenset(OUTCOME_KINDS),
        "order": frozenset(ORDERS),
    }
    for key, known in choices.items():
        if values[key] and values[key] not in known:
            problems[key] = MESSAGES[key]
    counsellor = values["counsellor"]
    if counsellor and not counsellor.isdigit():
        problems["counsellor"] = MESSAGES["counsellor"]
    after = _cursor(params.get("after", ""), problems)
    if problems:
        return SearchForm(values, None, None, problems)
    query = CallLogQuery(
        since=_start_of(first, zone),
        until=_start_of(last + dt.timedelta(days=1), zone),
        region=values["region"] or None,
        channel=values["channel"] or None,
        kind=values["kind"] or None,
        outcome=values["outcome"] or None,
        counsellor=int(counsellor) if counsellor else None,
        order="oldest" if values["order"] == "oldest" else "newest",
    )
    values["from"], values["to"] = first.isoformat(), last.isoformat()
    return SearchForm(values, query, after)


def _start_of(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _date(text: str, key: str, problems: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems[key] = MESSAGES[key]
        return None


def _cursor(token: str, problems: dict[str, str]) -> Cursor | None:
    if not token:
        return None
    try:
        return Cursor.parse(token)
    except ValueError:
        problems["after"] = MESSAGES["after"]
        return None
