"""The roles staff can hold; each opens one area of the service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

# `auditor_audio` opens no area of its own: it is a grant to an auditor to hear voicemails
# (of every region), so an account holds it only together with `auditor`.
Role = Literal["counsellor", "desk", "planner", "auditor", "auditor_audio", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
GRANTS: dict[Role, Role] = {"auditor_audio": "auditor"}  # a grant -> the role it is held with


def parse_role(text: str) -> Role:
    """The role named by `text`; ValueError naming the known roles otherwise."""
    name = text.strip().lower()
    for role in ROLES:
        if role == name:
            return role
    raise ValueError(f'unknown role "{text}" (known: {", ".join(ROLES)})')


# What each role is called on the pages (German; the page layer translates).
ROLE_TITLES: dict[str, str] = {
    "counsellor": "Beratung",
    "desk": "Empfang",
    "planner": "Planung",
    "auditor": "Prüfung",
    "auditor_audio": "Prüfung mit Sprachnachrichten",
    "admin": "Administration",
}


def grant_problem(roles: Iterable[Role]) -> str | None:
    """Why these roles do not go together (a grant without the role it extends), or None."""
    held = set(roles)
    for grant, base in GRANTS.items():
        if grant in held and base not in held:
            return f'the role "{grant}" is a grant to auditors: give it together with the role "{base}"'
    return None
