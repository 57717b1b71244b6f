"""`[retention]`: every kind of record has a default, and a bad value is named by its key."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from config.deployment import Retention
from config.issues import ConfigError
from config.loader import parse_deployment
from config.settings import EXAMPLE_DEPLOYMENT

EXAMPLE: dict[str, Any] = tomllib.loads(EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8"))


def _with_retention(table: dict[str, Any] | None) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    if table is None:
        del document["retention"]
    else:
        document["retention"] = table
    return document


def test_without_the_table_every_kind_of_record_has_its_default() -> None:
    retention = parse_deployment(_with_retention(None)).retention
    assert retention == Retention(
        voicemail_days=30, concern_days=30, booking_days=30, contact_log_months=24, audit_years=10
    )


def test_each_setting_is_read() -> None:
    table = {"voicemail_days": 7, "concern_days": 14, "booking_days": 21, "contact_log_months": 12, "audit_years": 6}
    assert parse_deployment(_with_retention(table)).retention == Retention(**table)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("booking_days", 0, "retention.booking_days: must be a whole number from 1 to 365"),
        ("booking_days", "30", "retention.booking_days: must be a whole number from 1 to 365"),
        ("contact_log_months", 121, "retention.contact_log_months: must be a whole number from 1 to 120"),
        ("contact_log_months", 2.5, "retention.contact_log_months: must be a whole number from 1 to 120"),
        ("audit_years", 0, "retention.audit_years: must be a whole number from 1 to 30"),
        ("audit_years", True, "retention.audit_years: must be a whole number from 1 to 30"),
        ("voicemail_days", 366, "retention.voicemail_days: must be a whole number from 1 to 365"),
        ("statistics_years", 3, "retention.statistics_years: unknown key"),
    ],
)
def test_a_bad_value_is_named_by_its_key_and_reason(key: str, value: Any, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_deployment(_with_retention({key: value}))
    assert any(str(issue).startswith(expected) for issue in caught.value.issues), caught.value.issues
