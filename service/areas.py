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


AREAS: tuple[Area, ...] = (
    Area(
        "counsellor",
        "/counsellor",
        "Beratung und Rückrufe",
        "Anrufe annehmen, Rückrufe erledigen, Telefon- und Videoberatung.",
    ),
    Area("desk", "/desk", "Empfang", "Anliegen von Kundinnen und Kunden ohne Termin aufnehmen."),
    Area("planner", "/planning", "Planung", "Nachfrage und Hotline-Zeiten vergleichen, Zeiten planen."),
    Area("auditor", "/audit", "Prüfung", "Kontaktprotokoll und Zugriffe prüfen, Löschfristen überwachen."),
    Area("admin", "/admin/users", "Benutzerverwaltung", "Mitarbeiterkonten, Rollen und Regionen verwalten."),
)


def areas_for(roles: frozenset[Role]) -> list[Area]:
    return [area for area in AREAS if area.role in roles]
