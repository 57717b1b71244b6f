"""The fake Twilio API against Twilio's own OpenAPI description of API v2010.

The fake refuses any form field or value outside its declared sets, so the e2e tests prove the
adapter sends only those; these tests prove the sets (and the fake's answers) are Twilio's.
The description (1.8 MB) is not kept in the repository; see `_SKIP_REASON` for getting it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from telephony.outbound import port as outbound
from tests.fakes import twilio_api as fake

ROOT = Path(__file__).parents[2]
SPEC_PATH = Path(os.environ.get("HOTLINE_TWILIO_OPENAPI") or ROOT / "var" / "twilio_api_v2010.json")
_SKIP_REASON = (
    f"Twilio's OpenAPI description is not at {SPEC_PATH}. Get it with "
    "`npm pack @twilio/cli-core && tar -xzf twilio-cli-core-*.tgz "
    "package/src/services/twilio-api/twilio_api_v2010.json` and copy that file to var/, "
    "or point HOTLINE_TWILIO_OPENAPI at it."
)
# CI sets it: there a missing description is a failure, not a skip.
REQUIRE_CONTRACT = os.environ.get("HOTLINE_REQUIRE_TWILIO_CONTRACT") == "1"
ACCOUNTS = "/2010-04-01/Accounts/{AccountSid}"
ACCOUNT_SID = "AC" + "0" * 32


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        if REQUIRE_CONTRACT:
            pytest.fail(f"the Twilio contract test is required (HOTLINE_REQUIRE_TWILIO_CONTRACT=1): {_SKIP_REASON}")
        pytest.skip(_SKIP_REASON)
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][ACCOUNTS + path][method]
    return found


def form_schema(spec: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    schema: dict[str, Any] = operation(spec, path, method)["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]
    return schema


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in schema:
        return schema
    resolved: dict[str, Any] = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return resolved


def values_named_in(description: str) -> set[str]:
    """The values a description lists after "Can be:", in backticks."""
    listing = description.split("Can be:", 1)[1].split(".", 1)[0]
    return set(re.findall(r"`([^`]+)`", listing))


def test_fake_serves_only_paths_and_methods_twilio_has(spec: dict[str, Any]) -> None:
    routes = [
        ("/Calls.json", "post"),
        ("/Calls/{Sid}.json", "post"),
        ("/Messages.json", "post"),
        ("/Recordings/{Sid}.json", "delete"),
        ("/Recordings/{Sid}.json", "get"),  # the .mp3 is this resource's media, not in the description
    ]
    for path, method in routes:
        assert method in spec["paths"][ACCOUNTS + path], (path, method)
    assert "204" in operation(spec, "/Recordings/{Sid}.json", "delete")["responses"]


def test_call_fields_are_twilios_create_call_parameters(spec: dict[str, Any]) -> None:
    schema = form_schema(spec, "/Calls.json")
    properties = schema["properties"]
    assert properties.keys() >= fake.CALL_FIELDS
    assert set(schema["required"]) <= fake.CALL_REQUIRED
    assert properties["StatusCallbackEvent"]["type"] == "array"
    assert values_named_in(properties["StatusCallbackEvent"]["description"]) == fake.CALL_STATUS_EVENTS
    assert set(outbound.CALL_STATUS_EVENTS) == fake.CALL_STATUS_EVENTS
    assert values_named_in(properties["MachineDetection"]["description"]) == fake.MACHINE_DETECTION
    assert properties["Timeout"]["type"] == "integer"
    assert properties["Url"]["format"] == properties["StatusCallback"]["format"] == "uri"


def test_hang_up_uses_twilios_update_call_status(spec: dict[str, Any]) -> None:
    properties = form_schema(spec, "/Calls/{Sid}.json")["properties"]
    assert properties.keys() >= fake.CALL_UPDATE_FIELDS
    assert set(resolve(spec, properties["Status"])["enum"]) == fake.CALL_UPDATE_STATUSES


def test_message_fields_are_twilios_create_message_parameters(spec: dict[str, Any]) -> None:
    schema = form_schema(spec, "/Messages.json")
    assert schema["properties"].keys() >= fake.MESSAGE_FIELDS
    assert set(schema["required"]) <= fake.MESSAGE_REQUIRED


def test_fake_answers_in_twilios_shapes(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    now = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
    call = fake.call_document(ACCOUNT_SID, fake.new_sid("CA"), "+4915112345678", "+4922419000100", "queued", now)
    message = fake.message_document(ACCOUNT_SID, fake.new_sid("SM"), "+4915112345678", "+4922419000100", "Hallo", now)
    for document, name in ((call, "api.v2010.account.call"), (message, "api.v2010.account.message")):
        properties = schemas[name]["properties"]
        assert document.keys() <= properties.keys(), name
        assert re.fullmatch(properties["sid"]["pattern"], document["sid"])
        assert re.fullmatch(properties["account_sid"]["pattern"], document["account_sid"])
        assert document["status"] in resolve(spec, properties["status"])["enum"]
    # the example Twilio documents for a created call, to compare the date notation
    example = operation(spec, "/Calls.json", "post")["responses"]["201"]["content"]["application/json"]["examples"]
    assert re.fullmatch(
        r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", example["create"]["value"]["date_created"]
    )
    assert call["date_created"] == "Thu, 26 Nov 2026 09:30:00 +0000"


def test_recording_sids_the_adapter_accepts_match_twilios_pattern(spec: dict[str, Any]) -> None:
    parameters = operation(spec, "/Recordings/{Sid}.json", "delete")["parameters"]
    pattern = next(p["schema"]["pattern"] for p in parameters if p["name"] == "Sid")
    sid = fake.new_sid("RE")
    assert re.fullmatch(pattern, sid)
    outbound.check_sid(sid, "RE")  # does not raise
