"""Which numbers get the reference by SMS: surely mobile ones only."""

from __future__ import annotations

import pytest

from telephony.outbound.texts import takes_text_messages


@pytest.mark.parametrize(
    ("e164", "takes"),
    [
        ("+4917612345678", True),  # German mobile
        ("+447911123456", True),  # British mobile
        ("+4922419876543", False),  # German landline: its SMS would ring as a computer voice
        ("+12025550123", False),  # North America: fixed line or mobile, cannot tell
        ("+498001234567", False),  # freephone
        ("not a number", False),
    ],
)
def test_only_mobile_numbers_take_text_messages(e164: str, takes: bool) -> None:
    assert takes_text_messages(e164) is takes
