"""The desk receipt's own catalogue: every language a region offers prints it without German gaps."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from callbacks.receipts import KEYS, ReceiptCatalogue, printed_receipt
from config.loader import load_deployment
from config.settings import EXAMPLE_DEPLOYMENT

CATALOGUE = ReceiptCatalogue.load()
DEPLOYMENT = load_deployment(EXAMPLE_DEPLOYMENT)
BERLIN = ZoneInfo("Europe/Berlin")
# The languages the example's regions offer callers: the receipt must speak each of them.
OFFERED = sorted({code for region in DEPLOYMENT.regions for code in region.languages})
FRIDAY_NOON = dt.datetime(2026, 12, 4, 11, 0, tzinfo=dt.UTC)


def test_the_catalogue_has_the_languages_of_the_catalogue_of_prompts() -> None:
    assert sorted(CATALOGUE.languages) == ["ar", "de", "en", "ru", "tr", "uk"]
    assert set(OFFERED) <= set(CATALOGUE.languages)


@pytest.mark.parametrize("language", ["de", "en", "tr", "ar", "uk", "ru"])
def test_no_language_lacks_a_text_or_a_topic(language: str) -> None:
    assert CATALOGUE.missing(language, [topic.id for topic in DEPLOYMENT.topics]) == []


def test_a_gap_is_listed_and_printed_in_german() -> None:
    partial = ReceiptCatalogue(
        texts={"de": CATALOGUE.texts["de"], "fr": {"title": "Confirmation de votre demande"}},
        topics={"fr": {"payment": "Paiement manquant"}},
    )
    gaps = partial.missing("fr", ["payment", "other"])
    assert gaps == [key for key in KEYS if key != "title"] + ["topics.other"]
    assert partial.text("fr", "title") == "Confirmation de votre demande"
    assert partial.text("fr", "topic") == "Thema"
    assert partial.language_for("fr") == "fr" and partial.language_for("pl") == "de"


def test_placeholders_are_the_same_in_every_language() -> None:
    def fields(text: str) -> set[str]:
        return {part.split("}")[0] for part in text.split("{")[1:]}

    for language in CATALOGUE.languages:
        for key in KEYS:
            assert fields(CATALOGUE.text(language, key)) == fields(CATALOGUE.text("de", key)), (language, key)


def _receipt(language: str, *, settled: bool = False, merged: bool = False) -> dict[str, object]:
    region = DEPLOYMENT.region("siegburg")
    assert region is not None
    printed = printed_receipt(
        CATALOGUE,
        language=language,
        reference="ABCD-EFGH",
        region=region,
        topic=DEPLOYMENT.topic("payment"),
        callback_number="+491712223334",
        due_at=FRIDAY_NOON,
        settled=settled,
        merged=merged,
        zone=BERLIN,
    )
    return vars(printed)


def test_a_german_receipt() -> None:
    receipt = _receipt("de")
    assert receipt["language"] == "de" and receipt["direction"] == "ltr"
    assert receipt["promise"] == "Wir melden uns bis Freitag, 4. Dezember 2026, 12:00 Uhr."
    assert receipt["masked_number"] == "•••• ••••334" and receipt["number_ends"] == "Rufnummer endet auf 334"
    assert (receipt["hotline_number"], receipt["hotline_tel"]) == ("02241 9000100", "tel:+49-2241-9000100")
    assert receipt["hours"] == (
        "Montag und Dienstag von 8 bis 12 und von 13 bis 15 Uhr; Mittwoch und Freitag von 8 bis 12 Uhr;"
        " Donnerstag von 8 bis 12 und von 13 bis 18 Uhr"
    )
    assert receipt["topic"] == "Zahlung ausgeblieben" and receipt["merged"] is None


def test_a_turkish_receipt() -> None:
    receipt = _receipt("tr", merged=True)
    assert receipt["title"] == "Talebinizin onayı" and receipt["topic"] == "Ödeme yapılmadı"
    assert receipt["promise"] == "Sizinle en geç şu tarihte iletişime geçeceğiz: 4 Aralık 2026 Cuma, saat 12:00."
    assert str(receipt["hours"]).startswith("Pazartesi ve Salı saat 8:00 ile 12:00 arası")
    assert receipt["merged"] is not None and "referans numarası" in str(receipt["merged"])


def test_an_arabic_receipt_runs_right_to_left() -> None:
    receipt = _receipt("ar")
    assert receipt["language"] == "ar" and receipt["direction"] == "rtl"
    assert receipt["topic"] == "لم يتم صرف الدفعة"


def test_a_language_without_a_catalogue_gets_a_german_receipt_and_a_settled_one_no_promise() -> None:
    receipt = _receipt("pl", settled=True)
    assert receipt["language"] == "de" and receipt["title"] == "Bestätigung Ihres Anliegens"
    assert receipt["promise"] is None and receipt["settled"] == "Ihr Anliegen wurde im Gespräch erledigt."
