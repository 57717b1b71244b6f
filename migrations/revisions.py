"""The schema revision the code needs and the one the database has, without importing Alembic
(11 MB of memory a serving process would keep for a single check at start-up)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

_VERSIONS = Path(__file__).parent / "versions"
_ASSIGNMENT = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([^"]*)"|None)\s*$', re.MULTILINE)


def code_head() -> str:
    """The newest revision among the migration files (the one no other revises)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in _VERSIONS.glob("*.py"):
        found = dict((name, value) for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            revisions.add(found["revision"])
        if found.get("down_revision"):
            revised.add(found["down_revision"])
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must form one line, found heads {sorted(heads)}")
    return heads.pop()


async def database_revision(engine: AsyncEngine) -> str | None:
    """The revision recorded in the database, or None for an empty one."""
    async with engine.connect() as connection:
        try:
            row = (await connection.execute(text("SELECT version_num FROM alembic_version"))).first()
        except DBAPIError:
            return None  # no alembic_version table yet: nothing migrated
    return str(row[0]) if row else None
