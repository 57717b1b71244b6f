"""The `hotline` command as an operator uses it: real processes, real databases, exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callbacks.intake import NewConcern, raise_concern
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from contacts.pseudonyms import Pseudonymiser
from telephony.prompts import PromptBook
from tests.processes import ROOT, ServedHotline, free_port, hotline_env, served_hotline
from tests.processes import run_hotline as run
from tests.support import ManualClock


@pytest.fixture
def env(tmp_path: Path, database_url: str, engine: AsyncEngine) -> dict[str, str]:
    """The environment of a command on an empty, migrated database (SQLite or PostgreSQL)."""
    return hotline_env(tmp_path / "var", HOTLINE_DATABASE_URL=database_url)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return hotline_env(tmp_path / "var")


@pytest.fixture
def server(sqlite_env: dict[str, str]) -> Iterator[ServedHotline]:
    run(["db", "upgrade"], sqlite_env)
    with served_hotline(sqlite_env) as served:
        yield served


def test_help_lists_the_commands(sqlite_env: dict[str, str]) -> None:
    out = run(["--help"], sqlite_env).stdout
    for command in ("serve", "db", "config", "users"):
        assert command in out


def test_config_check_prints_hours_per_week_as_json(sqlite_env: dict[str, str]) -> None:
    result = run(["config", "check", "--json"], sqlite_env)
    assert result.returncode == 0, result.stderr
    regions = json.loads(result.stdout)["regions"]
    assert regions[0]["id"] == "siegburg" and regions[0]["numbers"] == ["+4922419000100"]
    assert regions[0]["hours_per_week"] == {"hotline": 29.0, "counselling": 6.0}
    assert regions[1]["hours_per_week"]["hotline"] == 27.0


def test_config_check_of_a_bad_file_lists_every_error_and_exits_2(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.toml"
    text = EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8")
    bad.write_text(
        text.replace('tue = ["08:00-12:00", "13:00-15:00"]', 'tue = ["08:00-07:00"]', 1).replace(
            '"Europe/Berlin"', '"Europe/Bonn"'
        ),
        encoding="utf-8",
    )
    result = run(["config", "check", str(bad)], sqlite_env)
    assert result.returncode == 2
    assert 'regions.siegburg.hours.hotline.tue: "08:00-07:00" ends before it starts' in result.stderr
    assert 'timezone: unknown time zone "Europe/Bonn"' in result.stderr
    assert "Traceback" not in result.stderr


def test_users_are_added_from_stdin_and_listed(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    added = run(
        ["users", "add", "Anna", "--role", "counsellor", "--role", "desk", "--region", "siegburg", "--password-stdin"],
        env,
        stdin="correct horse battery\n",
    )
    assert added.returncode == 0, added.stderr
    again = run(["users", "add", "anna", "--role", "desk", "--password-stdin"], env, stdin="correct horse battery\n")
    assert again.returncode == 2 and 'a user "anna" exists already' in again.stderr
    granted = run(
        ["users", "add", "ines", "--role", "auditor", "--role", "auditor_audio", "--password-stdin"],
        env,
        stdin="correct horse battery\n",
    )
    assert granted.returncode == 0, granted.stderr
    listed = json.loads(run(["users", "list", "--json"], env).stdout)
    assert listed == [
        {"username": "anna", "name": "Anna", "roles": ["counsellor", "desk"], "regions": ["siegburg"], "active": True},
        {"username": "ines", "name": "ines", "roles": ["auditor", "auditor_audio"], "regions": [], "active": True},
    ]


def test_users_add_refuses_unknown_roles_regions_and_weak_passwords(env: dict[str, str]) -> None:
    role = run(["users", "add", "bob", "--role", "boss", "--password-stdin"], env, stdin="x" * 12)
    assert role.returncode == 2 and 'unknown role "boss"' in role.stderr
    region = run(["users", "add", "bob", "--role", "desk", "--region", "bonn", "--password-stdin"], env, stdin="x" * 12)
    assert region.returncode == 2 and "unknown region(s): bonn" in region.stderr
    grant = run(["users", "add", "bob", "--role", "auditor_audio", "--password-stdin"], env, stdin="x" * 12)
    assert grant.returncode == 2 and 'give it together with the role "auditor"' in grant.stderr
    weak = run(["users", "add", "bob", "--role", "desk", "--password-stdin"], env, stdin="short\n")
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr


def test_commands_on_an_unmigrated_database_say_what_to_run(sqlite_env: dict[str, str]) -> None:
    result = run(["users", "list"], sqlite_env)
    assert result.returncode == 1
    assert "run `hotline db upgrade`" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_and_unsupported_url_fail_clearly(sqlite_env: dict[str, str]) -> None:
    down = run(["db", "upgrade"], {**sqlite_env, "HOTLINE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"})
    assert down.returncode == 1
    assert "hotline: database postgresql://nobody@127.0.0.1:1/x is not reachable" in down.stderr
    mysql = run(["db", "upgrade"], {**sqlite_env, "HOTLINE_DATABASE_URL": "mysql://root@127.0.0.1/x"})
    assert mysql.returncode == 2 and 'unsupported database "mysql"' in mysql.stderr
    for result in (down, mysql):
        assert "Traceback" not in result.stderr


def test_bootstrap_creates_an_admin_once(env: dict[str, str]) -> None:
    first = run(["users", "bootstrap"], env)
    assert "created the staff account 'admin'" in first.stdout
    assert run(["users", "bootstrap"], env).stdout == ""
    assert [user["roles"] for user in json.loads(run(["users", "list", "--json"], env).stdout)] == [
        ["admin", "auditor", "auditor_audio", "counsellor", "desk", "planner"]
    ]


def test_serve_answers_logs_json_and_stops_gracefully_on_sigterm(server: ServedHotline) -> None:
    process, base = server.process, server.base_url
    with urllib.request.urlopen(f"{base}/healthz?secret=x", timeout=5) as response:
        request_id = response.headers["X-Request-Id"]
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert stdout.splitlines()[0] == f"Serving on {base}"  # printed once it listens, on the port asked for
    access = [json.loads(line) for line in stderr.splitlines() if line.startswith("{") and '"request"' in line]
    healthz = next(entry for entry in access if entry["path"] == "/healthz")
    assert healthz["request_id"] == request_id and healthz["status"] == 200
    assert "secret=x" not in stderr  # query strings can carry personal data and are not logged


def test_serve_says_when_its_port_is_taken_or_no_port(server: ServedHotline, sqlite_env: dict[str, str]) -> None:
    port = server.base_url.rpartition(":")[2]
    taken = run(["serve", "--port", port], sqlite_env)
    assert taken.returncode == 1 and "Traceback" not in taken.stderr
    assert f"hotline: cannot listen on {server.base_url}: " in taken.stderr and "choose another port" in taken.stderr
    assert "Serving on" not in taken.stdout
    nonsense = run(["serve", "--port", "80800"], sqlite_env)
    assert nonsense.returncode == 2 and '"80800" is not a port number (1 to 65535)' in nonsense.stderr


def test_make_run_serves_on_the_port_given(sqlite_env: dict[str, str]) -> None:
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8081"], env=sqlite_env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "hotline serve --host 127.0.0.1 --port 8081" in planned.stdout
    default = subprocess.run(
        ["make", "-n", "run"], env=sqlite_env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "hotline serve --host 127.0.0.1 --port 8080" in default.stdout


def test_serve_refuses_a_bad_deployment_file_with_its_errors(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8").replace('id = "troisdorf"', 'id = "siegburg"'), encoding="utf-8"
    )
    result = run(["serve", "--port", str(free_port())], {**sqlite_env, "HOTLINE_CONFIG": str(bad)})
    assert result.returncode == 2
    assert 'regions.siegburg.id: "siegburg" is used by regions[0] already' in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unreachable_database(sqlite_env: dict[str, str]) -> None:
    result = run(
        ["serve", "--port", str(free_port())],
        {**sqlite_env, "HOTLINE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
    )
    assert result.returncode == 1
    assert "is not reachable" in result.stderr and "Traceback" not in result.stderr


def test_route_answers_as_json_for_a_closed_line(sqlite_env: dict[str, str]) -> None:
    result = run(["route", "--to", "+49 2241 9000 100", "--at", "2026-12-28T10:00", "--json"], sqlite_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "region": "siegburg",
        "open": False,
        "reason": "closure",
        "detail": "Betriebsruhe zum Jahreswechsel",
        "next_opening": "2027-01-04T08:00:00+01:00",
        "closes_at": None,
        "offers": ["callback", "voicemail", "counselling_link"],
    }


def test_route_reads_local_time_without_offset_and_honours_an_offset(sqlite_env: dict[str, str]) -> None:
    local = run(["route", "--to", "02243 9000400", "--at", "2026-11-26T11:30", "--json"], sqlite_env)
    utc = run(["route", "--to", "02243 9000400", "--at", "2026-11-26T10:30Z", "--json"], sqlite_env)
    assert json.loads(local.stdout) == json.loads(utc.stdout)
    assert json.loads(local.stdout)["closes_at"] == "2026-11-26T12:00:00+01:00"
    text = run(["route", "--to", "02243 9000400", "--at", "2026-11-26T11:30"], sqlite_env)
    assert "eitorf (Geschäftsstelle Eitorf): open until 2026-11-26T12:00:00+01:00" in text.stdout
    closed = run(["route", "--to", "02243 9000400", "--at", "2026-12-28T10:00"], sqlite_env)
    assert "  opens again: 2027-01-04T08:00:00+01:00" in closed.stdout


def test_route_refuses_unknown_numbers_and_bad_times(sqlite_env: dict[str, str]) -> None:
    unknown = run(["route", "--to", "+49 30 1234567", "--at", "2026-11-26T10:00"], sqlite_env)
    assert unknown.returncode == 2 and "no region owns the number +49301234567" in unknown.stderr
    bad_time = run(["route", "--to", "+4922419000100", "--at", "next tuesday"], sqlite_env)
    assert bad_time.returncode == 2 and "is not an ISO 8601 date-time" in bad_time.stderr


def test_config_check_reports_languages_without_prompts(tmp_path: Path, sqlite_env: dict[str, str]) -> None:
    french = tmp_path / "fr.toml"
    text = EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8").replace(
        'languages = ["de", "en"]\n', 'languages = ["de", "fr"]\n'
    )
    french.write_text(text, encoding="utf-8")
    result = run(["config", "check", str(french)], sqlite_env)
    assert result.returncode == 0
    callers_hear = len(PromptBook.load().missing_translations(["fr"])["fr"])
    assert f"warning: prompts in 'fr' lack {callers_hear} text(s), callers hear German instead" in result.stdout
    as_json = json.loads(run(["config", "check", str(french), "--json"], sqlite_env).stdout)
    assert "welcome" in as_json["missing_translations"]["fr"]
    assert "de" not in as_json["missing_translations"]


def test_simulate_call_prints_what_the_caller_hears(server: ServedHotline, sqlite_env: dict[str, str]) -> None:
    command = ["simulate", "call", "--to", "+49 2241 9000 100", "--url", server.base_url, "--press", "2", "--requests"]
    result = run(command, sqlite_env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    says = [line for line in lines if "Say (" in line]
    assert (
        says[0] == "1  Say (de-DE, Polly.Vicki-Neural): Herzlich willkommen beim Jobcenter, Geschäftsstelle Siegburg."
    )
    assert "1  Press: 2" in lines
    # the key reached the service, and the rest of the call is in English, open or closed
    assert any(line.endswith("POST /twilio/voice/language  Digits=2") for line in lines), result.stdout
    later = [line for line in says if not line.startswith("1 ")]
    assert later and all("(en-GB, Polly.Amy-Neural)" in line for line in later)


async def test_concerns_list_shows_the_queue_without_personal_data(
    env: dict[str, str], sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    clock.advance(microseconds=250_000)  # stored to the microsecond, printed to the second
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    new = NewConcern.check(
        {
            "region": "eitorf",
            "channel": "walk_in",
            "language": "de",
            "source_key": "cli:1",
            "callback_number": "+4915112345678",
            "topic": "payment",
            "note": "Kündigung erhalten",
        },
        deployment=deployment,
        now=clock(),
    )
    async with sessions.begin() as session:
        concern = (
            await raise_concern(session, new, deployment=deployment, now=clock(), pseudonymiser=Pseudonymiser("k" * 40))
        ).concern
    listed = run(["concerns", "list", "--region", "eitorf", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["reference"], row["urgency"], row["channel"]) == (concern.reference, "urgent", "walk_in")
    # Local time with its offset, to the second: as an operator reads `date`, not UTC with microseconds.
    local_due = concern.due_at.astimezone(deployment.zone).replace(microsecond=0).isoformat()
    assert row["due_at"] == local_due and row["due_at"].endswith("+01:00")
    assert row["created_at"] == "2026-11-26T10:30:00+01:00"
    text = run(["concerns", "list", "--region", "eitorf"], env).stdout
    assert f"due {local_due}" in text
    assert "Kündigung" not in listed.stdout and "5112345678" not in listed.stdout
    assert json.loads(run(["concerns", "list", "--status", "closed", "--json"], env).stdout) == []
    unknown = run(["concerns", "list", "--region", "bonn"], env)
    assert unknown.returncode == 2 and "unknown region bonn" in unknown.stderr
