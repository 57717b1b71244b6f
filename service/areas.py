"""The areas of the service, one per role, as the start page links them."""

from __future__ import annotations

from dataclasses import dataclass

from staff.roles import Role


@dataclass(frozen=True, slots=True)
class Area:
    role: Role
    route: str  # the name of the area's page route: the start page links it by name
    title: str
    summary: str
    # The path of a guarded page saying the area is still being built; None once a slice routes it.
    placeholder: str | None = None


AREAS: tuple[Area, ...] = (
    Area(
        "counsellor",
        "counsellor",
        "Beratung und Rückrufe",
        "Anrufe annehmen, Rückrufe erledigen, Telefon- und Videoberatung.",
    ),
    Area(
        "counsellor",
        "worklist",
        "Rückrufliste",
        "Anliegen nach Fälligkeit bearbeiten: zurückrufen, Sprachnachrichten anhören, abschließen.",
    ),
    Area(
        "counsellor",
        "counselling",
        "Beratungstermine",
        "Termine für Telefon- und Videoberatung anbieten, Sitzungen sehen und ihr Ergebnis eintragen.",
    ),
    Area("desk", "desk", "Empfang", "Anliegen von Kundinnen und Kunden ohne Termin aufnehmen."),
    Area("planner", "board", "Statusübersicht", "Offene, fällige und fristgerecht erledigte Anliegen je Region."),
    Area(
        "planner",
        "planning",
        "Planung",
        "Nachfrage und Hotline-Zeiten vergleichen, Personalbedarf berechnen, Zeiten planen.",
    ),
    Area(
        "auditor",
        "audit",
        "Prüfung",
        "Kontaktprotokoll und Zugriffe prüfen, Löschfristen überwachen.",
    ),
    Area("admin", "admin-users", "Benutzerverwaltung", "Mitarbeiterkonten, Rollen und Regionen verwalten."),
)


def areas_for(roles: frozenset[Role]) -> list[Area]:
    return [area for area in AREAS if area.role in roles]
