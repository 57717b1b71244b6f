"""Which numbers the job centre calls back."""

from __future__ import annotations

import pytest

from callbacks.callback_numbers import callback_refusal
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
        ("+380 44 123 4567", "foreign", "foreign"),  # Ukrainian landline
        ("+49 2241 9000 100", "ours", "ours"),  # the Siegburg hotline itself
        ("+49 2241 9000 199", "ours", "ours"),  # its staff line
    ],
)
def test_callback_numbers(number: str, desk: str | None, web_form: str | None) -> None:
    e164 = normalise_number(number)
    assert e164 is not None, number
    assert callback_refusal(e164, DEPLOYMENT, foreign_mobiles=True) == desk
    assert callback_refusal(e164, DEPLOYMENT, foreign_mobiles=False) == web_form
