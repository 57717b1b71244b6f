"""A body that cannot be read is a 400 with a log line, never a 500 (issue 10, finding 5)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from service.logs import JsonFormatter
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import csrf_from

pytestmark = pytest.mark.usefixtures("staff")

FORM = "application/x-www-form-urlencoded"
SECRET_WORD = "Kontonummer"  # stands for personal data in a body: never logged
BAD_BODIES = {
    "not UTF-8": (FORM, f"csrf_token=x&message={SECRET_WORD}\xff\xfe".encode("latin-1")),
    "unknown charset": (f"{FORM}; charset=bogus", f"csrf_token=x&message={SECRET_WORD}".encode()),
    "UTF-16": (f"{FORM}; charset=utf-16", f"csrf_token=x&message={SECRET_WORD}".encode("utf-16")),
    "multipart without boundary": ("multipart/form-data", f"csrf_token=x&message={SECRET_WORD}".encode()),
    "multipart with a part in an unknown charset": (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="message"\r\nContent-Type: text/plain; charset=bogus\r\n\r\n'
        + SECRET_WORD.encode()
        + b"\r\n--XyZ--\r\n",
    ),
    "JSON not UTF-8": ("application/json", b'{"note": "' + SECRET_WORD.encode() + b'\xff"}'),
    "JSON in an unknown charset": ("application/json; charset=bogus", b'{"note": "' + SECRET_WORD.encode() + b'"}'),
}
PATHS = ["/login", "/kontakt/siegburg/senden", "/desk", "/api/concerns"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kind", BAD_BODIES)
async def test_an_unreadable_body_is_refused_with_400(
    client: Client, caplog: pytest.LogCaptureFixture, path: str, kind: str
) -> None:
    caplog.set_level("WARNING", logger="hotline.http")
    await client.get("/login")  # a browser that has been here: pre-session cookie
    content_type, body = BAD_BODIES[kind]
    response = await client.post(path, data=body, headers={"Content-Type": content_type, "X-Request-Id": "test-0001"})
    assert response.status == 400
    if path.startswith("/api/"):
        assert await response.json() == {"error": "bad_request", "request_id": "test-0001"}
    else:
        assert "Ungültige Anfrage" in await response.text()
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "hotline.http"]
    assert [(line["message"], line["path"], line["request_id"]) for line in lines] == [
        ("request body refused", path, "test-0001")
    ]
    assert lines[0]["reason"] and SECRET_WORD not in json.dumps(lines) and "unhandled" not in caplog.text


async def test_a_logged_in_desk_gets_the_same_refusal(client: Client) -> None:
    assert await log_in(client, "root") == 303
    response = await client.post(
        "/desk", data=b"csrf_token=x&note=\xff", headers={"Content-Type": f"{FORM}; charset=utf-8"}
    )
    assert response.status == 400 and "Ungültige Anfrage" in await response.text()


async def test_a_form_declared_as_utf8_is_read_as_before(client: Client) -> None:
    token = csrf_from(await (await client.get("/login")).text())
    body = urlencode({"username": "anna", "password": PASSWORD, "csrf_token": token, "next": "/counsellor"})
    response = await client.post(
        "/login", data=body.encode(), headers={"Content-Type": f"{FORM}; charset=UTF-8"}, allow_redirects=False
    )
    assert response.status == 303 and response.headers["Location"] == "/counsellor"


@pytest.mark.parametrize("path", PATHS)
async def test_a_csrf_token_with_letters_outside_ascii_is_refused_not_a_500(client: Client, path: str) -> None:
    """Found by the fuzz test: comparing such a token raised instead of refusing it."""
    form = await client.post(path, data={"csrf_token": "jetzt-gültig"}, allow_redirects=False)
    header = await client.post(path, data={}, headers={"X-CSRF-Token": "jetzt-gültig"}, allow_redirects=False)
    assert form.status in (303, 401, 403) and header.status in (303, 401, 403)
