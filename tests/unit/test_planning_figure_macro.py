"""The figure macro renders a FigureTable as the markup planner_charts.js and screen readers read."""

from __future__ import annotations

from html.parser import HTMLParser

import jinja2

from planning.tables import Cell, Column, FigureTable
from service.i18n import Translator, load_catalogue

HEAT = FigureTable(
    id="demand-by-hour",
    caption="Anrufe <nach> Stunde",
    columns=(Column("hour", "Stunde"), Column("mon", "Mo"), Column("tue", "Di", "Anrufe")),
    rows=(
        (Cell(8, "08:00"), Cell(12, "12", open=True), Cell(None, "–")),
        (Cell(9, "09:00"), Cell(7.5, "7,5"), Cell("k. A.", "k. A.")),
    ),
    chart="heatmap",
    note="Wiederholte Anrufe binnen 30 Minuten zählen einmal.",
)
PLAIN = FigureTable(
    id="regions",
    caption="Regionen",
    columns=(Column("region", "Region"), Column("calls", "Anrufe")),
    rows=((Cell("siegburg", "Siegburg"), Cell(3, "3")),),
)


def render(table: FigureTable, language: str = "de", export_url: object = None) -> str:
    translate = Translator(load_catalogue(("planning",)))
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("planning", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["_"] = jinja2.pass_context(lambda context, text: translate(text, context.get("lang", "de")))
    page = env.from_string(
        '{% from "planning/_figure.html" import figure with context %}{{ figure(table, export_url=export_url) }}'
    )
    return page.render(table=table, lang=language, export_url=export_url)


class Elements(HTMLParser):
    """Every start tag as (tag, attributes), in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.found if name == tag]


def test_a_chart_figure_has_a_hidden_canvas_named_after_the_table_over_the_open_table() -> None:
    html = render(HEAT)
    elements = Elements(html)
    [figure] = elements.all("figure")
    assert figure["data-chart"] == "heatmap" and figure["id"] == "demand-by-hour"
    [canvas] = elements.all("canvas")
    assert canvas["role"] == "img" and "Anrufe <nach> Stunde" in (canvas["aria-label"] or "")
    [holder] = [attrs for attrs in elements.all("div") if attrs.get("class") == "chart-canvas"]
    assert "hidden" in holder, "until the script has drawn it: no empty image without Chart.js"
    [details] = elements.all("details")
    assert "open" in details, "the numbers show until a chart does"
    assert "<summary>Zahlen als Tabelle</summary>" in html
    assert "Anrufe &lt;nach&gt; Stunde" in html and "<nach>" not in html, "the caption escaped everywhere"


def test_cells_carry_raw_values_and_the_open_hours() -> None:
    elements = Elements(render(HEAT))
    headers = elements.all("th")
    assert [h.get("scope") for h in headers] == ["col", "col", "col", "row", "row"]
    assert [h.get("data-unit") for h in headers[:3]] == [None, None, "Anrufe"]
    assert [h.get("data-value") for h in headers[3:]] == ["8", "9"]
    cells = elements.all("td")
    assert [c["data-value"] for c in cells] == ["12", "", "7.5", "k. A."], "no value: an empty attribute"
    assert [c.get("data-open") for c in cells] == ["true", None, None, None]
    assert [c.get("class") for c in cells] == ["number open", None, "number", None]


def test_an_open_hour_says_so_to_screen_readers_in_the_table_too() -> None:
    html = render(HEAT)
    assert '12<span class="visually-hidden"> (Hotline geöffnet)</span></td>' in html
    assert "Umrandet: aktuelle Hotline-Zeiten" in html
    assert '<p class="figure-note">Wiederholte Anrufe binnen 30 Minuten zählen einmal.</p>' in html


def test_a_table_without_a_chart_is_a_plain_table() -> None:
    elements = Elements(render(PLAIN))
    assert not elements.all("canvas") and not elements.all("details")
    [figure] = elements.all("figure")
    assert "data-chart" not in figure and len(elements.all("table")) == 1


def test_export_links_from_a_prefix_or_a_function_and_none_without() -> None:
    assert not Elements(render(PLAIN)).all("a")
    by_prefix = Elements(render(PLAIN, export_url="/planning/siegburg/exports/")).all("a")
    assert [a["href"] for a in by_prefix] == [
        "/planning/siegburg/exports/regions.csv",
        "/planning/siegburg/exports/regions.xlsx",
    ]
    assert [a["aria-label"] for a in by_prefix] == [
        "Regionen: CSV herunterladen",
        "Regionen: Excel (XLSX) herunterladen",
    ]

    def built(table_id: str, kind: str) -> str:
        return f"/planning/export?table={table_id}&format={kind}"

    by_function = Elements(render(PLAIN, export_url=built)).all("a")
    assert [a["href"] for a in by_function] == [
        "/planning/export?table=regions&format=csv",
        "/planning/export?table=regions&format=xlsx",
    ]


def test_english_pages_get_the_english_texts() -> None:
    html = render(HEAT, "en", export_url="/x")
    assert "<summary>Numbers as a table</summary>" in html
    assert "(hotline open)" in html and "Outlined: current hotline hours" in html
    assert 'aria-label="Anrufe &lt;nach&gt; Stunde: download Excel (XLSX)"' in html
    assert 'data-msg-open="Current hotline hours"' in html
