"""The roles staff can hold; each opens one area of the service."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["counsellor", "desk", "planner", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)


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
    "admin": "Administration",
}
