"""The worklist as a table to triage by: who the customer is and who holds the concern, sorted
by any column on the server, filtered by status (closed and unreachable of the last 30 days),
paged, and never showing another region's concern."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callbacks.claims import claim
from callbacks.models import Concern
from callbacks.outcomes import close_concern
from contacts.pseudonyms import Pseudonymiser
from service import keys
from staff.accounts import create_user
from tests.e2e.conftest import PASSWORD, Client, log_in
from tests.e2e.test_worklist import anna_id, raise_one
from tests.support import TEST_SECRET, ManualClock
from tests.twilio_requests import FakeTwilio

Setup = tuple[Client, FakeTwilio]
LEASE = dt.timedelta(minutes=15)


@dataclass
class Header:
    text: str = ""
    href: str = ""
    aria_sort: str | None = None


class Table(HTMLParser):
    """The worklist table of a page: its column headers and, per row, the text of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[Header] = []
        self.rows: list[list[str]] = []
        self.caption = ""
        self._in = ""  # "caption", "head", "body" while inside them
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._cell is not None:
            self._cell.append(" ")  # a line break or a new element inside a cell reads as a space
        if tag == "caption":
            self._in = "caption"
        elif tag == "thead":
            self._in = "head"
        elif tag == "tbody":
            self._in = "body"
        elif tag == "tr" and self._in == "body":
            self.rows.append([])
        elif tag in ("th", "td") and self._in in ("head", "body"):
            self._cell = []
            if self._in == "head":
                self.headers.append(Header(aria_sort=values.get("aria-sort")))
        elif tag == "a" and self._in == "head" and self.headers:
            self.headers[-1].href = values.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "thead", "tbody"):
            self._in = ""
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in == "head":
                self.headers[-1].text = text
            elif self._in == "body":
                self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in == "caption":
            self.caption += data

    def column(self, title: str) -> list[str]:
        index = [h.text for h in self.headers].index(title)
        return [row[index] for row in self.rows]

    def references(self) -> list[str]:
        return [row[0].split()[0] for row in self.rows if len(row) > 1]


async def worklist_table(client: Client, query: str = "") -> Table:
    response = await client.get(f"/worklist{query}")
    assert response.status == 200
    table = Table()
    html = await response.text()
    table.feed(html[html.index('<table class="worklist">') :])
    return table


async def add_counsellor(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, username: str, name: str, regions: list[str]
) -> int:
    async with sessions.begin() as session:
        member = await create_user(
            session,
            username=username,
            password=PASSWORD,
            roles=["counsellor"],
            regions=regions,
            display_name=name,
            now=clock(),
        )
    return member.id


async def claimed_by(sessions: async_sessionmaker[AsyncSession], clock: ManualClock, reference: str, user: int) -> None:
    async with sessions.begin() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None
        await claim(session, concern, user_id=user, now=clock(), lease=LEASE)


async def closed_by(sessions: async_sessionmaker[AsyncSession], clock: ManualClock, reference: str, user: int) -> None:
    await claimed_by(sessions, clock, reference, user)
    async with sessions.begin() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None
        await close_concern(
            session, concern, user_id=user, outcome="settled", now=clock(), pseudonymiser=Pseudonymiser(TEST_SECRET)
        )


async def test_the_worklist_names_customer_language_received_and_holder(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    held = await raise_one(sessions, clock, 1, customer_name="Ayşe Yılmaz", language="tr", topic="payment")
    free = await raise_one(sessions, clock, 2)
    ben = await add_counsellor(sessions, clock, "ben", "Ben Weber", ["siegburg"])
    clock.advance(hours=3)
    await claimed_by(sessions, clock, held.reference, ben)
    await log_in(client, "anna")

    table = await worklist_table(client)
    titles = [h.text for h in table.headers]
    assert titles == [
        "Vorgang",
        "Eingang",
        "Name",
        "Sprache",
        "Thema",
        "Kanal",
        "Versuche",
        "In Bearbeitung bei",
        "Fällig",
    ]
    assert table.references() == [held.reference, free.reference]  # due first: the urgent one
    # raised Thursday 26 November at 10:30 in Siegburg, seen three hours later
    assert table.column("Eingang") == ["26.11.2026, 10:30 vor 3 Std."] * 2
    assert table.column("Name") == ["Ayşe Yılmaz", "–"]
    assert table.column("Sprache") == ["Türkisch", "Deutsch"]
    assert table.column("Thema")[0] == "Zahlung ausgeblieben"
    assert table.column("In Bearbeitung bei") == ["Ben Weber", "–"]
    assert table.column("Versuche") == ["0", "0"]
    assert table.column("Fällig")[0].startswith("26.11.2026")  # urgent: the same working day

    english = await worklist_table(client, "?lang=en")
    assert english.column("Language") == ["Turkish", "German"]
    assert english.column("Received")[0] == "26 Nov 2026, 10:30 3 hr ago"
    assert english.column("Held by") == ["Ben Weber", "–"]


async def test_an_expired_claim_has_no_holder(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    target = await raise_one(sessions, clock, 1)
    await claimed_by(sessions, clock, target.reference, await anna_id(sessions))
    await log_in(client, "anna")
    assert (await worklist_table(client)).column("In Bearbeitung bei") == ["anna"]
    assert (await worklist_table(client, "?status=claimed")).references() == [target.reference]
    clock.advance(minutes=16)  # the lease ran out, though no job has cleared it yet
    assert (await worklist_table(client)).column("In Bearbeitung bei") == ["–"]
    assert (await worklist_table(client, "?status=claimed")).references() == []


async def test_the_region_column_shows_for_a_counsellor_of_several_regions_only(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    siegburg = await raise_one(sessions, clock, 1)
    eitorf = await raise_one(sessions, clock, 2, region="eitorf")
    await raise_one(sessions, clock, 3, region="troisdorf")  # neither's region
    await add_counsellor(sessions, clock, "clara", "Clara Berg", ["siegburg", "eitorf"])

    await log_in(client, "anna")
    only_siegburg = await worklist_table(client)
    assert "Region" not in [h.text for h in only_siegburg.headers]
    assert only_siegburg.references() == [siegburg.reference]

    await log_in(client, "clara")
    both = await worklist_table(client, "?sort=region")
    assert [h.text for h in both.headers][1] == "Region"
    assert both.column("Region") == ["Geschäftsstelle Eitorf", "Geschäftsstelle Siegburg"]
    assert both.references() == [eitorf.reference, siegburg.reference]
    assert (await worklist_table(client, "?region=eitorf")).references() == [eitorf.reference]


async def test_every_column_sorts_both_ways_and_says_so(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    bert = await raise_one(sessions, clock, 1, customer_name="Bert", language="uk")
    clock.advance(minutes=5)
    anton = await raise_one(sessions, clock, 2, customer_name="anton", language="ar")
    clock.advance(minutes=5)
    nameless = await raise_one(sessions, clock, 3, language="de")
    await log_in(client, "anna")

    default = await worklist_table(client)
    assert default.references() == [bert.reference, anton.reference, nameless.reference]  # by due time
    due = next(h for h in default.headers if h.text == "Fällig")
    assert due.aria_sort == "ascending" and due.href == "/worklist?sort=due&dir=desc"
    assert [h.aria_sort for h in default.headers if h.text != "Fällig"] == [None] * 8

    by_name = await worklist_table(client, "?sort=name")
    assert by_name.references() == [anton.reference, bert.reference, nameless.reference]  # no name: last
    name = next(h for h in by_name.headers if h.text == "Name")
    assert name.aria_sort == "ascending" and name.href == "/worklist?sort=name&dir=desc"
    by_name_down = await worklist_table(client, "?sort=name&dir=desc")
    assert by_name_down.references() == [bert.reference, anton.reference, nameless.reference]  # still last
    assert next(h for h in by_name_down.headers if h.text == "Name").aria_sort == "descending"
    assert "sortiert nach Name, absteigend" in by_name_down.caption

    # language by its name in the page's language: Arabisch, Deutsch, Ukrainisch
    by_language = await worklist_table(client, "?sort=language")
    assert by_language.column("Sprache") == ["Arabisch", "Deutsch", "Ukrainisch"]
    by_received = await worklist_table(client, "?sort=received&dir=desc")
    assert by_received.references() == [nameless.reference, anton.reference, bert.reference]
    # an unknown column or direction is the default order, not an error
    assert (await worklist_table(client, "?sort=password&dir=up")).references() == default.references()


async def test_channels_sort_by_the_name_the_reader_sees(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    await raise_one(sessions, clock, 1, channel="phone_callback")
    await raise_one(sessions, clock, 2, channel="web_form", topic="payment", note="Geld fehlt")
    await log_in(client, "anna")
    german = await worklist_table(client, "?sort=channel")
    assert german.column("Kanal") == ["Kontaktformular", "Rückrufwunsch (Telefon)"]
    english = await worklist_table(client, "?sort=channel&lang=en")
    assert english.column("Channel") == ["Callback request (phone)", "Contact form"]


async def test_holder_and_attempts_sort_with_empty_values_last(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    free = await raise_one(sessions, clock, 1)
    by_zoe = await raise_one(sessions, clock, 2)
    by_ben = await raise_one(sessions, clock, 3)
    await claimed_by(sessions, clock, by_zoe.reference, await add_counsellor(sessions, clock, "zoe", "Zoe Z", []))
    await claimed_by(sessions, clock, by_ben.reference, await add_counsellor(sessions, clock, "ben", "ben B", []))
    async with sessions.begin() as session:
        tried = await session.get(Concern, by_zoe.id)
        assert tried is not None
        tried.attempts = 2
    await log_in(client, "anna")
    holders = await worklist_table(client, "?sort=holder")
    assert holders.references() == [by_ben.reference, by_zoe.reference, free.reference]  # case does not matter
    down = await worklist_table(client, "?sort=holder&dir=desc")
    assert down.references() == [by_zoe.reference, by_ben.reference, free.reference]
    attempts = await worklist_table(client, "?sort=attempts&dir=desc")
    assert attempts.references()[0] == by_zoe.reference and attempts.column("Versuche")[0] == "2"


async def test_sort_links_keep_the_filters_and_filters_keep_the_sort(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    await raise_one(sessions, clock, 1, topic="payment")
    await log_in(client, "anna")
    response = await client.get("/worklist?topic=payment&status=open&sort=attempts&dir=desc&junk=1")
    html = await response.text()
    table = Table()
    table.feed(html[html.index('<table class="worklist">') :])
    channel = next(h for h in table.headers if h.text == "Kanal")
    assert channel.href == "/worklist?topic=payment&status=open&sort=channel"  # no junk, no old sort
    assert '<input type="hidden" name="sort" value="attempts">' in html
    assert '<input type="hidden" name="dir" value="desc">' in html


async def test_status_filter_lists_closed_and_unreachable_of_the_last_30_days(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    anna = await anna_id(sessions)
    long_ago = await raise_one(sessions, clock, 1)
    await closed_by(sessions, clock, long_ago.reference, anna)
    gone_quiet = await raise_one(sessions, clock, 2)
    async with sessions.begin() as session:
        stored = await session.get(Concern, gone_quiet.id)
        assert stored is not None
        stored.status = "unreachable"
    clock.advance(days=31)
    recent = await raise_one(sessions, clock, 3, customer_name="Carla Roth")
    await closed_by(sessions, clock, recent.reference, anna)
    unreachable = await raise_one(sessions, clock, 4)
    async with sessions.begin() as session:
        stored = await session.get(Concern, unreachable.id)
        assert stored is not None
        stored.status = "unreachable"
    still_open = await raise_one(sessions, clock, 5)
    await log_in(client, "anna")

    assert (await worklist_table(client)).references() == [still_open.reference]
    closed = await worklist_table(client, "?status=closed")
    assert closed.references() == [recent.reference]  # not the one closed 31 days ago
    assert [h.text for h in closed.headers][-2] == "Abgeschlossen von"
    assert closed.column("Abgeschlossen von") == ["anna"]
    assert closed.column("Name") == ["Carla Roth"]
    assert "abgeschlossen" in closed.column("Fällig")[0]
    assert (await worklist_table(client, "?status=unreachable")).references() == [unreachable.reference]
    page = await (await client.get("/worklist?status=closed")).text()
    assert '<option value="closed" selected>abgeschlossen</option>' in page
    assert "der letzten 30 Tage" in page


async def test_a_closed_concern_leaves_the_list_when_retention_erases_its_personal_data(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    settled = await raise_one(sessions, clock, 1, customer_name="Dana Dorn")
    await closed_by(sessions, clock, settled.reference, await anna_id(sessions))
    retention = client.app[keys.RETENTION]
    clock.advance(days=30, minutes=-1)  # retention keeps the data 30 days after closing
    assert (await retention.run()).counts["concerns_erased"] == 0
    await log_in(client, "anna")
    assert (await worklist_table(client, "?status=closed")).column("Name") == ["Dana Dorn"]
    clock.advance(minutes=1)
    assert (await retention.run()).counts["concerns_erased"] == 1
    assert (await worklist_table(client, "?status=closed")).references() == []  # never a row of erased data


async def test_a_long_worklist_comes_in_pages_of_fifty(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    raised = [await raise_one(sessions, clock, n) for n in range(1, 53)]
    await log_in(client, "anna")
    first = await worklist_table(client)
    assert first.references() == [c.reference for c in raised[:50]]
    assert "52" in first.caption and "Seite 1 von 2" in first.caption
    html = await (await client.get("/worklist")).text()
    assert 'href="/worklist?page=2" rel="next"' in html and 'rel="prev"' not in html
    second = await worklist_table(client, "?page=2")
    assert second.references() == [c.reference for c in raised[50:]]
    beyond = await worklist_table(client, "?page=9")  # past the end: the last page
    assert beyond.references() == second.references()


async def test_no_sort_or_filter_shows_another_regions_concern(
    app_client: Setup, sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    client, _ = app_client
    erik = await add_counsellor(sessions, clock, "erik", "Erik Eitorf", ["eitorf"])
    open_there = await raise_one(sessions, clock, 1, region="eitorf", customer_name="Nur Eitorf")
    held_there = await raise_one(sessions, clock, 2, region="eitorf")
    await claimed_by(sessions, clock, held_there.reference, erik)
    closed_there = await raise_one(sessions, clock, 3, region="eitorf")
    await closed_by(sessions, clock, closed_there.reference, erik)
    own = await raise_one(sessions, clock, 4)
    await log_in(client, "anna")
    theirs = {open_there.reference, held_there.reference, closed_there.reference}
    for status in ("open", "claimed", "closed", "unreachable"):
        for sort in ("due", "region", "name", "holder"):
            query = f"?status={status}&sort={sort}&region=eitorf"
            html = await (await client.get(f"/worklist{query}")).text()
            assert not any(reference in html for reference in theirs), query
            assert "Nur Eitorf" not in html and "Erik Eitorf" not in html
    assert (await worklist_table(client, "?region=eitorf")).references() == [own.reference]
