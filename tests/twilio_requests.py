"""Requests as Twilio sends them: form-encoded and signed over the public URL."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

from config.settings import Settings


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class FakeTwilio:
    """Plays Twilio's side of one call against the app under test."""

    client: TestClient  # type: ignore[type-arg]
    settings: Settings
    to: str = "+4922419000100"
    caller: str = "+4917612345678"
    call_sid: str = field(default_factory=lambda: new_sid("CA"))

    def sign(self, path: str, fields: dict[str, str]) -> str:
        return RequestValidator(self.settings.webhook_auth_token).compute_signature(
            self.settings.public_url + path, fields
        )

    async def post(self, path: str, **extra: str) -> tuple[int, ET.Element | str]:
        """POST a webhook of this call; returns the status and the parsed TwiML (or the text)."""
        fields = {
            "CallSid": self.call_sid,
            "AccountSid": self.settings.webhook_account_sid,
            "From": self.caller,
            "To": self.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        } | extra
        return await self.post_fields(path, fields)

    async def post_fields(self, path: str, fields: dict[str, str]) -> tuple[int, ET.Element | str]:
        response = await self.client.post(path, data=fields, headers={"X-Twilio-Signature": self.sign(path, fields)})
        text = await response.text()
        if response.content_type == "application/xml":
            return response.status, ET.fromstring(text)
        return response.status, text


def said(document: ET.Element | str) -> list[str]:
    """Everything <Say> speaks in a TwiML document, in order, as plain words (SSML tags dropped)."""
    assert isinstance(document, ET.Element), f"not TwiML: {document!r}"
    return [" ".join("".join(node.itertext()).split()) for node in document.iter("Say")]


def verbs(document: ET.Element | str) -> list[str]:
    assert isinstance(document, ET.Element), f"not TwiML: {document!r}"
    return [child.tag for child in document]


def first(document: ET.Element | str, tag: str) -> ET.Element:
    assert isinstance(document, ET.Element), f"not TwiML: {document!r}"
    found = document.find(f".//{tag}")
    assert found is not None, f"no <{tag}> in {ET.tostring(document, encoding='unicode')}"
    return found
