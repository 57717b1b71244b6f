"""The tables of the planner page: one shape for the page, its charts and its CSV/XLSX exports.

Every figure the page shows is a `FigureTable`. The template renders it as an accessible HTML
table (the numbers a chart shows, for screen readers and for checking); `static/planner_charts.js`
draws the chart named by `chart` from the same table; the exports write the raw `value`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

ChartKind = Literal["heatmap", "line", "bar"]
CellValue = float | int | str | None


@dataclass(frozen=True, slots=True)
class Cell:
    """`value` is what exports and charts use (a number, or text for a label); `text` is how the
    page shows it, formatted for the reader's locale; `open` marks an hour inside the current
    hotline hours on a heat map."""

    value: CellValue
    text: str
    open: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # stable, English: the CSV header and the XLSX column name
    label: str  # in the page's language
    unit: str = ""  # e.g. "%" or "s", shown in the header


@dataclass(frozen=True, slots=True)
class FigureTable:
    """`columns[0]` labels the rows (an hour, a day, a region); each row has one cell per column.

    For a heat map the first column is the row label (the hour of day) and the others are the
    days of the week; for line and bar charts the first column is the x axis and each further
    column is one series.
    """

    id: str  # the export's file name and the page anchor, e.g. "demand-by-hour"
    caption: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    chart: ChartKind | None = None
    note: str = ""  # how the figures are counted (the settings they rest on)
