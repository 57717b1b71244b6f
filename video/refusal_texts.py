"""What staff pages say when counselling refuses an action: one German sentence per refusal
code (English in `video/locale/en.toml`)."""

from __future__ import annotations

from video.errors import RefusalCode

REFUSAL_TEXTS: dict[RefusalCode, str] = {
    "unknown_region": "Diese Region gibt es nicht.",
    "no_counselling_hours": "Diese Region hat keine Beratungszeiten; bitte einen Grund für den Termin angeben.",
    "outside_hours_without_reason": (
        "Der Termin liegt außerhalb der Beratungszeiten der Region. Bitte geben Sie einen Grund an."
    ),
    "slot_in_past": "Der Termin liegt in der Vergangenheit.",
    "slot_too_short": "Ein Termin dauert mindestens 10 Minuten.",
    "slot_too_long": "Ein Termin dauert höchstens 240 Minuten.",
    "slot_overlaps": "Der Termin überschneidet sich mit einem Ihrer anderen Termine.",
    "slot_not_found": "Diesen Termin gibt es nicht mehr.",
    "slot_taken": "Dieser Termin ist schon gebucht.",
    "slot_booked": (
        "Der Termin ist gebucht und kann nicht zurückgezogen werden; tragen Sie erst „abgesagt“ oder „verlegt“ ein."
    ),
    "mode_not_offered": "Diese Beratungsart bietet der Termin nicht an.",
    "video_not_configured": "Videoberatung ist nicht eingerichtet; bitte Telefon wählen.",
    "link_invalid": "Der Link ist ungültig.",
    "link_expired": "Der Link ist abgelaufen.",
    "link_spent": "Der Link wurde schon für eine Buchung verwendet.",
    "booking_not_found": "Diese Buchung gibt es nicht.",
    "booking_closed": "Für diese Buchung ist schon ein Ergebnis eingetragen.",
    "not_your_session": "Dieser Termin gehört einer anderen Beraterin oder einem anderen Berater.",
    "outcome_too_early": "„Stattgefunden“ oder „nicht erschienen“ kann erst ab Beginn des Termins eingetragen werden.",
    "number_invalid": "Die Telefonnummer ist ungültig.",
    "number_cannot_text": "An diese Nummer kann keine SMS gehen; der Link braucht eine Handynummer.",
    "no_counsellor_phone": "In Ihrem Profil ist keine Telefonnummer hinterlegt.",
}
