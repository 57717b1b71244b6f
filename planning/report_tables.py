"""The planner page's tables, built from regrouped roll-ups; German labels (the template
translates them), numbers formatted for the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from formatting import moments
from formatting.figures import number, percent
from planning.metrics import Counts, Figures
from planning.tables import Cell, Column, FigureTable

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Format = Callable[[float], str]


def cell(value: float | None, text: Format) -> Cell:
    """A number cell; `None` (nothing to divide by) is shown as a dash and exported empty."""
    return Cell(None, "–") if value is None else Cell(value, text(value))


def label(text: str, value: str | None = None) -> Cell:
    return Cell(value if value is not None else text, text)


def demand_heatmap(
    by_hour: Mapping[tuple[int, int], Counts],
    weekday_counts: Sequence[int],
    open_hours: set[tuple[int, int]],
    language: str,
) -> FigureTable:
    """Distinct callers per day and hour, as a mean over the period's days of that weekday."""
    used = {hour for (_day, hour), c in by_hour.items() if c["callers"]} | {hour for _day, hour in open_hours}
    hours = range(min(used), max(used) + 1) if used else range(8, 16)
    names = moments.weekday_names(language, "abbreviated")
    rows = []
    for hour in hours:
        row = [label(f"{hour:02d}:00", f"{hour:02d}:00")]
        for day in range(7):
            callers = by_hour.get((day, hour), {}).get("callers", 0)
            mean = callers / weekday_counts[day] if weekday_counts[day] else 0.0
            row.append(Cell(round(mean, 2), number(mean, language, 1), open=(day, hour) in open_hours))
        rows.append(row)
    return FigureTable(
        id="demand-by-hour",
        caption="Nachfrage nach Wochentag und Stunde (Anrufende je Tag, Mittel)",
        columns=[Column("hour", "Stunde"), *(Column(key, name) for key, name in zip(DAY_KEYS, names, strict=True))],
        rows=rows,
        chart="heatmap",
        note="Markierte Felder: innerhalb der aktuellen Telefonzeiten. Gezählt werden verschiedene Anrufende, "
        "auch an der geschlossenen Leitung.",
    )


def service_heatmap(
    by_hour: Mapping[tuple[int, int], Figures], open_hours: set[tuple[int, int]], language: str
) -> FigureTable:
    """The service level of each weekday and hour over the period: where the hours or the staff fall short."""
    offered = {hour for (_day, hour), f in by_hour.items() if f.offered} | {hour for _day, hour in open_hours}
    hours = range(min(offered), max(offered) + 1) if offered else range(8, 16)
    names = moments.weekday_names(language, "abbreviated")
    pct = as_percent(language)
    rows = []
    for hour in hours:
        row = [label(f"{hour:02d}:00", f"{hour:02d}:00")]
        for day in range(7):
            shown = by_hour.get((day, hour))
            value = _pct(shown.service_level) if shown is not None else None
            row.append(replace(cell(value, pct), open=(day, hour) in open_hours))
        rows.append(row)
    return FigureTable(
        id="service-by-hour",
        caption="Servicelevel nach Wochentag und Stunde",
        columns=[
            Column("hour", "Stunde"),
            *(Column(key, name, "%") for key, name in zip(DAY_KEYS, names, strict=True)),
        ],
        rows=rows,
        chart="heatmap",
        note="Markierte Felder: innerhalb der aktuellen Telefonzeiten; leer: keine Anrufe in der Warteschlange.",
    )


def over_time(
    series: Mapping[dt.date, Figures], language: str, *, weekly: bool
) -> tuple[FigureTable, FigureTable, FigureTable]:
    """Service level and abandons, waits, and volumes per day (per week for long periods)."""
    unit = "Woche ab" if weekly else "Tag"
    first_column = Column("week" if weekly else "day", unit)

    def day_cell(day: dt.date) -> Cell:
        return Cell(day.isoformat(), moments.day_short(day, language))

    pct, whole = as_percent(language), as_number(language)
    days = sorted(series)
    service = FigureTable(
        id="service-level",
        caption="Servicelevel und Abbruchquote",
        columns=[
            first_column,
            Column("service_level", "Servicelevel", "%"),
            Column("abandon_rate", "Abbruchquote", "%"),
        ],
        rows=[
            [
                day_cell(day),
                cell(_pct(series[day].service_level), pct),
                cell(_pct(series[day].abandon_rate), pct),
            ]
            for day in days
        ],
        chart="line",
    )
    waits = FigureTable(
        id="waiting",
        caption="Mittlere Wartezeit bis zur Annahme",
        columns=[first_column, Column("asa_s", "Wartezeit", "s")],
        rows=[[day_cell(day), cell(_round(series[day].asa_s), whole)] for day in days],
        chart="line",
    )
    volumes = FigureTable(
        id="calls",
        caption="Anrufe",
        columns=[
            first_column,
            Column("calls", "Anrufe"),
            Column("callers", "Anrufende"),
            Column("closed_calls", "an geschlossener Leitung"),
            Column("answered", "angenommen"),
            Column("abandoned", "abgebrochen"),
        ],
        rows=[
            [
                day_cell(day),
                *(
                    cell(getattr(series[day], name), whole)
                    for name in ("calls", "callers", "closed_calls", "answered", "abandoned")
                ),
            ]
            for day in days
        ],
        chart="bar",
    )
    return service, waits, volumes


def as_percent(language: str) -> Format:
    """Percent figures are kept as 0–100 (charts and exports read them so), shown with the sign."""
    return lambda value: percent(value / 100, language)


def as_number(language: str, digits: int = 0) -> Format:
    return lambda value: number(value, language, digits)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _round(value: float | None, digits: int = 0) -> float | None:
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)


def key_figures(f: Figures, language: str, notes: Mapping[str, str]) -> FigureTable:
    """The period at a glance; each figure with how it is counted."""
    whole, pct = as_number(language), as_percent(language)
    entries: list[tuple[str, str, float | None, Format, str]] = [
        ("calls", "Anrufe", f.calls, whole, ""),
        ("callers", "Anrufende (verschiedene)", f.callers, whole, notes["repeat"]),
        ("closed_calls", "Anrufe an der geschlossenen Leitung", f.closed_calls, whole, ""),
        ("closed_callers", "Anrufende an der geschlossenen Leitung", f.closed_callers, whole, notes["repeat"]),
        ("offered", "Angebotene Anrufe (in der Warteschlange)", f.offered, whole, ""),
        ("answered", "Angenommen", f.answered, whole, ""),
        ("abandoned", "Abgebrochen", f.abandoned, whole, notes["abandoned"]),
        ("short_abandoned", "Kurzabbrecher", f.short_abandoned, whole, notes["short"]),
        ("queue_exits", "Warteschlange verlassen für Rückruf oder Sprachnachricht", f.queue_exits, whole, ""),
        ("service_level", "Servicelevel", _pct(f.service_level), pct, notes["service_level"]),
        ("asa_s", "Mittlere Wartezeit angenommener Anrufe (s)", _round(f.asa_s), whole, ""),
        ("aht_s", "Mittlere Gesprächsdauer (s)", _round(f.aht_s), whole, ""),
        ("abandon_rate", "Abbruchquote", _pct(f.abandon_rate), pct, notes["abandoned"]),
        ("patience_s", "Geschätzte Geduld der Anrufenden (s)", _round(f.patience_s), whole, notes["patience"]),
        ("callbacks", "Rückrufwünsche", f.callbacks, whole, ""),
        ("voicemails", "Sprachnachrichten", f.voicemails, whole, ""),
        ("walk_ins", "Anliegen am Empfang", f.walk_ins, whole, ""),
        ("web_forms", "Anliegen über das Kontaktformular", f.web_forms, whole, ""),
        ("settled", "Erledigte Anliegen", f.settled, whole, ""),
        ("settled_in_promise", "davon im zugesagten Zeitraum", _pct(f.settled_in_promise_share), pct, notes["promise"]),
        ("counselling_booked", "Beratungen gebucht", f.counselling_booked, whole, ""),
        ("counselling_held", "Beratungen stattgefunden", f.counselling_held, whole, ""),
        ("counselling_no_show", "Beratungen nicht wahrgenommen", f.counselling_no_show, whole, ""),
        (
            "occupancy",
            "Auslastung der angemeldeten Beraterinnen und Berater",
            _pct(f.occupancy),
            pct,
            notes["occupancy"],
        ),
    ]
    return FigureTable(
        id="key-figures",
        caption="Kennzahlen des Zeitraums",
        columns=[Column("figure", "Kennzahl"), Column("value", "Wert"), Column("counted", "Zählweise")],
        rows=[[label(title, key), cell(value, fmt), label(note)] for key, title, value, fmt, note in entries],
    )


def regions_table(per_region: Mapping[str, tuple[str, Figures]], language: str) -> FigureTable:
    whole, pct = as_number(language), as_percent(language)
    return FigureTable(
        id="regions",
        caption="Regionen im Vergleich",
        columns=[
            Column("region", "Region"),
            Column("calls", "Anrufe"),
            Column("callers", "Anrufende"),
            Column("closed_callers", "an geschlossener Leitung"),
            Column("service_level", "Servicelevel", "%"),
            Column("asa_s", "Wartezeit", "s"),
            Column("abandon_rate", "Abbruchquote", "%"),
            Column("settled_in_promise", "im zugesagten Zeitraum erledigt", "%"),
        ],
        rows=[
            [
                label(name, region_id),
                cell(f.calls, whole),
                cell(f.callers, whole),
                cell(f.closed_callers, whole),
                cell(_pct(f.service_level), pct),
                cell(_round(f.asa_s), whole),
                cell(_pct(f.abandon_rate), pct),
                cell(_pct(f.settled_in_promise_share), pct),
            ]
            for region_id, (name, f) in per_region.items()
        ],
    )
