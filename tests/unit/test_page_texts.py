"""Every German text a page can show has an English translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit import labels as audit_labels
from audit import search_form
from callbacks import concern_views, desk_views, linked_concerns, refusals, web_form_views, worklist_views
from service.areas import AREAS
from service.errors import _PAGE_TEXTS
from service.i18n import Translator, load_catalogue, pick_language
from service.pages import CHANNEL_TITLES, CLOSED_REASONS
from staff import profile, profile_views
from staff.roles import ROLE_TITLES
from staff.views import MESSAGES
from telephony.counsellors import callback_calls
from telephony.counsellors.views import NOTICES as PRESENCE_NOTICES
from telephony.outbound import callback_dialer
from telephony.outbound.outbox import KIND_TITLES
from video import booking_views, counsellor_views, customer_texts, refusal_texts, slot_form

ROOT = Path(__file__).parents[2]
PACKAGES = ("service", "staff", "telephony", "callbacks", "video", "planning", "audit")
_LITERAL = re.compile(r"""_\((["'])(.+?)\1\)""")


def _source(package: str) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / package).rglob("*.py"))


def _template_texts() -> set[str]:
    texts = set()
    for package in PACKAGES:
        for template in (ROOT / package / "templates").rglob("*.html"):
            texts.update(match.group(2) for match in _LITERAL.finditer(template.read_text(encoding="utf-8")))
    return texts


def _code_texts() -> set[str]:
    texts = {text for pair in _PAGE_TEXTS.values() for text in pair}
    texts |= {text for area in AREAS for text in (area.title, area.summary)}
    texts |= set(ROLE_TITLES.values()) | set(CHANNEL_TITLES.values()) | set(MESSAGES) | set(CLOSED_REASONS.values())
    texts.add("Formular abgelaufen")
    texts |= set(KIND_TITLES.values()) | set(PRESENCE_NOTICES.values())
    texts |= set(desk_views.MESSAGES)
    texts |= {title for _, title in desk_views.URGENCY_CHOICES} | set(desk_views.URGENCY_TITLES.values())
    texts |= {*worklist_views.CHANNEL_TITLES.values(), *concern_views.OUTCOME_TITLES.values()}
    texts |= {*concern_views.HISTORY_TITLES.values(), *concern_views.ATTEMPT_TITLES.values()}
    texts |= {*worklist_views.STATE_TITLES.values(), *concern_views.STATUS_TITLES.values()}
    texts |= {*worklist_views.STATUS_FILTER_TITLES.values(), *worklist_views.COLUMN_TITLES.values()}
    texts.add(worklist_views.NOTHING_TO_DO)
    texts |= set(concern_views.NOTICES.values()) | set(linked_concerns.MESSAGES)
    texts |= set(concern_views.LIVE_TEXTS.values())
    texts |= set(web_form_views.MESSAGES) | set(refusals.MESSAGES.values())
    texts |= {message for message in re.findall(r'PresenceError\("([^"]+)"\)', _source("telephony"))}
    texts.add(callback_dialer.NO_PHONE)
    texts |= {*profile_views.MESSAGES, profile.INVALID_PHONE}
    texts |= {callback_calls.NOT_ANSWERED, callback_calls.HUNG_UP_FIRST}
    texts |= set(refusal_texts.REFUSAL_TEXTS.values()) | set(slot_form.MESSAGES.values())
    texts |= {*counsellor_views.KIND_TITLES.values(), *counsellor_views.STATUS_TITLES.values()}
    texts |= {*counsellor_views.OUTCOME_TITLES.values(), *counsellor_views.NOTICES.values()}
    texts |= {counsellor_views.NOT_OPEN, counsellor_views.NO_MOBILE, "Bitte ein Ergebnis wählen."}
    texts |= set(customer_texts.MESSAGES) | set(booking_views.NOTICES.values())
    audit_titles = [titles for name, titles in vars(audit_labels).items() if name.endswith("_TITLES")]
    texts |= {text for titles in audit_titles for text in titles.values()}
    texts |= set(search_form.MESSAGES.values())
    return texts


def test_every_page_text_has_an_english_translation() -> None:
    catalogue = load_catalogue(PACKAGES)
    texts = _template_texts() | _code_texts()
    assert len(texts) > 50
    assert sorted(texts - catalogue.keys()) == []


def test_translator_shows_german_unless_english_is_chosen() -> None:
    translate = Translator({"Anmelden": "Log in"})
    assert translate("Anmelden", "de") == "Anmelden"
    assert translate("Anmelden", "en") == "Log in"
    assert translate("Unübersetzt", "en") == "Unübersetzt"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "de"),
        ("en", None, None, "en"),
        (None, "en", "de-DE", "en"),
        ("de", "en", None, "de"),
        (None, None, "en-GB,en;q=0.9", "en"),
        (None, None, "tr-TR", "de"),
        ("xx", "yy", None, "de"),
    ],
)
def test_language_is_picked_from_choice_then_cookie_then_browser(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert pick_language(query, cookie, header) == expected
