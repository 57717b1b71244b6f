"""The planner page's query string: what was typed is kept; anything unusable is one German sentence."""

from __future__ import annotations

import pytest

from planning.planner_form import read_planner_form
from planning.service import RecommendForm


def test_the_period_region_and_a_pasted_block_pass_through_as_typed() -> None:
    form = read_planner_form(
        {"region": "siegburg", "from": "2026-01-01", "to": "2026-03-31", "hours": "mon = []", "what_if": "1"}
    )
    assert (form.query.region, form.query.first, form.query.last) == ("siegburg", "2026-01-01", "2026-03-31")
    assert form.query.proposed_hours == "mon = []" and form.query.recommend is None and not form.problems
    assert read_planner_form({"hours": "mon = []"}).query.proposed_hours is None  # only when asked to play it


def test_a_recommendation_reads_hours_with_a_decimal_comma_and_clock_times() -> None:
    form = read_planner_form(
        {"budget": "27,5", "min_block": "1,5", "earliest": "7:30", "latest": "19:00", "recommend": "1"}
    )
    assert form.query.recommend == RecommendForm(
        budget_hours=27.5, min_block_minutes=90, earliest_minute=450, latest_minute=1140
    )
    defaults = read_planner_form({"budget": "27", "recommend": "1"}).query.recommend
    assert defaults == RecommendForm(budget_hours=27, min_block_minutes=120, earliest_minute=420, latest_minute=1140)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"budget": "viel"}, "Wochenstunden: bitte eine Zahl"),
        ({"budget": "0"}, "Wochenstunden: bitte eine Zahl über 0"),
        ({"budget": "200"}, "bis 168"),
        ({"budget": "20", "earliest": "7 Uhr"}, "Frühester Beginn: bitte eine Uhrzeit"),
        ({"budget": "20", "latest": "25:00"}, "Spätestes Ende: bitte eine Uhrzeit"),
        ({"budget": "20", "earliest": "18:00", "latest": "08:00"}, "Das späteste Ende muss nach dem frühesten Beginn"),
        ({"budget": "20", "min_block": "14"}, "Kürzester Block: mehr als 0 Stunden"),
    ],
)
def test_unusable_recommendation_input_is_named_and_kept(fields: dict[str, str], problem: str) -> None:
    form = read_planner_form(fields | {"recommend": "1"})
    assert form.query.recommend is None
    assert problem in form.problems["recommend"]
    assert all(form.values[name] == value.strip() for name, value in fields.items())
