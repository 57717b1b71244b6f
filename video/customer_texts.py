"""The customer's words for each refusal of the booking pages (German; English in
video/locale/en.toml), and which field of the form each one belongs to."""

from __future__ import annotations

from video.errors import RefusalCode

CHOICE_MISSING = "Bitte wählen Sie einen Termin."
TRY_AGAIN = "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal."
REFUSAL_TEXTS: dict[RefusalCode, str] = {
    "slot_taken": "Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen.",
    "slot_not_found": "Diesen Termin gibt es nicht mehr. Bitte wählen Sie einen anderen.",
    "slot_in_past": "Dieser Termin hat schon begonnen. Bitte wählen Sie einen späteren.",
    "mode_not_offered": "Diese Beratungsart gibt es für diesen Termin nicht. Bitte wählen Sie noch einmal.",
    "video_not_configured": "Videoberatung ist gerade nicht möglich. Bitte wählen Sie eine Telefonberatung.",
    "number_invalid": "Diese Telefonnummer können wir nicht erkennen. Bitte prüfen Sie sie.",
    "number_cannot_text": "Den Link zur Videoberatung schicken wir per SMS: Bitte geben Sie eine Handynummer an.",
    "booking_closed": "Dieser Termin ist schon abgesagt, verschoben oder vorbei.",
}
NUMBER_REFUSALS: frozenset[RefusalCode] = frozenset({"number_invalid", "number_cannot_text"})
MESSAGES = (CHOICE_MISSING, TRY_AGAIN, *REFUSAL_TEXTS.values())


def refusal_text(code: RefusalCode) -> str:
    return REFUSAL_TEXTS.get(code, TRY_AGAIN)


def refusal_field(code: RefusalCode) -> str:
    """The form field a refusal is shown at: the number, or the choice of a slot."""
    return "number" if code in NUMBER_REFUSALS else "slot"
