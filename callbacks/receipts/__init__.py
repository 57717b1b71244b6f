"""The desk receipt in the customer's language.

Pages speak German or English (the staff's choice, service/i18n.py); the receipt is handed to the
customer, so it speaks the concern's language: one small catalogue per language here
(`<language>.toml`, keys as in `de.toml`), German for any text a language lacks and for a
language without a catalogue. Dates, times, hours and numbers come from `formatting`, so the
receipt reads like the customer's own language ("Cuma, 4 Aralık 2026", "12:00").
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from config.deployment import Region, Topic
from formatting import locales, moments, opening_hours, phone_numbers

SOURCE_LANGUAGE = "de"
_DIRECTORY = Path(__file__).parent
# Every text a receipt prints; a catalogue lacking one falls back to German for it.
KEYS = (
    "title",
    "office",
    "reference",
    "merged",
    "topic",
    "number",
    "number_ends",
    "promise",
    "settled",
    "keep_ready",
    "hotline",
    "hours",
)


@dataclass(frozen=True)
class ReceiptCatalogue:
    """The receipt's texts per language, and the names of the deployment's topics in languages
    the deployment file does not name them in (it has German and English)."""

    texts: Mapping[str, Mapping[str, str]]
    topics: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, directory: Path = _DIRECTORY) -> ReceiptCatalogue:
        texts: dict[str, dict[str, str]] = {}
        topics: dict[str, dict[str, str]] = {}
        for path in sorted(directory.glob("*.toml")):
            table = tomllib.loads(path.read_text(encoding="utf-8"))
            topics[path.stem] = {str(k): str(v) for k, v in table.pop("topics", {}).items()}
            texts[path.stem] = {str(k): str(v) for k, v in table.items()}
        return cls(texts, topics)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.texts)

    def language_for(self, wanted: str) -> str:
        """The language a receipt for a customer speaking `wanted` is printed in."""
        return wanted if wanted in self.texts else SOURCE_LANGUAGE

    def text(self, language: str, key: str, **values: str) -> str:
        template = self.texts.get(language, {}).get(key) or self.texts[SOURCE_LANGUAGE][key]
        return template.format(**values) if values else template

    def topic_name(self, language: str, topic: Topic) -> str:
        """The topic as the customer reads it: the deployment's German or English name, else
        this catalogue's, else German."""
        if language == "en":
            return topic.name_en
        return self.topics.get(language, {}).get(topic.id) or topic.name

    def missing(self, language: str, topic_ids: Iterable[str] = ()) -> list[str]:
        """What `language` lacks and prints in German instead: texts by key, topics as `topics.<id>`."""
        have = self.texts.get(language, {})
        gaps = [key for key in KEYS if not have.get(key)]
        if language not in (SOURCE_LANGUAGE, "en"):  # those two name topics in the deployment file
            gaps += [f"topics.{id_}" for id_ in topic_ids if not self.topics.get(language, {}).get(id_)]
        return gaps


@dataclass(frozen=True)
class PrintedReceipt:
    """Everything the receipt prints, in the customer's language; None where a part is left out."""

    language: str
    direction: Literal["ltr", "rtl"]
    title: str
    office: str  # "Jobcenter", printed before the region's name
    region: str
    reference_label: str
    reference: str
    merged: str | None  # this form joined a concern that was already open
    topic_label: str
    topic: str | None
    number_label: str
    masked_number: str | None  # all but the last three digits hidden
    number_ends: str | None  # the same for screen readers, which read "•" as "bullet"
    promise: str | None  # the due day and time; None when the concern was settled at the desk
    settled: str | None
    keep_ready: str
    hotline_label: str
    hotline_number: str | None  # national notation
    hotline_tel: str | None
    hours_label: str
    hours: str | None  # the region's hotline hours, days with the same hours together


def printed_receipt(
    catalogue: ReceiptCatalogue,
    *,
    language: str,
    reference: str,
    region: Region,
    topic: Topic | None,
    callback_number: str | None,
    due_at: dt.datetime,
    settled: bool,
    merged: bool,
    zone: dt.tzinfo,
) -> PrintedReceipt:
    """The receipt of a concern for a customer speaking `language`."""
    lang = catalogue.language_for(language)

    def text(key: str, **values: str) -> str:
        return catalogue.text(lang, key, **values)

    due_local = due_at.astimezone(zone)
    hotline = region.numbers[0] if region.numbers else None
    return PrintedReceipt(
        language=lang,
        direction=locales.direction(lang),
        title=text("title"),
        office=text("office"),
        region=region.name,
        reference_label=text("reference"),
        reference=reference,
        merged=text("merged") if merged else None,
        topic_label=text("topic"),
        topic=catalogue.topic_name(lang, topic) if topic else None,
        number_label=text("number"),
        masked_number=phone_numbers.masked(callback_number) if callback_number else None,
        number_ends=text("number_ends", digits=callback_number[-3:]) if callback_number else None,
        promise=None
        if settled
        else text(
            "promise",
            day=moments.weekday_and_day(due_local.date(), lang),
            time=moments.time(due_at, zone, lang),
        ),
        settled=text("settled") if settled else None,
        keep_ready=text("keep_ready"),
        hotline_label=text("hotline"),
        hotline_number=phone_numbers.national(hotline) if hotline else None,
        hotline_tel=phone_numbers.tel_uri(hotline) if hotline else None,
        hours_label=text("hours"),
        hours=opening_hours.weekly_hours(region.hours["hotline"].local_times(), lang),
    )

