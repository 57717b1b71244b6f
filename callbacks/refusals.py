"""Every reason the intake refuses input, each with one code and one wording.

The desk, the contact form and the JSON API show the same refusal in the same words (German
here, English in callbacks/locale/en.toml); the API answers the code with the message. The
texts address the reader formally and name no reader, so that they suit a customer at home and
a member of staff at the desk alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

from callbacks.limits import MAX_NAME, MAX_NOTE

RefusalCode = Literal[
    "region_unknown",
    "phone_missing",
    "phone_invalid",
    "phone_foreign",
    "phone_foreign_landline",
    "phone_special",
    "phone_ours",
    "topic_missing",
    "topic_unknown",
    "urgency_unknown",
    "language_unknown",
    "name_too_long",
    "note_missing",
    "note_too_long",
    "window_incomplete",
    "window_bad_date",
    "window_bad_time",
    "window_day_unknown",
    "window_time_unknown",
    "window_outside_hours",
    "window_reversed",
    "window_past",
    "moment_invalid",
    "consent_missing",
    "form_broken",
    "request_id_invalid",
    "body_invalid",
]
REFUSAL_CODES: Final = frozenset(get_args(RefusalCode))

MESSAGES: Final[Mapping[RefusalCode, str]] = {
    "region_unknown": "Bitte wählen Sie eine der angebotenen Geschäftsstellen.",
    "phone_missing": "Bitte geben Sie eine Telefonnummer für den Rückruf an.",
    "phone_invalid": "Bitte geben Sie eine gültige Telefonnummer an, z. B. 0171 2345678 oder 02241 123456.",
    "phone_foreign": (
        "Wir rufen nur deutsche Rufnummern zurück. Bitte geben Sie eine deutsche Festnetz- oder Mobilnummer an."
    ),
    "phone_foreign_landline": (
        "Ins Ausland rufen wir nur Mobilnummern zurück. Bitte geben Sie eine deutsche Rufnummer"
        " oder eine ausländische Mobilnummer an."
    ),
    "phone_special": (
        "Service- und Sondernummern (z. B. 0180, 0900) rufen wir nicht zurück."
        " Bitte geben Sie eine Festnetz- oder Mobilnummer an."
    ),
    "phone_ours": (
        "Das ist eine Nummer des Jobcenters. Bitte geben Sie die Rufnummer an, unter der wir zurückrufen sollen."
    ),
    "topic_missing": "Bitte wählen Sie ein Thema.",
    "topic_unknown": "Bitte wählen Sie eines der angebotenen Themen.",
    "urgency_unknown": "Bitte wählen Sie eine der angebotenen Dringlichkeiten.",
    "language_unknown": "Diese Sprache bietet die gewählte Geschäftsstelle nicht an.",
    "name_too_long": f"Der Name ist zu lang (höchstens {MAX_NAME} Zeichen).",
    "note_missing": "Bitte beschreiben Sie kurz das Anliegen.",
    "note_too_long": f"Die Beschreibung des Anliegens ist zu lang (höchstens {MAX_NOTE} Zeichen).",
    "window_incomplete": (
        "Bitte geben Sie Tag, Beginn und Ende des Zeitfensters an – oder lassen Sie das Zeitfenster ganz leer."
    ),
    "window_bad_date": "Bitte geben Sie ein gültiges Datum an.",
    "window_bad_time": "Bitte geben Sie eine gültige Uhrzeit an, z. B. 14:30.",
    "window_day_unknown": "Bitte wählen Sie einen der angebotenen Tage.",
    "window_time_unknown": "Bitte wählen Sie eine der angebotenen Uhrzeiten.",
    "window_outside_hours": (
        "Wir rufen nur während der Telefonzeiten zurück. Bitte wählen Sie ein Zeitfenster innerhalb"
        " der Telefonzeiten, die beim gewählten Tag stehen."
    ),
    "window_reversed": "Das Zeitfenster endet, bevor es beginnt.",
    "window_past": "Das Zeitfenster liegt in der Vergangenheit.",
    "moment_invalid": "Bitte geben Sie Zeitpunkte im Format ISO 8601 mit Zeitzone an.",
    "consent_missing": "Bitte stimmen Sie dem Datenschutzhinweis zu, damit wir Sie zurückrufen dürfen.",
    "form_broken": "Das Formular ist unvollständig. Bitte prüfen Sie die Angaben und senden Sie es erneut.",
    "request_id_invalid": (
        "Bitte senden Sie eine eindeutige request_id mit (16 bis 64 Zeichen: Buchstaben, Ziffern, _ und -)."
    ),
    "body_invalid": "Erwartet wird ein JSON-Objekt.",
}


def message(code: RefusalCode) -> str:
    """The German wording of a refusal."""
    return MESSAGES[code]


class Refused(ValueError):
    """Input that cannot be taken: every field with a problem, and the refusal's code, in the
    order the fields were checked."""

    def __init__(self, problems: Mapping[str, RefusalCode]) -> None:
        super().__init__("; ".join(f"{field}: {code}" for field, code in problems.items()))
        self.problems: dict[str, RefusalCode] = dict(problems)

    def renamed(self, names: Mapping[str, str]) -> dict[str, RefusalCode]:
        """The problems under the names a page or the API gives the fields; the first problem
        of a field wins where two inputs share one."""
        renamed: dict[str, RefusalCode] = {}
        for field, code in self.problems.items():
            renamed.setdefault(names.get(field, field), code)
        return renamed
