"""`hotline counselling …` as an operator runs it: real processes, real databases, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from service.counselling import build_counselling
from staff.accounts import create_user
from storage.clock import system_clock
from telephony.outbound.models import OutboxEntry
from tests.processes import free_port, hotline_env
from tests.processes import run_hotline as run
from tests.support import TEST_SECRET, make_settings
from video.models import CounsellingSlot

DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
# A Monday far enough ahead to stay in the future; Siegburg counsels on Mondays 16-19.
MONDAY = "2030-09-02"
MOBILE = "+4915112345678"


@pytest.fixture
async def env(tmp_path: Path, database_url: str, sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """A migrated database (SQLite or PostgreSQL) with anna, a counsellor in Siegburg: added in
    this process, a second or more saved per test (`hotline users add` is tested in test_command_line.py)."""
    async with sessions.begin() as session:
        await create_user(
            session,
            username="anna",
            password="correct horse battery",
            roles=["counsellor"],
            regions=["siegburg"],
            now=system_clock(),
        )
    return hotline_env(tmp_path / "var", HOTLINE_DATABASE_URL=database_url)


def add_slot(env: dict[str, str], *extra: str) -> tuple[int, str, str]:
    args = ["counselling", "slots", "add", "--region", "siegburg", "--counsellor", "anna", *extra]
    result = run(args, env)
    return result.returncode, result.stdout, result.stderr


class Texts:
    """Where the booking's confirmation goes in this process: nowhere."""

    def send(self, **message: Any) -> None:
        pass


async def slot_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CounsellingSlot)) or 0)


async def test_slots_are_added_inside_the_hours_and_outside_only_with_a_reason(
    env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    code, out, err = add_slot(env, "--start", f"{MONDAY}T16:00", "--kind", "video", "--json")
    assert code == 0, err
    [slot] = json.loads(out)
    assert slot["starts_at"] == f"{MONDAY}T16:00:00+02:00" and slot["ends_at"] == f"{MONDAY}T16:30:00+02:00"
    assert slot["counsellor"] == "anna" and slot["kind"] == "video" and slot["reason"] is None

    code, out, err = add_slot(env, "--start", f"{MONDAY}T20:00")
    assert code == 1 and "outside_hours_without_reason" in err and "give a reason" in err
    assert "Traceback" not in err
    code, out, err = add_slot(env, "--start", f"{MONDAY}T20:00", "--reason", "Schichtarbeit", "--weeks", "2")
    assert code == 0, err
    assert "published 2 slot(s)" in out and "2030-09-09T20:00:00+02:00" in out
    assert await slot_count(sessions) == 3


async def test_refused_slots_write_nothing_and_say_why(
    env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert add_slot(env, "--start", f"{MONDAY}T16:00")[0] == 0
    overlapping = add_slot(env, "--start", f"{MONDAY}T16:15")
    assert overlapping[0] == 1 and "slot_overlaps" in overlapping[2]
    past = add_slot(env, "--start", "2020-01-06T16:00")
    assert past[0] == 1 and "slot_in_past" in past[2]
    bad_time = add_slot(env, "--start", "Montag")
    assert bad_time[0] == 2 and "not an ISO 8601 date-time" in bad_time[2]
    stranger = run(
        ["counselling", "slots", "add", "--region", "siegburg", "--counsellor", "bob", "--start", f"{MONDAY}T17:00"],
        env,
    )
    assert stranger.returncode == 2 and 'no active staff account "bob"' in stranger.stderr
    elsewhere = run(
        ["counselling", "slots", "add", "--region", "troisdorf", "--counsellor", "anna", "--start", f"{MONDAY}T17:00"],
        env,
    )
    assert elsewhere.returncode == 2 and "does not serve the region troisdorf" in elsewhere.stderr
    nowhere = run(
        ["counselling", "slots", "add", "--region", "bonn", "--counsellor", "anna", "--start", f"{MONDAY}T17:00"],
        env,
    )
    assert nowhere.returncode == 2 and "unknown region bonn" in nowhere.stderr
    assert await slot_count(sessions) == 1


async def test_link_sends_a_booking_link_to_the_outbox_and_prints_it(
    env: dict[str, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    result = run(["counselling", "link", "--region", "siegburg", "--to", "0151 12345678", "--json"], env)
    assert result.returncode == 0, result.stderr
    url = json.loads(result.stdout)["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:8080/termin/[A-Za-z0-9_-]{22}\.[0-9a-z]+\.[A-Za-z0-9_-]{22}", url)
    async with sessions() as session:
        [sms] = list(await session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "sms")))
    assert sms.to_number == MOBILE and url in (sms.body or "")
    landline = run(["counselling", "link", "--region", "siegburg", "--to", "02241 1234567"], env)
    assert landline.returncode == 2 and "number_cannot_text" in landline.stderr


async def test_list_shows_slots_and_bookings_without_personal_data(
    env: dict[str, str], sessions: async_sessionmaker[AsyncSession], tmp_path: Path, database_url: str
) -> None:
    env["HOTLINE_SECRET_KEY"] = TEST_SECRET  # the links the command signs are booked below, in this process
    code, out, err = add_slot(env, "--start", f"{MONDAY}T16:00", "--json")
    assert code == 0, err
    [first] = json.loads(out)
    assert add_slot(env, "--start", f"{MONDAY}T17:00", "--kind", "phone")[0] == 0
    sent = run(["counselling", "link", "--region", "siegburg", "--to", MOBILE, "--json"], env)
    token = json.loads(sent.stdout)["url"].rsplit("/", 1)[1]
    counselling = build_counselling(make_settings(tmp_path, database_url), sessions, DEPLOYMENT, system_clock, Texts())
    await counselling.book(token=token, slot_id=first["id"], mode="video", first_name="Jana")

    result = run(["counselling", "list", "--json"], env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(row["starts_at"], row["counsellor"], row["kind"], row["status"], row["mode"]) for row in listed] == [
        (f"{MONDAY}T16:00:00+02:00", "anna", "either", "booked", "video"),
        (f"{MONDAY}T17:00:00+02:00", "anna", "phone", "free", None),
    ]
    assert "12345678" not in result.stdout and "Jana" not in result.stdout
    assert json.loads(run(["counselling", "list", "--json", "--region", "troisdorf"], env).stdout) == []
    text = run(["counselling", "list"], env).stdout
    assert "2 slot(s) from now on" in text


# About the text message's failure, not the database: SQLite alone spares PostgreSQL's run of the retries' 3.5 s.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_link_says_when_twilio_cannot_take_the_text_message(env: dict[str, str]) -> None:
    unreachable = {
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "TWILIO_AUTH_TOKEN": "auth-token-of-the-test-account-0123456789",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens there
    }
    result = run(["counselling", "link", "--region", "siegburg", "--to", MOBILE, "--json"], env | unreachable)
    assert result.returncode == 1
    assert "the text message could not be sent" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
