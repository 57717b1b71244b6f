"""How long what a person types may be: the intake checks it, the pages tell it (maxlength)."""

from __future__ import annotations

MAX_NOTE = 1000
MAX_NAME = 120
MAX_PHONE = 40  # generous for any notation ("+49 (0) 171 / 234 56 78"); longer is not a number
