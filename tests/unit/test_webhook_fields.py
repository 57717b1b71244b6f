"""A webhook's fields, parsed once: the caller's number, SIDs, keys, counts; anything odd is absent."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.edge.fields import SECONDS_LIMIT, WITHHELD, Webhook

CALL_SID = "CA" + "0" * 32
FIELD_NAMES = (
    "CallSid", "To", "From", "Digits", "CallStatus", "CallDuration", "QueueResult", "QueueTime", "QueuePosition",
    "AvgQueueTime", "DequeingCallSid", "DialCallStatus", "DialCallSid", "AnsweredBy", "RecordingSid", "RecordingUrl",
    "RecordingDuration", "RecordingStatus", "TranscriptionStatus", "TranscriptionText", "MessageSid", "Body",
)  # fmt: skip


def hook(**form: str) -> Webhook:
    return Webhook.parse({"CallSid": CALL_SID, "To": "+4922419000100"} | form, {})


@pytest.mark.parametrize("caller", ["+4917612345678", "+4922411234567", "+12025550123"])
def test_a_number_in_e164_is_both_pseudonymised_and_called_back(caller: str) -> None:
    assert hook(From=caller).caller_id == caller
    assert hook(From=caller).caller == caller


@pytest.mark.parametrize("withheld", sorted(WITHHELD))
def test_twilios_stand_ins_for_a_withheld_number_are_nobody(withheld: str) -> None:
    assert hook(From=withheld).caller_id is None
    assert hook(From=withheld).caller is None


@pytest.mark.parametrize("caller", ["anonymous", "client:anna", "", "004917612345678", "+49 176 1234567", "+4917٦"])
def test_anything_not_e164_is_nobody(caller: str) -> None:
    assert hook(From=caller).caller_id is None


def test_a_well_formed_number_that_does_not_exist_gets_a_pseudonym_but_no_callback() -> None:
    made_up = "+4900000000"  # the form of E.164, but no German number starts with 0 after the country code
    assert hook(From=made_up).caller_id == made_up
    assert hook(From=made_up).caller is None


@pytest.mark.parametrize(
    "value", ["²", "١٢", "1" * 20, "-5", "3.5", " 7", "", "99999999999999999999", str(SECONDS_LIMIT + 1)]
)
def test_counts_that_are_not_plain_bounded_digits_are_absent(value: str) -> None:
    parsed = hook(QueueTime=value, CallDuration=value, RecordingDuration=value, QueuePosition=value)
    assert parsed.queue_time is None and parsed.call_duration is None
    assert parsed.recording_duration is None and parsed.queue_position is None


def test_plain_counts_are_integers() -> None:
    parsed = hook(QueueTime="75", CallDuration="0", RecordingDuration="14")
    assert (parsed.queue_time, parsed.call_duration, parsed.recording_duration) == (75, 0, 14)


@pytest.mark.parametrize(
    ("field", "value"),
    [("CallSid", "CA123"), ("CallSid", "RE" + "0" * 32), ("RecordingSid", "CA" + "0" * 32), ("MessageSid", "x")],
)
def test_sids_of_the_wrong_shape_or_kind_are_absent(field: str, value: str) -> None:
    parsed = Webhook.parse({field: value}, {})
    assert parsed.call_sid is None and parsed.recording_sid is None and parsed.message_sid is None


@pytest.mark.parametrize("digits", ["1", "0176 123", "12#", "*9", "1" * 33, "a", "１"])
def test_only_keypad_input_counts_as_keys(digits: str) -> None:
    expected = digits if re.fullmatch(r"[0-9*#]{1,32}", digits) else None
    assert hook(Digits=digits).digits == expected


def test_statuses_outside_twilios_documented_sets_are_absent() -> None:
    parsed = hook(CallStatus="exploded", QueueResult="leave", AnsweredBy="robot", RecordingStatus="completed")
    assert parsed.call_status is None and parsed.answered_by is None
    assert parsed.queue_result == "leave" and parsed.recording_status == "completed"


def test_recording_urls_are_https_and_printable_only() -> None:
    assert hook(RecordingUrl="http://evil.example/x").recording_url is None
    assert hook(RecordingUrl="https://api.twilio.com/x\n").recording_url is None
    assert hook(RecordingUrl="https://api.twilio.com/r").recording_url == "https://api.twilio.com/r"


def test_our_own_query_values_are_bounded_integers_and_names() -> None:
    parsed = Webhook.parse({}, {"attempt": "2", "user": "²", "region": "siegburg", "lang": "../de"})
    assert parsed.query_int("attempt") == 2 and parsed.query_int("user") is None
    assert parsed.query_name("region") == "siegburg" and parsed.query_name("lang") is None
    assert parsed.query_int("missing") is None


@given(st.dictionaries(st.sampled_from(FIELD_NAMES), st.text(max_size=80)), st.dictionaries(st.text(), st.text()))
def test_any_form_parses_without_an_exception_into_bounded_values(form: dict[str, str], query: dict[str, str]) -> None:
    parsed = Webhook.parse(form, query)
    for count in (parsed.queue_time, parsed.call_duration, parsed.recording_duration, parsed.avg_queue_time):
        assert count is None or 0 <= count <= SECONDS_LIMIT
    for sid in (parsed.call_sid, parsed.recording_sid, parsed.message_sid, parsed.dial_call_sid):
        assert sid is None or re.fullmatch(r"[A-Z]{2}[0-9a-fA-F]{32}", sid)
    assert parsed.digits is None or re.fullmatch(r"[0-9*#]{1,32}", parsed.digits)
    for name in ("attempt", "user", "region", "lang"):
        value = parsed.query_int(name)
        assert value is None or 0 <= value < 2**31
