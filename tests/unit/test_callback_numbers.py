"""Which numbers the job centre calls back, and how a refusal is named."""

from __future__ import annotations

import pytest

from callbacks.callback_numbers import NumberRefused, callback_number, callback_refusal
from config.loader import load_deployment, normalise_number
from config.settings import EXAMPLE_DEPLOYMENT

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)


@pytest.mark.parametrize(
    ("number", "desk", "web_form"),
    [
        ("0171 2345678", None, None),  # German mobile
        ("02241 123456", None, None),  # German landline
        ("032 212345678", None, None),  # German VoIP
        ("0800 1234567", "special", "special"),  # free-phone service number
        ("0900 1234567", "special", "special"),  # premium rate
        ("+380 50 123 4567", None, "foreign"),  # Ukrainian mobile: the desk may take it
        ("+380 44 123 4567", "foreign_landline", "foreign"),  # Ukrainian landline
        ("+49 2241 9000 100", "ours", "ours"),  # the Siegburg hotline itself
        ("+49 2241 9000 199", "ours", "ours"),  # its staff line
    ],
)
def test_callback_numbers(number: str, desk: str | None, web_form: str | None) -> None:
    e164 = normalise_number(number)
    assert e164 is not None, number
    assert callback_refusal(e164, DEPLOYMENT, foreign_mobiles=True) == desk
    assert callback_refusal(e164, DEPLOYMENT, foreign_mobiles=False) == web_form


@pytest.mark.parametrize(
    ("typed", "foreign_mobiles", "e164"),
    [
        ("0176 11112222", False, "+4917611112222"),  # national notation, as the public types it
        ("+49 (0) 176 / 1111 2222", False, "+4917611112222"),
        ("+380 50 123 4567", True, "+380501234567"),
    ],
)
def test_a_typed_number_becomes_e164(typed: str, foreign_mobiles: bool, e164: str) -> None:
    assert callback_number(typed, DEPLOYMENT, foreign_mobiles=foreign_mobiles) == e164


@pytest.mark.parametrize(
    ("typed", "foreign_mobiles", "code"),
    [
        ("12", True, "phone_invalid"),
        ("0171 2345678" * 4, True, "phone_invalid"),  # longer than any number
        ("+380 50 123 4567", False, "phone_foreign"),
        ("+380 44 123 4567", True, "phone_foreign_landline"),
        ("0900 1234567", True, "phone_special"),
        ("02241 9000 100", True, "phone_ours"),
    ],
)
def test_a_refused_number_names_its_refusal(typed: str, foreign_mobiles: bool, code: str) -> None:
    with pytest.raises(NumberRefused) as refused:
        callback_number(typed, DEPLOYMENT, foreign_mobiles=foreign_mobiles)
    assert refused.value.code == code
