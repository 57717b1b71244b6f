"""Writing contact events by the hundred thousand: rows as plain tuples, straight to the driver.

`storage.bulk.insert_new_rows` lets SQLAlchemy bind every value of every row: about 20,000 rows
a second on SQLite and 11,000 on PostgreSQL (measured on a loaded two-core machine), and the demo
seeds a million. Here each value goes through its column type's own bind processor (the same
conversion SQLAlchemy applies: UTC timestamps, JSON), then

- SQLite: one compiled INSERT OR IGNORE, executemany;
- PostgreSQL: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING
  (executemany of an INSERT costs a round of the protocol per row: 2.7 times slower).

Rows whose event id is logged already are skipped, as by `insert_new_rows`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Dialect, Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from contacts.models import ContactEvent

_EVENTS = cast(Table, ContactEvent.__table__)
COLUMNS: tuple[str, ...] = (
    "event_id",
    "occurred_at",
    "region",
    "channel",
    "kind",
    "caller_pseudonym",
    "reference",
    "duration_seconds",
    "wait_seconds",
    "detail",
)
_STAGING = "contact_events_arriving"
_LIST = ", ".join(COLUMNS)
_STAGE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS"
    f" AS SELECT {_LIST} FROM contact_events WITH NO DATA"
)
_FROM_STAGE = f"INSERT INTO contact_events ({_LIST}) SELECT {_LIST} FROM {_STAGING} ON CONFLICT (event_id) DO NOTHING"


class EventWriter:
    """How contact events are written on one dialect, and how rows become the driver's parameters."""

    def __init__(self, dialect: Dialect) -> None:
        self.copies = dialect.name == "postgresql"
        self.sql, order = _FROM_STAGE, cast(Sequence[str] | None, COLUMNS)
        if not self.copies:
            compiled = insert(_EVENTS).prefix_with("OR IGNORE").compile(dialect=dialect, column_keys=list(COLUMNS))
            self.sql, order = compiled.string, compiled.positiontup
        if order is None:
            raise ValueError(f"{dialect.name}: the event writer needs a positional parameter style")
        processors = [_EVENTS.c[name].type._cached_bind_processor(dialect) for name in order]
        self._plan = list(zip(order, processors, strict=True))

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as the driver takes them (may run in any thread)."""
        plan = self._plan
        return [tuple(row[name] if process is None else process(row[name]) for name, process in plan) for row in rows]

    async def write(self, session: AsyncSession, parameters: list[tuple[Any, ...]]) -> None:
        """Insert rows from `parameters`; rows already logged are skipped."""
        if not parameters:
            return
        connection = await session.connection()
        if not self.copies:
            await connection.exec_driver_sql(self.sql, parameters)
            return
        # Through SQLAlchemy first: it opens the transaction the driver's COPY then runs in.
        await connection.exec_driver_sql(_STAGE)
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(_STAGING, records=parameters, columns=COLUMNS)
        await driver.execute(_FROM_STAGE)
