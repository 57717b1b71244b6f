"""Every staff route asked for by every role and by nobody, each answer compared with the table
below: the table is the access policy, written out, so a guard that is dropped, widened or
narrowed fails here, and so does a new route nobody put in the table."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.desk_views import SOURCE_PREFIX
from callbacks.intake import NewConcern, raise_concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from staff.accounts import create_user
from telephony.edge.webhooks import WEBHOOK_PREFIX
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import TEST_SECRET, ManualClock, csrf_from

# The policy is the app's, not the database's: SQLite alone keeps the matrix quick.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
ANYONE = "anyone"  # the public: no login needed
STAFF = "staff"  # any logged-in member, whatever the role
# Each member holds one role, but for the grant `auditor_audio`, held only together with `auditor`
# (an account with the grant alone cannot be created): it adds the voicemail recording to the
# auditor's routes, of every region.
ROLES_OF: Mapping[str, tuple[str, ...]] = {
    "carla": ("counsellor",),
    "dirk": ("desk",),
    "pia": ("planner",),
    "armin": ("auditor",),
    "aurel": ("auditor", "auditor_audio"),
    "ada": ("admin",),
}

# (method, route path) -> who may: a set of roles, STAFF or ANYONE.
POLICY: Mapping[tuple[str, str], str | frozenset[str]] = {
    ("GET", "/"): STAFF,
    ("GET", "/language"): ANYONE,
    ("GET", "/healthz"): ANYONE,
    ("GET", "/readyz"): ANYONE,
    ("GET", "/login"): ANYONE,
    ("POST", "/login"): ANYONE,
    ("GET", "/profil"): STAFF,
    ("POST", "/profil"): STAFF,
    ("GET", "/admin/users"): frozenset({"admin"}),
    ("GET", "/worklist"): frozenset({"counsellor"}),
    ("POST", "/worklist/next"): frozenset({"counsellor"}),
    ("GET", "/board"): frozenset({"counsellor", "planner", "auditor"}),
    ("GET", "/concerns/{reference}"): frozenset({"counsellor"}),
    ("POST", "/concerns/{reference}"): frozenset({"counsellor"}),
    ("GET", "/concerns/{reference}/recording"): frozenset({"counsellor", "auditor_audio"}),
    ("GET", "/concerns/{reference}/call-state"): frozenset({"counsellor"}),
    ("GET", "/desk"): frozenset({"desk"}),
    ("POST", "/desk"): frozenset({"desk"}),
    ("GET", "/desk/receipt/{reference}"): frozenset({"desk"}),
    ("GET", "/kontakt"): ANYONE,
    ("GET", "/kontakt/{region}"): ANYONE,
    ("POST", "/kontakt/{region}/senden"): ANYONE,
    ("GET", "/kontakt/{region}/senden"): ANYONE,
    ("GET", "/kontakt/{region}/danke/{reference}"): ANYONE,
    ("GET", "/api/concerns"): frozenset({"counsellor", "desk", "planner", "auditor"}),
    ("POST", "/api/concerns"): frozenset({"desk"}),
    ("GET", "/api/concerns/{reference}"): frozenset({"counsellor", "desk"}),
    ("POST", "/api/concerns/{reference}/claim"): frozenset({"counsellor"}),
    ("POST", "/api/concerns/{reference}/close"): frozenset({"counsellor"}),
    ("GET", "/counsellor"): frozenset({"counsellor"}),
    ("POST", "/counsellor"): frozenset({"counsellor"}),
    ("GET", "/outbox"): frozenset({"admin", "counsellor"}),
    ("GET", "/beratung"): frozenset({"counsellor"}),
    ("POST", "/beratung/termine"): frozenset({"counsellor"}),
    ("POST", "/beratung/termine/{slot}/zurueckziehen"): frozenset({"counsellor"}),
    ("POST", "/beratung/sitzungen/{booking}/ergebnis"): frozenset({"counsellor"}),
    ("POST", "/beratung/einladen"): frozenset({"counsellor"}),
    ("GET", "/beratung/sitzungen/{booking}/video"): frozenset({"counsellor"}),
    ("GET", "/planning"): frozenset({"planner", "admin"}),
    ("GET", "/planning/export/{table}.{format}"): frozenset({"planner", "admin"}),
    ("GET", "/audit"): frozenset({"auditor"}),
    ("GET", "/audit/export.csv"): frozenset({"auditor"}),
    ("GET", "/audit/contacts/{reference}"): frozenset({"auditor"}),
    ("GET", "/audit/promise"): frozenset({"auditor"}),
    ("GET", "/audit/promise.csv"): frozenset({"auditor"}),
    ("GET", "/termin/{token}"): ANYONE,
    ("POST", "/termin/{token}"): ANYONE,
    ("GET", "/buchung/{token}"): ANYONE,
    ("POST", "/buchung/{token}/absagen"): ANYONE,
    ("POST", "/buchung/{token}/verschieben"): ANYONE,
    ("GET", "/video/{token}"): ANYONE,
}
# Left out on purpose: /logout (it would end the visit; tests/e2e/test_staff_pages.py covers it),
# the static files and Twilio's webhooks (their own edge, tests/e2e/test_webhook_signatures.py).
NOT_VISITED = {("POST", "/logout"), ("GET", "/static")}


@pytest.fixture
async def members_and_a_concern(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> str:
    async with sessions.begin() as session:
        for username, roles in ROLES_OF.items():
            await create_user(session, username=username, password=PASSWORD, roles=list(roles), now=clock())
        new = NewConcern.check(
            {
                "region": "siegburg",
                "channel": "walk_in",
                "language": "de",
                "source_key": f"{SOURCE_PREFIX}role-matrix-form-01",
                "callback_number": "+4915112345678",
                "topic": "payment",
                "note": "Zahlung fehlt.",
            },
            deployment=DEPLOYMENT,
            now=clock(),
        )
        intake = await raise_concern(
            session, new, deployment=DEPLOYMENT, now=clock(), pseudonymiser=Pseudonymiser(TEST_SECRET)
        )
    return intake.concern.reference


def routes_of(client: Client) -> set[tuple[str, str]]:
    found = set()
    for route in client.server.app.router.routes():  # type: ignore[union-attr]
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if path and not path.startswith(WEBHOOK_PREFIX) and route.method != "HEAD":
            found.add((route.method, path))
    return found


def concrete(path: str, reference: str) -> str:
    values = {"reference": reference, "region": "siegburg", "slot": "1", "booking": "1", "token": "no-such-token"}
    return path.format(table="key-figures", format="csv", **values)


def expected(rule: str | frozenset[str], member: str | None) -> str:
    """ "allowed", "login" (nobody, asked to log in) or "forbidden"."""
    if rule == ANYONE:
        return "allowed"
    if member is None:
        return "login"
    return "allowed" if rule == STAFF or any(role in rule for role in ROLES_OF[member]) else "forbidden"


async def answer(client: Client, method: str, path: str, token: str) -> str:
    response = await client.request(
        method, path, data={"csrf_token": token} if method == "POST" else None, allow_redirects=False
    )
    location = response.headers.get("Location", "")
    if response.status == 401 or (response.status == 303 and location.startswith("/login")):
        return "login"
    if response.status == 403:
        return "forbidden"
    assert response.status < 500, f"{method} {path}: {response.status}"
    return "allowed"


async def test_the_table_names_every_staff_route(client: Client) -> None:
    assert routes_of(client) - NOT_VISITED == set(POLICY)


@pytest.mark.parametrize("member", [None, *ROLES_OF])
async def test_every_route_answers_each_role_as_the_table_says(
    client: Client, members_and_a_concern: str, member: str | None
) -> None:
    if member is not None:
        assert await log_in(client, member) == 303
    page = await client.get("/login" if member is None else "/profil")
    token = csrf_from(await page.text())
    wrong = []
    for (method, path), rule in sorted(POLICY.items()):
        if (method, path) == ("POST", "/login"):
            continue  # it would log the member in or out; tests/e2e/test_staff_pages.py covers it
        got = await answer(client, method, concrete(path, members_and_a_concern), token)
        if got != expected(rule, member):
            wrong.append(f"{method} {path}: {got}, the table says {expected(rule, member)}")
    assert wrong == []
