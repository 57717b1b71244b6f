"""planner_charts.js draws each figure of the planner page from the table the figure macro renders.

No route of the service is needed (nor added): the macro planning/templates/planning/_figure.html
is rendered here with Jinja, and the browser is handed that page and our static files by
Playwright's request interception, under the site's own Content-Security-Policy, so a chart
library that needed eval or inline style would fail here as it would on the real page. The
planner page itself is checked end to end where its views are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import jinja2
import pytest

from formatting.figures import number, percent
from planning.tables import Cell, Column, FigureTable
from service.i18n import Translator, load_catalogue
from service.security_headers import CONTENT_SECURITY_POLICY
from service.vendor_assets import LOCK, read_lock
from tests.browser.conftest import REQUIRE_BROWSER, assert_accessible, browser_tab

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
STATIC = ROOT / "service" / "static"
ORIGIN = "http://planner.test"
CHART_SCRIPTS = ("vendor/chart.umd.min.js", "vendor/chartjs-chart-matrix.min.js", "planner_charts.js")
DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
HOURS = range(6, 21)
# The current hotline hours of the sample: Monday to Friday 8–12, Thursday also 14–18.
OPEN = {(day, hour) for day in range(5) for hour in range(8, 12)} | {(3, hour) for hour in range(14, 18)}


def demand(day: int, hour: int) -> int:
    """Calls in an hour of the week: a morning peak, a smaller afternoon one, quiet weekends."""
    peak = max(0, 40 - 6 * abs(hour - 9)) + max(0, 20 - 5 * abs(hour - 15))
    return peak // (4 if day >= 5 else 1) + (10 if day == 0 else 0)


def heatmap(language: str) -> FigureTable:
    columns = (Column("hour", "Stunde"), *(Column(f"day{index}", name) for index, name in enumerate(DAYS)))
    rows = tuple(
        (
            Cell(hour, f"{hour:02d}:00"),
            *(
                Cell(demand(day, hour), number(demand(day, hour), language), open=(day, hour) in OPEN)
                for day in range(7)
            ),
        )
        for hour in HOURS
    )
    return FigureTable("demand-by-hour", "Anrufe nach Stunde der Woche", columns, rows, chart="heatmap")


def service_level(language: str) -> FigureTable:
    days = ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06")
    shares = (81.0, 74.5, None, 90.0, 86.2)  # percent, 0–100; no calls on the Wednesday: a gap, not a zero
    waits = (14.0, 22.5, None, 9.0, 12.25)
    return FigureTable(
        "service-level-by-day",
        "Service-Level und Wartezeit nach Tag",
        (Column("day", "Tag"), Column("service_level", "Service-Level", "%"), Column("asa_s", "Wartezeit", "s")),
        tuple(
            (
                Cell(day, day[8:] + "." + day[5:7] + "."),
                Cell(share, "–" if share is None else percent(share / 100, language)),
                Cell(wait, "–" if wait is None else number(wait, language, 1)),
            )
            for day, share, wait in zip(days, shares, waits, strict=True)
        ),
        chart="line",
        note="80 % in 20 s; Abbrüche unter 5 s zählen nicht.",
    )


def staffing(language: str) -> FigureTable:
    slots = ("08:00", "09:00", "10:00", "11:00")
    needed = (3, 5, 4, 2)
    available = (4, 4, 4, 3)
    return FigureTable(
        "staffing-by-hour",
        "Benötigte und verfügbare Beraterinnen und Berater",
        (Column("slot", "Uhrzeit"), Column("needed", "Benötigt"), Column("available", "Verfügbar")),
        tuple(
            (Cell(slot, slot), Cell(need, number(need, language)), Cell(have, number(have, language)))
            for slot, need, have in zip(slots, needed, available, strict=True)
        ),
        chart="bar",
    )


TABLES: dict[str, Callable[[str], FigureTable]] = {"heatmap": heatmap, "line": service_level, "bar": staffing}


def render_page(language: str, scripts: Sequence[str] = CHART_SCRIPTS) -> str:
    """A page as the planner page will build it: the figures through the macro, our stylesheet,
    the scripts deferred after the markup."""
    translate = Translator(load_catalogue(("planning",)))
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("planning", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["_"] = jinja2.pass_context(lambda context, text: translate(text, context.get("lang", "de")))
    page = env.from_string(
        """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Planung</title>
<link rel="stylesheet" href="/static/hotline.css">
{% for script in scripts %}<script src="/static/{{ script }}" defer></script>
{% endfor %}</head>
<body><main id="main"><h1>Planung</h1>
{% from "planning/_figure.html" import figure with context %}
{% for table in tables %}{{ figure(table, export_url="/planning/exports") }}{% endfor %}
</main></body></html>"""
    )
    return page.render(lang=language, scripts=scripts, tables=[make(language) for make in TABLES.values()])


def vendored_or_skip() -> None:
    packages = [package for package in read_lock(LOCK) if package.name in ("chart.js", "chartjs-chart-matrix")]
    missing = [str(file.target) for package in packages for file in package.files if not (ROOT / file.target).exists()]
    if missing:
        reason = f"Chart.js is not vendored ({', '.join(missing)}): run `make vendor`"
        if REQUIRE_BROWSER:
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Opens the rendered page in a fresh German tab (or as asked), served with the site's policy."""
    vendored_or_skip()
    with ExitStack() as tabs:

        def open_(language: str = "de", scripts: Sequence[str] = CHART_SCRIPTS, **options: Any) -> Any:
            html = render_page(language, scripts)
            # Leaving the stack fails the test if the console showed an error (a CSP refusal, say).
            page = tabs.enter_context(browser_tab(browser, ORIGIN, **options))

            def serve(route: Any) -> None:
                path = route.request.url.removeprefix(ORIGIN)
                headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
                if path == "/planner":
                    route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8", headers=headers)
                elif path.startswith("/static/") and (STATIC / path.removeprefix("/static/")).is_file():
                    kind = "text/css" if path.endswith(".css") else "text/javascript"
                    route.fulfill(status=200, path=STATIC / path.removeprefix("/static/"), content_type=kind)
                else:
                    route.fulfill(status=404, body="not found")

            page.route(f"{ORIGIN}/**", serve)
            page.goto("/planner")
            return page

        yield open_


def chart_of(page: Any, figure_id: str) -> dict[str, Any]:
    """What Chart.js holds for the figure's canvas, and how much of the canvas is drawn on."""
    # Measured once any animation has ended: mid-animation a chart is only partly drawn.
    page.wait_for_function(
        """(id) => {
          const chart = window.Chart && Chart.getChart(document.querySelector(`#${id} canvas`));
          return !chart || !Chart.animator.running(chart);
        }""",
        arg=figure_id,
    )
    result: dict[str, Any] = page.evaluate(
        """(id) => {
          const canvas = document.querySelector(`#${id} canvas`);
          const chart = window.Chart && Chart.getChart(canvas);
          if (!chart) return null;
          const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
          return {
            type: chart.config.type,
            locale: chart.options.locale,
            animation: chart.options.animation,
            labels: chart.data.labels || [],
            datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data})),
            painted: painted / (canvas.width * canvas.height),
            numbersOpen: document.querySelector(`#${id} details`).open,
          };
        }""",
        figure_id,
    )
    assert result is not None, f"no chart drawn on #{figure_id}"
    return result


def test_line_and_bar_charts_plot_each_column_as_a_series_from_the_raw_values(open_page: Any) -> None:
    page = open_page()
    line = chart_of(page, "service-level-by-day")
    assert line["type"] == "line" and line["painted"] > 0.01
    assert line["labels"] == ["02.03.", "03.03.", "04.03.", "05.03.", "06.03."]
    assert [d["label"] for d in line["datasets"]] == ["Service-Level (%)", "Wartezeit (s)"]
    assert line["datasets"][0]["data"] == [81, 74.5, None, 90, 86.2], "raw values; no value is a gap"
    assert line["datasets"][1]["data"] == [14, 22.5, None, 9, 12.25]
    percent_ticks = page.evaluate(
        """() => Chart.getChart(document.querySelector("#service-level-by-day canvas")).scales.y.ticks
          .map((tick) => tick.label)"""
    )
    assert re.fullmatch(r"100\s%", percent_ticks[-1]), "a % column is 0–100, its axis up to 100 %"
    bar = chart_of(page, "staffing-by-hour")
    assert bar["type"] == "bar" and bar["painted"] > 0.01
    assert [d["data"] for d in bar["datasets"]] == [[3, 5, 4, 2], [4, 4, 4, 3]]
    assert line["locale"] == "de" and not line["numbersOpen"], "drawn: the table folded away under its summary"


def test_the_heat_map_shows_demand_by_hour_and_weekday_with_the_current_hours_outlined(open_page: Any) -> None:
    page = open_page()
    chart = chart_of(page, "demand-by-hour")
    assert chart["type"] == "matrix" and chart["painted"] > 0.2
    cells, ring, _inner = chart["datasets"]
    assert len(cells["data"]) == len(DAYS) * len(HOURS)
    assert {(c["x"], c["y"], c["v"]) for c in cells["data"]} == {
        (DAYS[day], f"{hour:02d}:00", demand(day, hour)) for day in range(7) for hour in HOURS
    }
    assert ring["label"] == "Aktuelle Hotline-Zeiten"
    assert {(c["x"], c["y"]) for c in ring["data"]} == {(DAYS[day], f"{hour:02d}:00") for day, hour in OPEN}
    top_to_bottom = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector("#demand-by-hour canvas"));
          const y = chart.scales.y;
          return y.ticks.map((tick, index) => [tick.label, y.getPixelForTick(index)])
            .sort((a, b) => a[1] - b[1]).map(([label]) => label);
        }"""
    )
    assert top_to_bottom[0] == "06:00" and top_to_bottom[-1] == "20:00", "the day's first hour at the top"
    legend = page.locator("#demand-by-hour .heat-legend")
    assert legend.is_visible()
    assert legend.locator(".heat-min").inner_text() == number(min(demand(d, h) for d in range(7) for h in HOURS), "de")
    assert legend.locator(".heat-max").inner_text() == number(max(demand(d, h) for d in range(7) for h in HOURS), "de")


def test_each_canvas_is_an_image_named_after_its_table_and_the_page_passes_axe(open_page: Any) -> None:
    page = open_page()
    for kind, make in TABLES.items():
        table = make("de")
        canvas = page.locator(f"#{table.id} canvas")
        assert canvas.get_attribute("role") == "img"
        assert table.caption in (canvas.get_attribute("aria-label") or ""), kind
        assert page.get_by_role("table", name=table.caption, include_hidden=True).count() == 1
    assert_accessible(page, "planner figures, charts drawn, tables folded")
    for summary in page.locator("summary").all():
        summary.click()
    assert_accessible(page, "planner figures, every table unfolded")


def test_export_links_name_their_table(open_page: Any) -> None:
    page = open_page()
    link = page.get_by_role("link", name="Anrufe nach Stunde der Woche: Excel (XLSX) herunterladen")
    assert link.get_attribute("href") == "/planning/exports/demand-by-hour.xlsx"
    csv_link = page.get_by_role("link", name=re.compile(r"^Service-Level und Wartezeit nach Tag: CSV"))
    assert csv_link.get_attribute("href") == "/planning/exports/service-level-by-day.csv"


def test_no_animation_for_readers_who_asked_for_less_motion(open_page: Any) -> None:
    page = open_page(reduced_motion="reduce")
    assert all(chart_of(page, make("de").id)["animation"] is False for make in TABLES.values())


def test_an_english_page_gets_english_chart_texts_and_number_format(open_page: Any) -> None:
    page = open_page("en")
    chart = chart_of(page, "demand-by-hour")
    assert chart["locale"] == "en"
    assert chart["datasets"][1]["label"] == "Current hotline hours"
    assert page.locator("summary").first.inner_text() == "Numbers as a table"
    assert_accessible(page, "planner figures in English")


def test_without_the_chart_library_the_tables_stay_open_and_no_empty_canvas_shows(open_page: Any) -> None:
    page = open_page(scripts=("planner_charts.js",))
    for make in TABLES.values():
        figure = page.locator(f"#{make('de').id}")
        assert figure.locator("details").get_attribute("open") is not None
        assert not figure.locator("canvas").is_visible()
        assert figure.locator("table").is_visible()
    assert_accessible(page, "planner figures without Chart.js")
