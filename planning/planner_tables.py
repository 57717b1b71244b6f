"""Tables of staffing, what-if and the recommended hours."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from config.deployment import PlanningSettings
from formatting import moments
from planning.demand import WeeklyDemand
from planning.recommend import Recommendation, RecommendedBlock
from planning.report_tables import as_number, as_percent, cell, label
from planning.staffing import IntervalStaffing
from planning.tables import Cell, Column, FigureTable
from planning.what_if import VariantOutcome


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def staffing_tables(
    staffing: Sequence[IntervalStaffing], slot_minutes: int, language: str, note: str
) -> tuple[FigureTable, FigureTable]:
    """Counsellors needed against signed in (the chart), and the load behind it (a table)."""
    names = moments.weekday_names(language, "abbreviated")
    one, whole, pct = as_number(language, 1), as_number(language), as_percent(language)
    interval = Column("interval", "Intervall")
    labels = []
    for entry in staffing:
        start = entry.slot * slot_minutes
        labels.append(
            Cell(f"{entry.day}:{_clock(start)}", f"{names[entry.day]} {_clock(start)}–{_clock(start + slot_minutes)}")
        )
    people = FigureTable(
        id="staffing",
        caption="Personalbedarf und angemeldete Beraterinnen und Berater je Intervall",
        columns=[
            interval,
            Column("needed", "Bedarf am Telefon"),
            Column("paid", "Bedarf mit Ausfallquote"),
            Column("available", "Angemeldet (Mittel)"),
        ],
        rows=[
            [label_cell, cell(e.needed, whole), cell(round(e.paid, 2), one), cell(round(e.available, 2), one)]
            for label_cell, e in zip(labels, staffing, strict=True)
        ],
        chart="bar",
        note=note,
    )
    load = FigureTable(
        id="load",
        caption="Last je Intervall und Servicelevel mit dem Bedarf",
        columns=[
            interval,
            Column("calls", "Anrufe je Intervall (Mittel)"),
            Column("service_level", "Servicelevel mit Bedarf", "%"),
        ],
        rows=[
            [
                label_cell,
                cell(round(e.calls, 2), one),
                cell(None if e.service_level is None else round(e.service_level * 100, 1), pct),
            ]
            for label_cell, e in zip(labels, staffing, strict=True)
        ],
    )
    return people, load


def what_if_table(outcomes: Sequence[VariantOutcome], settings: PlanningSettings, language: str) -> FigureTable:
    one, pct = as_number(language, 1), as_percent(language)
    measures: list[tuple[str, str, Callable[[VariantOutcome], float], Callable[[float], str]]] = [
        ("open_hours", "Telefonzeit je Woche (Stunden)", lambda o: o.open_hours, one),
        ("open_demand", "Anrufende bei offener Leitung je Woche", lambda o: o.open_demand, one),
        ("closed_demand", "Anrufende bei geschlossener Leitung je Woche", lambda o: o.closed_demand, one),
        ("open_share", "Anteil der Nachfrage bei offener Leitung", lambda o: o.open_share * 100, pct),
        ("callbacks", "Rückrufwünsche an der geschlossenen Leitung je Woche", lambda o: o.callbacks, one),
        ("counsellor_hours", "Beratungsstunden am Telefon je Woche", lambda o: o.counsellor_hours, one),
        (
            "paid_hours",
            "Beratungsstunden mit Ausfallquote je Woche",
            lambda o: o.counsellor_hours / (1 - settings.shrinkage),
            one,
        ),
    ]
    return FigureTable(
        id="what-if",
        caption="Was wäre wenn: aktuelle Zeiten und Vorschlag",
        columns=[Column("measure", "Größe"), *(Column(f"variant_{n}", o.name) for n, o in enumerate(outcomes))],
        rows=[
            [label(title, key), *(cell(round(value(o), 2), fmt) for o in outcomes)]
            for key, title, value, fmt in measures
        ],
        chart=None,
        note="Nachfrage: verschiedene Anrufende je Intervall im Mittel der Wochentage des Zeitraums; "
        "Rückrufe nach dem Anteil, der an der geschlossenen Leitung bisher einen Rückruf wählte.",
    )


def recommendation_table(
    best: Recommendation, demand: WeeklyDemand, needed: Callable[[float], int], language: str
) -> FigureTable:
    """Each block with the counsellors its busiest slot needs on the phone."""
    names = moments.weekday_names(language, "wide")
    slot = demand.slot_minutes

    def staff(block: RecommendedBlock) -> int:
        slots = range(block.time_range.start // slot, block.time_range.end // slot)
        return max((needed(demand.values[block.day][n]) for n in slots), default=0)

    one, whole = as_number(language, 1), as_number(language)
    return FigureTable(
        id="recommendation",
        caption="Empfohlene Telefonzeiten",
        columns=[
            Column("day", "Tag"),
            Column("block", "Zeit"),
            Column("served", "Anrufende je Woche"),
            Column("hours", "Stunden"),
            Column("needed", "Bedarf am Telefon (höchstens)"),
        ],
        rows=[
            [
                label(names[block.day], str(block.day)),
                label(str(block.time_range), str(block.time_range)),
                cell(round(block.served, 2), one),
                cell(block.time_range.minutes / 60, one),
                cell(staff(block), whole),
            ]
            for block in best.blocks
        ],
        note=f"Deckt {as_percent(language)(best.share * 100)} der Nachfrage; "
        f"{whole(best.hours.minutes_per_week / 60)} Stunden je Woche.",
    )
