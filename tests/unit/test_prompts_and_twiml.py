"""Prompt catalogues and the TwiML built from them, parsed as XML."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from twilio.twiml.voice_response import VoiceResponse

from config.deployment import TelephonySettings
from config.loader import load_deployment
from routing import decide
from service.app import Overrides, create_app
from telephony.edge.links import Links
from telephony.inbound import twiml
from telephony.prompts import CATALOGUE_DIR, STAFF_ONLY, Catalogue, PromptBook
from tests.support import make_settings

BOOK = PromptBook.load()
EXAMPLE = load_deployment(Path(__file__).parents[2] / "config/examples/rhein-sieg.toml")
BERLIN = ZoneInfo("Europe/Berlin")
# The app's own route table (the app is built, never started): TwiML URLs come from its names.
LINKS = Links(
    create_app(
        make_settings(Path("/nonexistent"), "sqlite:////nonexistent/h.db"), overrides=Overrides(deployment=EXAMPLE)
    ).router,
    "https://hotline.example",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def parse(response: VoiceResponse) -> ET.Element:
    return ET.fromstring(str(response))


@pytest.mark.parametrize("language", ["en", "tr", "ar", "uk", "ru"])
def test_every_catalogue_has_every_prompt_with_the_same_placeholders(language: str) -> None:
    german, other = BOOK.catalogue("de"), BOOK.catalogue(language)
    callers_hear = {key: text for key, text in german.texts.items() if not key.startswith(STAFF_ONLY)}
    assert other.code == language
    assert set(other.texts) - {k for k in other.texts if k.startswith(STAFF_ONLY)} == set(callers_hear)
    for key, text in callers_hear.items():
        assert set(_PLACEHOLDER.findall(other.texts[key])) == set(_PLACEHOLDER.findall(text)), key


def test_a_missing_text_falls_back_to_german_and_is_reported() -> None:
    german = BOOK.catalogue("de")
    partial = Catalogue("xx", "xx-XX", "Polly.X", {"goodbye": "Bye"})
    book = PromptBook({"de": german, "xx": partial})
    assert book.say("xx", "goodbye").text == "Bye"
    fallback = book.say("xx", "welcome", region="Siegburg")
    assert (fallback.text, fallback.language) == ("Herzlich willkommen beim Jobcenter, Siegburg.", "de-DE")
    assert "welcome" in book.missing_translations(["xx"])["xx"]
    assert book.missing_translations(["de"]) == {}
    assert len(book.missing_translations(["fr"])["fr"]) == len(
        [k for k in german.texts if not k.startswith(STAFF_ONLY)]
    )


def test_catalogue_directory_holds_the_six_languages_of_the_example() -> None:
    assert {p.stem for p in CATALOGUE_DIR.glob("*.toml")} >= {"de", "en", "tr", "ar", "uk", "ru"}


TODAY = dt.date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(
    ("moment", "language", "sentence"),
    [
        (dt.datetime(2026, 12, 2, 8, 0), "de", "Wir sind heute ab 8 Uhr wieder für Sie da."),
        (dt.datetime(2026, 12, 3, 13, 30), "de", "Wir sind morgen ab 13:30 Uhr wieder für Sie da."),
        (dt.datetime(2026, 12, 7, 8, 0), "de", "Wir sind am Montag ab 8 Uhr wieder für Sie da."),
        (dt.datetime(2026, 12, 9, 8, 0), "de", "Wir sind am Mittwoch, dem 9. Dezember, ab 8 Uhr wieder für Sie da."),
        (dt.datetime(2026, 12, 3, 8, 0), "en", "We are here for you again tomorrow from 8 am."),
        (dt.datetime(2026, 12, 7, 13, 0), "en", "We are here for you again on Monday from 1 pm."),
        (dt.datetime(2026, 12, 2, 8, 0), "tr", "Size bugün saat 8:00 itibarıyla yeniden hizmet vereceğiz."),
        (dt.datetime(2026, 12, 14, 8, 0), "ru", "Мы снова работаем: понедельник, 14 декабря, с 8:00."),
    ],
)
def test_the_next_opening_is_named_as_seen_from_the_day_of_the_call(
    moment: dt.datetime, language: str, sentence: str
) -> None:
    assert BOOK.say_when(language, "opens_again", moment.replace(tzinfo=BERLIN), TODAY).text == sentence


def test_a_promise_names_the_date_unless_it_is_today_or_tomorrow() -> None:
    def promise(moment: dt.datetime, language: str = "de") -> str:
        return BOOK.say_when(language, "callback_confirmed", moment.replace(tzinfo=BERLIN), TODAY, promise=True).text

    assert promise(dt.datetime(2026, 12, 2, 12, 0)).endswith("Wir rufen Sie bis heute, 12 Uhr zurück.")
    assert promise(dt.datetime(2026, 12, 3, 15, 0)).endswith("Wir rufen Sie bis morgen, 15 Uhr zurück.")
    assert promise(dt.datetime(2026, 12, 4, 12, 0)).endswith(
        "Wir rufen Sie bis Freitag, den 4. Dezember, 12 Uhr zurück."
    )
    assert promise(dt.datetime(2026, 12, 4, 12, 0), "en").endswith("by 12 noon on Friday, 4 December.")


def test_a_deadline_at_midnight_is_the_end_of_the_day_before() -> None:
    midnight = dt.datetime(2026, 12, 9, 0, 0, tzinfo=BERLIN)
    assert BOOK.deadline_words("de", midnight) == {"weekday": "Dienstag", "date": "8. Dezember", "time": "24 Uhr"}
    spoken = BOOK.say_when("de", "callback_confirmed", midnight, TODAY, promise=True).text
    assert spoken.endswith("bis Dienstag, den 8. Dezember, 24 Uhr zurück.")
    afternoon = dt.datetime(2026, 12, 2, 18, 0, tzinfo=BERLIN)
    assert BOOK.deadline_words("de", afternoon)["time"] == "18 Uhr"


@pytest.mark.parametrize(
    ("when", "first_sentence"),
    [
        (dt.datetime(2026, 11, 28, 10, 0), "Sie rufen außerhalb unserer Telefonzeiten an."),
        (dt.datetime(2026, 6, 4, 10, 0), "Heute ist ein Feiertag: Fronleichnam. Die Hotline ist nicht besetzt."),
        (dt.datetime(2026, 7, 20, 13, 0), "Die Hotline ist zurzeit geschlossen: Betriebsversammlung."),
    ],
)
def test_closed_line_names_the_reason_and_the_next_opening(when: dt.datetime, first_sentence: str) -> None:
    decision = decide("+4922419000100", when.replace(tzinfo=BERLIN), EXAMPLE)
    now = when.replace(tzinfo=BERLIN)
    document = parse(twiml.closed_line(LINKS, BOOK, decision, "de", BERLIN, now=now, counselling=True))
    spoken = [say.text for say in document.iter("Say")]
    assert spoken[0] == first_sentence
    assert spoken[1].startswith("Wir sind ") and spoken[1].endswith(" wieder für Sie da.")
    gather = document.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert [say.text for say in gather.iter("Say")][-1] == "Für eine Telefon- oder Videoberatung drücken Sie die 3."
    assert [child.tag for child in document][-1] == "Redirect"
    # Without a video service the menu offers what there is.
    phone_only = parse(twiml.closed_line(LINKS, BOOK, decision, "de", BERLIN, now=now, counselling=True, video=False))
    gather = phone_only.find("Gather")
    assert gather is not None
    assert [say.text for say in gather.iter("Say")][-1] == "Für eine Telefonberatung drücken Sie die 3."


def test_queue_wait_plays_music_when_configured() -> None:
    music = TelephonySettings(hold_music="https://example.org/hold.mp3")
    document = parse(twiml.queue_wait(LINKS, BOOK, "en", position=1, estimate_minutes=2, telephony=music))
    play = document.find("Gather/Play")
    assert play is not None and play.text == "https://example.org/hold.mp3"
    assert document.find("Gather/Pause") is None


def test_record_without_transcription_asks_for_none() -> None:
    document = parse(twiml.record_voicemail(LINKS, BOOK, "de", telephony=TelephonySettings(), retention_days=14))
    record = document.find("Record")
    assert record is not None
    assert record.get("transcribe") is None and record.get("transcribeCallback") is None
    assert record.get("finishOnKey") == "#" and record.get("playBeep") == "true"
    assert "14 Tage" in (document.find("Say").text or "")  # type: ignore[union-attr]
    assert [child.tag for child in document][-1] == "Hangup"


@pytest.mark.parametrize(
    ("e164", "groups"),
    [
        ("+491712223334", ("0171", "222", "3334")),  # the mobile prefix whole, then 3 + 4
        ("+4922419000100", ("02241", "900", "0100")),  # the area code whole
        ("+4930123456", ("030", "123", "456")),
        ("+4922419876543", ("02241", "987", "6543")),
        ("+441632960961", ("0044", "1632", "960", "961")),  # abroad: as dialled from Germany
    ],
)
def test_numbers_are_read_back_in_the_groups_people_use(e164: str, groups: tuple[str, ...]) -> None:
    assert twiml.spoken_number(e164).groups == groups


def test_a_number_read_back_is_spelled_in_groups_with_pauses() -> None:
    document = parse(twiml.confirm_callback_number(LINKS, BOOK, "de", twiml.spoken_number("+491712223334"), 1))
    say = document.find("Gather/Say")
    assert say is not None and say.text == "Wir rufen Sie unter der Nummer "
    assert [(node.get("interpret-as"), node.text) for node in say if node.tag == "say-as"] == [
        ("digits", "0171"),
        ("digits", "222"),
        ("digits", "3334"),
    ]
    assert [node.get("time") for node in say if node.tag == "break"] == ["300ms", "300ms"]
    assert " ".join("".join(say.itertext()).split()).startswith("Wir rufen Sie unter der Nummer 0171 222 3334 zurück.")


def test_a_voice_that_knows_no_digits_spells_the_number_as_characters() -> None:
    document = parse(twiml.confirm_callback_number(LINKS, BOOK, "uk", twiml.spoken_number("+491712223334"), 1))
    say = document.find("Gather/Say")
    assert say is not None and (say.get("voice") or "").startswith("Google.")
    assert {node.get("interpret-as") for node in say.iter("say-as")} == {"characters"}


def test_the_reference_is_spelled_slowly_in_two_groups_and_can_be_heard_again() -> None:
    document = parse(twiml.tell_reference(LINKS, BOOK, "de", "K7PX-3QF9"))
    assert [child.tag for child in document] == ["Say", "Gather", "Say", "Hangup"]
    prosody = document.find("Say/prosody")
    assert prosody is not None and prosody.get("rate") == "slow"
    assert [(n.get("interpret-as"), n.text) for n in prosody.iter("say-as")] == [
        ("spell-out", "K7PX"),
        ("spell-out", "3QF9"),
    ]
    assert [n.get("time") for n in prosody.iter("break")] == ["700ms"]
    gather = document.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.get("action") == "/twilio/reference/again?lang=de&reference=K7PX-3QF9&attempt=1"
    assert [say.text for say in gather.iter("Say")] == ["Zum Wiederholen drücken Sie die 1."]
    last = parse(twiml.tell_reference(LINKS, BOOK, "de", "K7PX-3QF9", again=False))
    assert [child.tag for child in last] == ["Say", "Say", "Hangup"]


@pytest.mark.parametrize(("minutes", "sentence"), [(1, "etwa eine Minute."), (4, "etwa 4 Minuten.")])
def test_the_estimate_says_one_minute_in_the_singular(minutes: int, sentence: str) -> None:
    document = parse(
        twiml.queue_wait(LINKS, BOOK, "de", position=1, estimate_minutes=minutes, telephony=TelephonySettings())
    )
    assert any((say.text or "").endswith(sentence) for say in document.iter("Say"))
