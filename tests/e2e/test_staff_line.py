"""The staff line: counsellors get a PIN from the service (shown once) and use it from one of their
own phones, or after their staff number from any phone; the PIN is only ever checked for one
counsellor, and wrong PINs block the caller number for a while. Driven through signed webhooks."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service import keys
from staff.accounts import create_user
from staff.models import StaffUser
from telephony.counsellors.models import CounsellorPresence, StaffLineBlock, StaffLineFailure
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.support import ManualClock, csrf_from
from tests.twilio_requests import FakeTwilio, first, new_sid, said

STAFF_LINE = "+4922419000199"
ANNAS_PHONE = "+491712345678"  # the phone she is rung on
ANNAS_DESK = "+4922419000150"
STRANGER = "+4915112345678"
ANONYMOUS, RESTRICTED = "+266696687", "+7378742833"  # how Twilio spells withheld numbers
GOODBYE = "Vielen Dank für Ihren Anruf. Auf Wiederhören."
ASK_PIN = "Staff-Line des Jobcenters. Bitte geben Sie Ihre PIN ein und drücken Sie die Rautetaste."
ASK_STAFF_NUMBER = "Staff-Line des Jobcenters. Bitte geben Sie Ihre Personalnummer ein und drücken Sie die Rautetaste."
ASK_PIN_AFTER_NUMBER = "Bitte geben Sie jetzt Ihre PIN ein und drücken Sie die Rautetaste."
WRONG_PIN = "Diese PIN ist nicht richtig."
WRONG_NUMBER_OR_PIN = "Personalnummer oder PIN ist nicht richtig."
ASK_STAFF_NUMBER_AGAIN = "Bitte geben Sie Ihre Personalnummer noch einmal ein und drücken Sie die Rautetaste."
NOBODY_WAITS = "Zurzeit wartet niemand. Vielen Dank."
BLOCKED_UNTIL = (
    "Nach mehreren falschen PINs nimmt die Staff-Line von dieser Rufnummer bis {time} Uhr keine PIN an. "
    "Bitte versuchen Sie es danach noch einmal."
)
_NEW_PIN = re.compile(r'<p class="new-pin"><strong>(\d+)</strong></p>')
_STAFF_NUMBER = re.compile(r"<dd><strong>(\d+)</strong></dd>")


@dataclass(frozen=True)
class Issued:
    pin: str
    staff_number: str


async def post_form(client: Client, **fields: str) -> tuple[int, str]:
    page = await client.get("/counsellor")
    response = await client.post("/counsellor", data=fields | {"csrf_token": csrf_from(await page.text())})
    return response.status, await response.text()


async def issue_pin(client: Client) -> Issued:
    status, page = await post_form(client, action="pin")
    assert status == 200
    pin, staff_number = _NEW_PIN.search(page), _STAFF_NUMBER.search(page)
    assert pin is not None and staff_number is not None, page
    return Issued(pin.group(1), staff_number.group(1))


async def anna_with_pin(client: Client, phone: str = "0171 2345678") -> Issued:
    """anna logs in, gives the phone she is rung on, and gets a PIN."""
    await log_in(client, "anna")
    status, _ = await post_form(client, action="available", phone=phone, region="siegburg")
    assert status == 200  # followed the redirect
    return await issue_pin(client)


async def add_bert(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    """A second counsellor in Siegburg."""
    async with sessions.begin() as session:
        await create_user(
            session, username="bert", password=PASSWORD, roles=["counsellor"], regions=["siegburg"], now=clock()
        )


def staff_line_call(caller: FakeTwilio, number: str) -> FakeTwilio:
    return FakeTwilio(caller.client, caller.settings, to=STAFF_LINE, caller=number, call_sid=new_sid("CA"))


def has(document: ET.Element | str, tag: str) -> bool:
    assert isinstance(document, ET.Element), f"not TwiML: {document!r}"
    return document.find(f".//{tag}") is not None


def heard(document: ET.Element | str) -> list[str]:
    """What the caller hears before keying in: a <Gather> is followed by a goodbye for the
    caller who keys in nothing, which is left out here."""
    spoken = said(document)
    if has(document, "Gather"):
        assert spoken[-1] == GOODBYE, spoken  # never a silent hang-up
        return spoken[:-1]
    return spoken


def gather_action(document: ET.Element | str) -> str:
    action = first(document, "Gather").get("action")
    assert action is not None
    return action


async def dial_in(
    caller: FakeTwilio, number: str, *, pin: str, staff_number: str | None = None
) -> tuple[list[list[str]], ET.Element | str]:
    """A whole call on the staff line, keying in what it asks for: what it said at each step, and its last TwiML."""
    call = staff_line_call(caller, number)
    _, answer = await call.post("/twilio/voice")
    steps = [heard(answer)]
    if staff_number is not None:
        assert steps[0] == [ASK_STAFF_NUMBER], steps
        _, answer = await call.post(gather_action(answer), Digits=staff_number)
        steps.append(heard(answer))
    if has(answer, "Gather"):
        _, answer = await call.post(gather_action(answer), Digits=pin)
        steps.append(heard(answer))
    return steps, answer


async def a_caller_waits(caller: FakeTwilio) -> None:
    await caller.post("/twilio/voice/route?lang=de")
    await caller.client.app[keys.DISPATCHER].drain()  # anna, available, is rung meanwhile


# --- the PIN on the page ----------------------------------------------------------------------------


async def test_a_new_pin_is_shown_once_and_never_again(
    app_client: tuple[Client, FakeTwilio], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    before = await (await client.get("/counsellor")).text()
    assert "noch keine" in before and "PIN ausstellen" in before

    page = await client.get("/counsellor")
    response = await client.post("/counsellor", data={"csrf_token": csrf_from(await page.text()), "action": "pin"})
    shown = await response.text()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert not response.history  # answered directly, not redirected: the PIN is in no URL
    match = _NEW_PIN.search(shown)
    assert match is not None and re.fullmatch(r"\d{6}", match.group(1))
    pin = match.group(1)
    assert "sie wird nur dieses eine Mal angezeigt" in shown

    again = await (await client.get("/counsellor")).text()
    assert _NEW_PIN.search(again) is None and f">{pin}<" not in again
    assert "ausgestellt am 26.11.2026, 10:30" in again and "Neue PIN ausstellen" in again
    async with sessions() as session:
        stored = await session.scalar(select(CounsellorPresence))
    assert stored is not None and stored.pin_digest is not None and pin not in stored.pin_digest
    assert stored.staff_number is not None and re.fullmatch(r"\d{5}", stored.staff_number)
    assert f"<dd><strong>{stored.staff_number}</strong></dd>" in again  # the staff number stays visible


async def test_renewing_the_pin_makes_the_old_one_useless(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    old = await anna_with_pin(client)
    new = await issue_pin(client)
    assert new.staff_number == old.staff_number  # only the PIN changes
    await a_caller_waits(caller)

    if old.pin != new.pin:  # the same six digits again: one in a million
        steps, answer = await dial_in(caller, ANNAS_PHONE, pin=old.pin)
        assert steps[-1][0] == WRONG_PIN and not has(answer, "Queue")
    _, bridge = await dial_in(caller, ANNAS_PHONE, pin=new.pin)
    assert first(bridge, "Queue").text == "siegburg"


async def test_the_page_never_tells_whether_a_pin_is_taken_and_takes_no_chosen_pin(
    app_client: tuple[Client, FakeTwilio], sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    await add_bert(sessions, clock)
    await log_in(client, "anna")
    annas = await issue_pin(client)
    await log_in(client, "bert")
    for _ in range(5):  # the old form's fields are ignored: the service picks the PIN
        status, page = await post_form(client, action="pin", pin=annas.pin, pin_repeat=annas.pin)
        assert status == 200 and "vergeben" not in page
    status, _ = await post_form(client, action="set_pin", pin=annas.pin)
    assert status == 400  # there is no way to choose a PIN
    async with sessions() as session:
        digests = list(await session.scalars(select(CounsellorPresence.pin_digest)))
    assert len(set(digests)) == 2  # salted with the counsellor: even equal PINs would not show


# --- who may key in a PIN ---------------------------------------------------------------------------


async def test_the_right_pin_from_a_strangers_number_is_refused(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    await a_caller_waits(caller)
    call = staff_line_call(caller, STRANGER)
    _, ask = await call.post("/twilio/voice")
    assert heard(ask) == [ASK_STAFF_NUMBER] and "step=staff_number" in gather_action(ask)

    # Skipping the staff number (as if calling from anna's phone) checks the PIN against nobody.
    _, refused = await call.post("/twilio/staff/pin?region=siegburg&attempt=1", Digits=annas.pin)
    assert heard(refused)[0] == WRONG_PIN and not has(refused, "Queue")


async def test_the_pin_from_the_counsellors_own_phone_connects(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    steps, _ = await dial_in(caller, ANNAS_PHONE, pin=annas.pin)
    assert steps == [[ASK_PIN], [NOBODY_WAITS, GOODBYE]]

    await a_caller_waits(caller)
    steps, bridge = await dial_in(caller, ANNAS_PHONE, pin=annas.pin)
    assert first(bridge, "Queue").text == "siegburg"
    assert steps[-1] == ["Sie werden mit dem Anrufer verbunden, der am längsten wartet."]


async def test_three_wrong_pins_end_a_call_politely(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    wrong = "000000" if annas.pin != "000000" else "111111"
    call = staff_line_call(caller, ANNAS_PHONE)
    _, answer = await call.post("/twilio/voice")
    heard_in_turn = []
    for _ in range(3):
        _, answer = await call.post(gather_action(answer), Digits=wrong)
        heard_in_turn.append(heard(answer))
    assert heard_in_turn == [
        [WRONG_PIN, "Bitte geben Sie Ihre PIN noch einmal ein und drücken Sie die Rautetaste."],
        [WRONG_PIN, "Bitte geben Sie Ihre PIN noch einmal ein und drücken Sie die Rautetaste."],
        [WRONG_PIN, GOODBYE],
    ]
    assert has(answer, "Hangup") and not has(answer, "Gather")


async def test_a_further_phone_of_the_counsellor_takes_the_pin_alone_until_removed(
    app_client: tuple[Client, FakeTwilio],
) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    status, page = await post_form(client, action="add_phone", staff_line_phone="02241 9000 150")
    assert status == 200 and "Das Telefon ist gespeichert." in page and ANNAS_DESK in page
    await a_caller_waits(caller)
    _, bridge = await dial_in(caller, ANNAS_DESK, pin=annas.pin)
    assert first(bridge, "Queue").text == "siegburg"

    status, page = await post_form(client, action="remove_phone", number=ANNAS_DESK)
    assert status == 200 and "Das Telefon ist entfernt." in page and ANNAS_DESK not in page
    _, ask = await staff_line_call(caller, ANNAS_DESK).post("/twilio/voice")
    assert heard(ask) == [ASK_STAFF_NUMBER]


async def test_a_counsellor_keeps_at_most_three_further_phones(app_client: tuple[Client, FakeTwilio]) -> None:
    client, _ = app_client
    await log_in(client, "anna")
    for number in ("0171 1111111", "0171 2222222", "0171 3333333"):
        status, _ = await post_form(client, action="add_phone", staff_line_phone=number)
        assert status == 200
    status, page = await post_form(client, action="add_phone", staff_line_phone="0171 4444444")
    assert status == 400 and "Es können höchstens drei weitere Telefone gespeichert werden." in page


async def test_a_phone_two_counsellors_share_asks_for_the_staff_number(
    app_client: tuple[Client, FakeTwilio], sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client, phone="02241 9000 150")
    await add_bert(sessions, clock)
    await log_in(client, "bert")
    status, _ = await post_form(client, action="add_phone", staff_line_phone="02241 9000 150")
    assert status == 200  # allowed, and nothing said about anna
    await a_caller_waits(caller)
    _, bridge = await dial_in(caller, ANNAS_DESK, pin=annas.pin, staff_number=annas.staff_number)
    assert first(bridge, "Queue").text == "siegburg"


async def test_a_colleagues_pin_does_not_open_the_line_from_ones_own_phone(
    app_client: tuple[Client, FakeTwilio], sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, caller = app_client
    await anna_with_pin(client)
    await add_bert(sessions, clock)
    await log_in(client, "bert")
    berts = await issue_pin(client)
    await a_caller_waits(caller)
    steps, answer = await dial_in(caller, ANNAS_PHONE, pin=berts.pin)
    assert steps[-1][0] == WRONG_PIN and not has(answer, "Queue")


async def test_staff_number_and_pin_from_any_number_connect(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    await a_caller_waits(caller)
    for number in (STRANGER, ANONYMOUS):
        steps, bridge = await dial_in(caller, number, pin=annas.pin, staff_number=annas.staff_number)
        assert steps[1] == [ASK_PIN_AFTER_NUMBER]
        assert first(bridge, "Queue").text == "siegburg"


async def test_an_unknown_staff_number_is_not_told_apart_from_a_wrong_pin(
    app_client: tuple[Client, FakeTwilio],
) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    unknown = "99999" if annas.staff_number != "99999" else "88888"
    steps, _ = await dial_in(caller, STRANGER, pin=annas.pin, staff_number=unknown)
    assert steps[1:] == [[ASK_PIN_AFTER_NUMBER], [WRONG_NUMBER_OR_PIN, ASK_STAFF_NUMBER_AGAIN]]
    wrong_pin = "000000" if annas.pin != "000000" else "111111"
    steps, _ = await dial_in(caller, STRANGER, pin=wrong_pin, staff_number=annas.staff_number)
    assert steps[1:] == [[ASK_PIN_AFTER_NUMBER], [WRONG_NUMBER_OR_PIN, ASK_STAFF_NUMBER_AGAIN]]


async def test_a_closed_account_cannot_use_its_pin(
    app_client: tuple[Client, FakeTwilio], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    async with sessions.begin() as session:
        anna = await session.scalar(select(StaffUser).where(StaffUser.username == "anna"))
        assert anna is not None
        anna.active = False
    await a_caller_waits(caller)
    steps, answer = await dial_in(caller, ANNAS_PHONE, pin=annas.pin)
    assert steps[-1][0] == WRONG_PIN and not has(answer, "Queue")


# --- wrong PINs -------------------------------------------------------------------------------------


async def test_five_wrong_pins_block_the_number_for_fifteen_minutes(
    app_client: tuple[Client, FakeTwilio],
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    await a_caller_waits(caller)
    wrong = "000000" if annas.pin != "000000" else "111111"
    caplog.set_level(logging.INFO, logger="hotline.staff_line")

    # Three wrong PINs end a call; two more in the next calls, a minute later, block the number.
    call = staff_line_call(caller, STRANGER)
    _, answer = await call.post("/twilio/voice")
    for attempt in range(1, 4):
        _, answer = await call.post(gather_action(answer), Digits=annas.staff_number)
        _, answer = await call.post(gather_action(answer), Digits=wrong)
        assert heard(answer) == (
            [WRONG_NUMBER_OR_PIN, GOODBYE] if attempt == 3 else [WRONG_NUMBER_OR_PIN, ASK_STAFF_NUMBER_AGAIN]
        )
    assert has(answer, "Hangup")
    clock.advance(minutes=1)
    steps, _ = await dial_in(caller, STRANGER, pin=wrong, staff_number=annas.staff_number)
    assert steps[-1] == [WRONG_NUMBER_OR_PIN, ASK_STAFF_NUMBER_AGAIN]
    steps, blocked = await dial_in(caller, STRANGER, pin=wrong, staff_number=annas.staff_number)
    assert steps[-1] == [BLOCKED_UNTIL.format(time="10:46"), GOODBYE]  # 10:31 in Siegburg, plus 15 minutes
    assert has(blocked, "Hangup") and not has(blocked, "Gather")

    # Blocked, even with the right staff number and PIN: a polite refusal at once, never silence.
    clock.advance(minutes=14, seconds=59)
    _, refused = await staff_line_call(caller, STRANGER).post("/twilio/voice")
    assert heard(refused) == [BLOCKED_UNTIL.format(time="10:46"), GOODBYE] and has(refused, "Hangup")
    _, refused = await staff_line_call(caller, STRANGER).post(
        f"/twilio/staff/pin?region=siegburg&attempt=1&staff={annas.staff_number}", Digits=annas.pin
    )
    assert heard(refused)[0] == BLOCKED_UNTIL.format(time="10:46") and not has(refused, "Queue")
    _, bridge = await dial_in(caller, ANNAS_PHONE, pin=annas.pin)  # another number is not affected
    assert first(bridge, "Queue").text == "siegburg"

    await a_caller_waits(caller)
    clock.advance(seconds=1)  # fifteen minutes after the fifth wrong PIN
    _, bridge = await dial_in(caller, STRANGER, pin=annas.pin, staff_number=annas.staff_number)
    assert first(bridge, "Queue").text == "siegburg"

    async with sessions() as session:
        stored = list(await session.scalars(select(StaffLineBlock.caller_key)))
        stored += list(await session.scalars(select(StaffLineFailure.caller_key)))
    assert stored and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in stored)  # a pseudonym, not the number
    assert [r.getMessage() for r in caplog.records].count("staff line blocks a caller number after wrong PINs") == 1
    assert all(STRANGER[1:] not in repr(vars(record)) for record in caplog.records)


async def test_withheld_numbers_share_one_stricter_allowance(app_client: tuple[Client, FakeTwilio]) -> None:
    client, caller = app_client
    annas = await anna_with_pin(client)
    wrong = "000000" if annas.pin != "000000" else "111111"
    for _ in range(2):
        steps, _ = await dial_in(caller, ANONYMOUS, pin=wrong, staff_number=annas.staff_number)
        assert steps[-1] == [WRONG_NUMBER_OR_PIN, ASK_STAFF_NUMBER_AGAIN]
    steps, _ = await dial_in(caller, RESTRICTED, pin=wrong, staff_number=annas.staff_number)
    assert steps[-1][0].startswith("Nach mehreren falschen PINs")  # the third withheld one blocks them all
    _, refused = await staff_line_call(caller, ANONYMOUS).post("/twilio/voice")
    assert heard(refused)[0].startswith("Nach mehreren falschen PINs")
    _, ask = await staff_line_call(caller, STRANGER).post("/twilio/voice")
    assert heard(ask) == [ASK_STAFF_NUMBER]  # a number that shows itself is not affected
