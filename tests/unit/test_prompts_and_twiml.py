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
    assert len(other.weekdays) == 7 and len(other.months) == 12


def test_a_missing_text_falls_back_to_german_and_is_reported() -> None:
    german = BOOK.catalogue("de")
    partial = Catalogue("xx", "xx-XX", "Polly.X", {"goodbye": "Bye"}, german.weekdays, german.months, "{day} {month}")
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


def test_spoken_dates_are_words_of_the_language() -> None:
    moment = dt.datetime(2027, 1, 4, 8, 0, tzinfo=BERLIN)
    assert BOOK.spoken_date("de", moment) == {"weekday": "Montag", "date": "4. Januar", "time": "8:00"}
    assert BOOK.spoken_date("en", moment) == {"weekday": "Monday", "date": "4 January", "time": "8:00"}


@pytest.mark.parametrize(
    ("when", "first_sentence"),
    [
        (dt.datetime(2026, 11, 28, 10, 0), "Die Hotline ist zurzeit nicht besetzt."),
        (dt.datetime(2026, 6, 4, 10, 0), "Heute ist ein Feiertag: Fronleichnam. Die Hotline ist nicht besetzt."),
        (dt.datetime(2026, 7, 20, 13, 0), "Die Hotline ist zurzeit geschlossen: Betriebsversammlung."),
    ],
)
def test_closed_line_names_the_reason_and_the_next_opening(when: dt.datetime, first_sentence: str) -> None:
    decision = decide("+4922419000100", when.replace(tzinfo=BERLIN), EXAMPLE)
    document = parse(twiml.closed_line(LINKS, BOOK, decision, "de", BERLIN, counselling=True))
    spoken = [say.text for say in document.iter("Say")]
    assert spoken[0] == first_sentence
    assert spoken[1].startswith("Wir sind wieder für Sie da am ")
    gather = document.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert [say.text for say in gather.iter("Say")][-1] == "Für eine Telefon- oder Videoberatung drücken Sie die 3."
    assert [child.tag for child in document][-1] == "Redirect"


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
    ("e164", "spoken"),
    [("+4922419000100", "0 2 2, 4 1 9, 0 0 0, 1 0 0"), ("+441632960961", "4 4 1, 6 3 2, 9 6 0, 9 6 1")],
)
def test_numbers_are_read_back_digit_by_digit(e164: str, spoken: str) -> None:
    assert twiml.spoken_number(e164) == spoken


def test_a_deadline_at_midnight_is_the_end_of_the_day_before() -> None:
    midnight = dt.datetime(2026, 12, 2, 0, 0, tzinfo=BERLIN)
    assert BOOK.spoken_deadline("de", midnight) == {"weekday": "Dienstag", "date": "1. Dezember", "time": "24:00"}
    afternoon = dt.datetime(2026, 12, 2, 18, 0, tzinfo=BERLIN)
    assert BOOK.spoken_deadline("de", afternoon)["time"] == "18:00"


@pytest.mark.parametrize(("minutes", "sentence"), [(1, "etwa eine Minute."), (4, "etwa 4 Minuten.")])
def test_the_estimate_says_one_minute_in_the_singular(minutes: int, sentence: str) -> None:
    document = parse(
        twiml.queue_wait(LINKS, BOOK, "de", position=1, estimate_minutes=minutes, telephony=TelephonySettings())
    )
    assert any((say.text or "").endswith(sentence) for say in document.iter("Say"))
