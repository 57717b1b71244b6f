"""The one validated input of the intake: `NewConcern.check` checks every field once, against
the deployment, and names each refusal by its code; what it returns is frozen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from callbacks.intake import NewConcern
from callbacks.refusals import MESSAGES, Refused
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # Thursday 10:30 in Siegburg
BERLIN = dt.timezone(dt.timedelta(hours=1))


def desk(**changes: Any) -> dict[str, Any]:
    """A complete walk-in concern as the desk sends it."""
    return {
        "channel": "walk_in",
        "source_key": "desk:" + "a" * 22,
        "region": "siegburg",
        "callback_number": "0171 2345678",
        "topic": "payment",
        "note": "Zahlung fehlt.",
    } | changes


def web_form(**changes: Any) -> dict[str, Any]:
    return desk(channel="web_form", source_key="web:" + "b" * 24) | changes


def check(data: dict[str, Any], **rules: Any) -> NewConcern:
    return NewConcern.check(data, deployment=DEPLOYMENT, now=NOW, **rules)


def refusals(data: dict[str, Any], **rules: Any) -> dict[str, str]:
    with pytest.raises(Refused) as refused:
        check(data, **rules)
    return dict(refused.value.problems)


def test_a_checked_concern_holds_normalised_values_and_cannot_be_changed() -> None:
    new = check(
        desk(
            callback_number=" +49 (0) 171 / 234 56 78 ",
            customer_name="  Erika Mustermann ",
            note="Zeile eins\r\nZeile zwei  ",
            window_start=dt.datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN),
            window_end="2026-11-27T12:00:00+01:00",
        )
    )
    assert new.callback_number == "+491712345678"
    assert new.customer_name == "Erika Mustermann"
    assert new.note == "Zeile eins\nZeile zwei"  # a line break counts once, as the page's maxlength counts it
    assert (new.window_start, new.window_end) == (
        dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC),
    )
    assert new.language == "de"  # the region's default
    assert new.urgency is None  # the topic's urgency applies when raised
    with pytest.raises(ValidationError):
        new.note = "anders"  # type: ignore[misc]


def test_every_problem_is_named_at_once_by_its_code() -> None:
    problems = refusals(
        desk(
            region="siegburg",
            callback_number="12",
            customer_name="E" * 121,
            topic="lottery",
            urgency="sofort",
            language="fr",
            note="x" * 1001,
            window_start="2026-11-27T12:00:00+01:00",
            window_end="2026-11-27T10:00:00+01:00",
        )
    )
    assert problems == {
        "callback_number": "phone_invalid",
        "customer_name": "name_too_long",
        "topic": "topic_unknown",
        "urgency": "urgency_unknown",
        "language": "language_unknown",
        "note": "note_too_long",
        "window_end": "window_reversed",
    }
    assert all(code in MESSAGES for code in problems.values())


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("", "phone_missing"),
        ("0900 1234567", "phone_special"),
        ("02241 9000 100", "phone_ours"),
        ("+380 44 123 4567", "phone_foreign_landline"),
    ],
)
def test_the_desk_number_follows_the_callback_rule(number: str, code: str) -> None:
    assert refusals(desk(callback_number=number)) == {"callback_number": code}


def test_staff_may_take_a_foreign_mobile_but_the_public_form_may_not() -> None:
    assert check(desk(callback_number="+380 50 123 4567")).callback_number == "+380501234567"
    assert refusals(web_form(callback_number="+380 50 123 4567")) == {"callback_number": "phone_foreign"}


def test_the_public_does_not_choose_its_own_urgency_nor_settle_on_the_spot() -> None:
    assert refusals(web_form(urgency="urgent")) == {"urgency": "urgency_unknown"}
    assert refusals(web_form(ad_hoc_talk=True)) == {"ad_hoc_talk": "form_broken"}
    assert check(web_form()).anonymous and not check(desk()).anonymous


def test_typed_channels_need_a_topic_and_a_note_unless_settled_at_the_desk() -> None:
    assert refusals(desk(topic="", note="  ")) == {"topic": "topic_missing", "note": "note_missing"}
    settled = check(desk(callback_number="", note="", ad_hoc_talk=True))
    assert (settled.callback_number, settled.note, settled.ad_hoc_talk) == (None, None, True)


def test_a_callers_request_needs_a_number_but_neither_topic_nor_note() -> None:
    phone = {"channel": "phone_callback", "source_key": "CA" + "0" * 32 + ":callback", "region": "siegburg"}
    assert refusals(phone) == {"callback_number": "phone_missing"}
    assert check(phone | {"callback_number": "+4917611112222"}).callback_number == "+4917611112222"


def test_a_voicemail_is_kept_but_a_number_we_would_not_dial_is_not() -> None:
    voicemail = {
        "channel": "voicemail",
        "source_key": "RE" + "0" * 32 + ":voicemail",
        "region": "siegburg",
        "recording_sid": "RE" + "0" * 32,
    }
    assert check(voicemail).callback_number is None
    assert check(voicemail | {"callback_number": "+4990012345678"}).callback_number is None  # premium rate
    assert check(voicemail | {"callback_number": "+4917611112222"}).callback_number == "+4917611112222"


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2026-11-27T10:00:00+01:00", None, "window_incomplete"),
        ("2026-11-27T10:00:00+01:00", "2026-11-27T10:00:00+01:00", "window_reversed"),
        ("2026-11-26T08:00:00+01:00", "2026-11-26T10:00:00+01:00", "window_past"),  # over at 10:30
        ("2026-11-27T10:00:00", "2026-11-27T12:00:00+01:00", None),  # no zone: the start is refused
    ],
)
def test_a_window_is_both_ends_in_order_and_still_ahead(start: str, end: str | None, problem: str | None) -> None:
    problems = refusals(desk(window_start=start, window_end=end))
    if problem is None:
        assert problems == {"window_start": "moment_invalid"}
    else:
        assert problems == {"window_end": problem}


def test_a_region_is_one_of_those_the_raiser_may_serve() -> None:
    assert refusals(desk(region="bonn")) == {"region": "region_unknown"}
    assert refusals(desk(region="troisdorf"), regions=frozenset({"siegburg"})) == {"region": "region_unknown"}
    assert check(desk(region="troisdorf"), regions=frozenset({"siegburg", "troisdorf"})).region == "troisdorf"


def test_input_of_the_wrong_type_is_refused_by_the_field_it_was_given_for() -> None:
    assert refusals(desk(callback_number=1712345678, window_start="morgen", window_end="morgen")) == {
        "callback_number": "phone_invalid",
        "window_start": "moment_invalid",
        "window_end": "moment_invalid",
    }
    assert refusals(desk(colour="blue")) == {"colour": "form_broken"}
    assert refusals(desk(source_key="")) == {"source_key": "form_broken"}


def test_a_new_concern_is_only_made_by_check() -> None:
    with pytest.raises(TypeError, match=r"NewConcern\.check"):
        NewConcern(**desk())
