"""A customer on a phone books a counselling slot with the link from our SMS, sees the
confirmation, and cancels; a slot taken meanwhile is said plainly; the video join page waits
and says when a link has run out. Every state passes axe-core."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from yarl import URL

from config.loader import load_deployment
from config.settings import load_settings
from contacts.pseudonyms import Pseudonymiser
from staff.models import StaffUser
from storage.engine import create_engine, session_factory
from tests.browser.conftest import assert_accessible, browser_tab
from tests.processes import ServedHotline
from video.links import LinkSigner, new_link_key
from video.service import Counselling
from video.session_tokens import DEVELOPMENT_API_KEY_SID, VideoCredentials

pytestmark = pytest.mark.browser

MOBILE = "+4915112345678"
T = TypeVar("T")


def aside(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own in a thread (Playwright's sync API holds this one's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result(30)


class Office:
    """What the counsellor and the SMS would do, straight on the served app's database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.settings = load_settings(env)
        self.deployment = load_deployment(self.settings.config_path)
        self.signer = LinkSigner(self.settings.secret_key)

    async def _counselling(self, work: Any) -> Any:
        engine = create_engine(self.settings.database_url)
        try:
            service = Counselling(
                sessions=session_factory(engine),
                deployment=self.deployment,
                clock=lambda: dt.datetime.now(dt.UTC),
                pseudonymiser=Pseudonymiser(self.settings.secret_key),
                signer=self.signer,
                urls=lambda purpose, token: f"/{purpose}/{token}",
                texts=lambda: None,  # no SMS from the test's side
                credentials=VideoCredentials(
                    self.settings.video_secret, "AC" + "0" * 32, DEVELOPMENT_API_KEY_SID, "x" * 32, True
                ),
            )
            return await work(service)
        finally:
            await engine.dispose()

    def publish(self, start: dt.datetime, kind: str) -> int:
        async def work(service: Counselling) -> int:
            async with service.sessions() as session:
                anna = await session.scalar(select(StaffUser.id).where(StaffUser.username == "anna"))
            assert anna is not None
            [slot] = await service.publish(
                counsellor_id=anna, region_id="siegburg", start=start, kind=kind, reason="Test im Browser"
            )
            return slot.id

        return int(aside(self._counselling(work)))

    def booking_link(self) -> str:
        """The path of a fresh booking link, as the SMS carries it."""

        async def work(service: Counselling) -> str:
            sent = await service.invite(region_id="siegburg", number=MOBILE, language="de", source="staff")
            return URL(sent.url).name

        return f"/termin/{aside(self._counselling(work))}"

    def book(self, link: str, slot_id: int, mode: str) -> str:
        """Someone else books with their link; returns the path of the join link (video)."""

        async def work(service: Counselling) -> str:
            view = await service.book(token=link.rsplit("/", 1)[1], slot_id=slot_id, mode=mode)
            return f"/video/{URL(view.join_url or '').name}"

        return str(aside(self._counselling(work)))

    def expired_join_link(self) -> str:
        gone = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        return f"/video/{self.signer.sign('join', new_link_key(), gone)}"


@pytest.fixture(scope="module")
def office(hotline: ServedHotline, served_env: dict[str, str]) -> Office:
    return Office(served_env)


@pytest.fixture
def phone(browser: Any, hotline: ServedHotline) -> Iterator[Any]:
    """A page in a phone-sized viewport with touch, as most customers will see it."""
    with browser_tab(
        browser,
        hotline.base_url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    ) as tab:
        yield tab


def tomorrow_at(hour: int, office: Office) -> dt.datetime:
    """A wall-clock hour tomorrow where the deployment is (slots outside hours carry a reason)."""
    local = dt.datetime.now(office.deployment.zone) + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_a_customer_books_on_a_phone_sees_the_confirmation_and_cancels(phone: Any, office: Office) -> None:
    slot = office.publish(tomorrow_at(10, office), "either")
    phone.goto(office.booking_link())
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Beratungstermin buchen")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    assert_accessible(phone, "counselling booking page")

    phone.locator(f"#choice-{slot}-phone").check()
    phone.get_by_role("button", name="Termin buchen").click()
    expect(phone.get_by_role("status")).to_contain_text("Ihr Termin ist gebucht.")
    expect(phone.get_by_text("Telefonberatung: Wir rufen Sie zu dieser Zeit an")).to_be_visible()
    assert_accessible(phone, "counselling booking confirmed (own booking page)")

    phone.get_by_role("button", name="Termin absagen").click()
    expect(phone.get_by_role("status")).to_contain_text("Ihr Termin ist abgesagt.")
    expect(phone.get_by_text("Dieser Termin ist abgesagt.")).to_be_visible()
    assert_accessible(phone, "counselling booking cancelled")


def test_a_slot_taken_meanwhile_is_said_plainly(phone: Any, office: Office) -> None:
    slot = office.publish(tomorrow_at(11, office), "video")
    mine, theirs = office.booking_link(), office.booking_link()
    phone.goto(mine)
    phone.locator(f"#choice-{slot}-video").check()
    phone.get_by_label("Vorname (freiwillig)").fill("Erika")
    office.book(theirs, slot, "video")
    phone.get_by_role("button", name="Termin buchen").click()
    expect(phone.get_by_role("alert")).to_contain_text("Dieser Termin wurde gerade vergeben.")
    expect(phone.get_by_label("Vorname (freiwillig)")).to_have_value("Erika")
    assert_accessible(phone, "counselling booking refused: slot taken")


def test_the_join_page_waits_and_an_expired_link_says_what_to_do(phone: Any, office: Office) -> None:
    slot = office.publish(tomorrow_at(12, office), "video")
    join = office.book(office.booking_link(), slot, "video")
    phone.goto(join)
    expect(phone.get_by_text("Der Raum öffnet 10 Minuten vor Beginn")).to_be_visible()
    expect(phone.get_by_role("link", name="Seite neu laden")).to_be_visible()
    assert_accessible(phone, "video join page: waiting")

    phone.goto(office.expired_join_link())
    expect(phone.get_by_role("heading", level=1)).to_have_text("Dieser Link ist abgelaufen")
    assert_accessible(phone, "video join page: link expired")


# Jitsi's IFrame API as far as video_join_jitsi.js uses it: the meeting's frame in the given node.
# The domain does not exist here; the browser is answered this instead (no network leaves loopback).
JITSI_STUB = """
window.JitsiMeetExternalAPI = function (domain, options) {
  const frame = document.createElement("iframe");
  frame.dataset.room = options.roomName;
  options.parentNode.appendChild(frame);
  this.getIFrame = () => frame;
  this.addListener = () => {};
  this.dispose = () => frame.remove();
};
"""


def test_the_join_page_opens_the_meeting_in_its_window(phone: Any, office: Office) -> None:
    soon = dt.datetime.now(office.deployment.zone).replace(second=0, microsecond=0) + dt.timedelta(minutes=6)
    slot = office.publish(soon, "video")
    join = office.book(office.booking_link(), slot, "video")
    phone.route(
        "https://video.jobcenter.example/external_api.js",
        lambda route: route.fulfill(status=200, content_type="text/javascript", body=JITSI_STUB),
    )
    phone.goto(join)
    frame = phone.locator("#video-session iframe")
    expect(frame).to_have_attribute("title", "Videoberatung")
    assert frame.get_attribute("data-room") == phone.locator("#video-session").get_attribute("data-room")
    assert_accessible(phone, "video join page: open (Jitsi's script answered by a stub)")
