"""The areas of the service, one per role, as the start page links them."""

from __future__ import annotations

from dataclasses import dataclass

from staff.roles import Role


@dataclass(frozen=True, slots=True)
class Area:
    role: Role
    path: str
    title: str
    summary: str
    built: bool = True  # False: a guarded page saying the area is still being built


AREAS: tuple[Area, ...] = (
    Area(
        "counsellor",
        "/counsellor",
        "Beratung und Rückrufe",
        "Anrufe annehmen, Rückrufe erledigen, Telefon- und Videoberatung.",
    ),
    Area(
        "counsellor",
        "/worklist",
        "Rückrufliste",
        "Anliegen nach Fälligkeit bearbeiten: zurückrufen, Sprachnachrichten anhören, abschließen.",
    ),
    Area("desk", "/desk", "Empfang", "Anliegen von Kundinnen und Kunden ohne Termin aufnehmen."),
    Area("planner", "/board", "Statusübersicht", "Offene, fällige und fristgerecht erledigte Anliegen je Region."),
    Area("planner", "/planning", "Planung", "Nachfrage und Hotline-Zeiten vergleichen, Zeiten planen.", built=False),
    Area("auditor", "/audit", "Prüfung", "Kontaktprotokoll und Zugriffe prüfen, Löschfristen überwachen.", built=False),
    Area("admin", "/admin/users", "Benutzerverwaltung", "Mitarbeiterkonten, Rollen und Regionen verwalten."),
)


def areas_for(roles: frozenset[Role]) -> list[Area]:
    return [area for area in AREAS if area.role in roles]
