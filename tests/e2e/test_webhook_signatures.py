"""The signature check, with twilio-python's own published test vector and our own cases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from telephony.edge.late_work import LateWork
from telephony.edge.webhooks import FailureAnswers, webhook_edge
from tests.e2e.conftest import Client

# Twilio's documented example (twilio-python tests/unit/test_request_validator.py).
TOKEN = "12345"
PUBLIC_URL = "https://mycompany.com"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@pytest.fixture
async def guarded(aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path_qs)
        return web.Response(text="reached")

    answers = FailureAnswers(caller=lambda _: "", counsellor=lambda _: "")
    edge = webhook_edge(
        auth_token=TOKEN,
        public_url=PUBLIC_URL,
        answers=lambda: answers,
        late_work=LateWork(),
        request_id=lambda _: None,
        prefix="/",
    )
    app = web.Application(middlewares=[edge])
    app.router.add_post("/myapp.php", handler)
    client = await aiohttp_client(app)
    client.seen = seen  # type: ignore[attr-defined]
    return client


async def test_twilios_published_vector_passes(guarded: Client) -> None:
    response = await guarded.post("/myapp.php?foo=1&bar=2", data=PARAMS, headers={"X-Twilio-Signature": SIGNATURE})
    assert response.status == 200 and await response.text() == "reached"


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/myapp.php?foo=1&bar=2", PARAMS | {"Digits": "1235"}, {"X-Twilio-Signature": SIGNATURE}),
        ("/myapp.php?foo=1&bar=3", PARAMS, {"X-Twilio-Signature": SIGNATURE}),
        ("/myapp.php?foo=1&bar=2", PARAMS, {}),
        ("/myapp.php?foo=1&bar=2", PARAMS, {"X-Twilio-Signature": SIGNATURE.lower()}),
        (
            "/myapp.php?foo=1&bar=2",
            PARAMS,
            {"X-Twilio-Signature": SIGNATURE, "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256"},
        ),
    ],
    ids=["changed-field", "changed-query", "no-signature", "wrong-signature", "other-algorithm"],
)
async def test_anything_else_is_refused_before_the_handler(
    guarded: Client, path: str, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = await guarded.post(path, data=params, headers=headers)
    assert response.status == 403
    assert guarded.seen == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("signed_url", "algorithm"),
    [
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "HMAC_SHA1"),  # Twilio may sign with the port
        ("https://mycompany.com/myapp.php?foo=1&bar=2", "HMAC_SHA256"),
    ],
    ids=["default-port-spelt-out", "sha256"],
)
async def test_other_valid_signings_pass_the_full_check(guarded: Client, signed_url: str, algorithm: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed_url, PARAMS, algorithm)
    headers = {"X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": f"algorithm={algorithm}"}
    response = await guarded.post("/myapp.php?foo=1&bar=2", data=PARAMS, headers=headers)
    assert response.status == 200


async def test_a_field_sent_twice_is_signed_with_both_values(guarded: Client) -> None:
    fields = MultiDict([*PARAMS.items(), ("Digits", "5678")])
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/myapp.php", fields)
    assert signature != RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/myapp.php", PARAMS)
    response = await guarded.post("/myapp.php", data=list(fields.items()), headers={"X-Twilio-Signature": signature})
    assert response.status == 200
