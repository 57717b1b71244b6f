"""What the auditor pages call channels, kinds of events, outcomes and reasons (German; the page
layer translates through audit/locale/en.toml)."""

from __future__ import annotations

CHANNEL_TITLES: dict[str, str] = {
    "phone": "Telefon",
    "callback": "Rückruf",
    "voicemail": "Sprachnachricht",
    "walk_in": "Empfang",
    "web_form": "Kontaktformular",
    "sms": "SMS",
    "video": "Video",
    "survey": "Umfrage",
}

# Concern channels as the concerns table names them (the promise report).
CONCERN_CHANNEL_TITLES: dict[str, str] = {
    "phone_callback": "Rückrufwunsch am Telefon",
    "voicemail": "Sprachnachricht",
    "walk_in": "Empfang",
    "web_form": "Kontaktformular",
    "sms": "SMS",
}

KIND_TITLES: dict[str, str] = {
    "call_received": "Anruf eingegangen",
    "language_chosen": "Sprache gewählt",
    "closed_line": "Leitung geschlossen",
    "queued": "In der Warteschlange",
    "answered": "Angenommen",
    "abandoned": "Aufgelegt beim Warten",
    "left_queue_for_callback": "Warteschlange für Rückruf verlassen",
    "left_queue_for_voicemail": "Warteschlange für Sprachnachricht verlassen",
    "closed_menu_choice": "Auswahl im Menü der geschlossenen Leitung",
    "call_completed": "Anruf beendet",
    "call_failed": "Anruf gescheitert",
    "callback_requested": "Rückruf gewünscht",
    "voicemail_left": "Sprachnachricht hinterlassen",
    "concern_raised": "Anliegen aufgenommen",
    "concern_merged": "Anliegen zusammengeführt",
    "concern_claimed": "Anliegen übernommen",
    "callback_attempted": "Rückrufversuch",
    "concern_settled": "Anliegen erledigt",
    "concern_unreachable": "Nicht erreicht",
    "concern_withdrawn": "Anliegen zurückgezogen",
    "sms_received": "SMS empfangen",
    "sms_sent": "SMS gesendet",
    "counselling_link_sent": "Buchungslink gesendet",
    "counselling_booked": "Beratung gebucht",
    "counselling_moved": "Beratung verschoben",
    "counselling_cancelled": "Beratung abgesagt",
    "counselling_reminded": "An Beratung erinnert",
    "counselling_joined": "Beratung betreten",
    "counselling_call_started": "Beratungsanruf begonnen",
    "counselling_call_connected": "Beratungsanruf verbunden",
    "counselling_call_failed": "Beratungsanruf gescheitert",
    "counselling_held": "Beratung stattgefunden",
    "counselling_no_show": "Beratung nicht wahrgenommen",
    "counsellor_available": "Beraterin/Berater verfügbar",
    "counsellor_unavailable": "Beraterin/Berater nicht verfügbar",
    "survey_invited": "Zur Umfrage eingeladen",
    "survey_answered": "Umfrage beantwortet",
}

OUTCOME_TITLES: dict[str, str] = {
    "answered": "Angenommen",
    "abandoned": "Aufgelegt",
    "callback": "Rückruf gewünscht",
    "voicemail": "Sprachnachricht",
    "closed_line": "Leitung geschlossen",
    "settled": "Erledigt",
    "unreachable": "Nicht erreicht",
}

REASON_TITLES: dict[str, str] = {
    "late": "zu spät erledigt",
    "unreachable": "nicht erreicht",
    "open": "noch offen, Frist überschritten",
}

URGENCY_TITLES: dict[str, str] = {"urgent": "dringend", "normal": "normal"}

ORDER_TITLES: dict[str, str] = {"newest": "Neueste zuerst", "oldest": "Älteste zuerst"}

DIMENSION_TITLES: dict[str, str] = {
    "region": "Nach Region",
    "week": "Nach Woche",
    "channel": "Nach Eingangsweg",
    "urgency": "Nach Dringlichkeit",
}

# How the audit trail's chain was found broken (audit.verify.BREAK_KINDS).
BREAK_TITLES: dict[str, str] = {
    "altered": "Eintrag geändert",
    "deleted": "Eintrag gelöscht",
    "inserted": "Eintrag eingefügt",
    "reordered": "Reihenfolge geändert",
    "rewritten": "Kette neu geschrieben",
}
