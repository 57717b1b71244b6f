"""Appending to the audit trail: one hash-chained row per staff action, under a lock, so that
several service processes write one chain and never a fork."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from audit.models import AuditEntry
from audit.vocabulary import AUDIT_ACTIONS

GENESIS_HASH = "0" * 64  # the first row's prev_hash: nothing came before it
# One advisory lock for the whole chain ("hotlinea" in ASCII), taken for the rest of the appending
# transaction. Any 64-bit constant would do; it only must not be used for anything else.
CHAIN_LOCK_KEY = 0x686F746C696E6561
MAX_DETAIL_CHARS = 2000
_PHONE_NUMBER = re.compile(r"\+\d[\d /-]{5,}")  # as typed or in E.164: a person's number


class InvalidAuditRecord(ValueError):
    """A record the trail refuses; the message names the field and the reason."""


@dataclass(frozen=True)
class AuditRecord:
    """What happened: who (`actor`), when, what (`action`), on which object, from which address.
    `detail` is small and never holds a phone number or a name."""

    at: dt.datetime
    actor: str
    action: str
    object_type: str | None = None
    object_id: str | None = None
    address: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


class ChainedRow(Protocol):
    """What a row's hash covers; a stored `AuditEntry` and a row read back by the walk both are one."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> dt.datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def object_type(self) -> str | None: ...
    @property
    def object_id(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def detail(self) -> Any: ...
    @property
    def prev_hash(self) -> str: ...


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


async def append(session: AsyncSession, record: AuditRecord) -> int:
    """Append `record` in the caller's transaction (the audited change and its record commit
    together) and return its sequence number. Append last in a transaction: on PostgreSQL the
    chain stays locked for every other appender until the transaction ends."""
    detail = _checked(record)
    await lock_chain(session)
    head = await chain_head(session)
    seq = head.seq + 1 if head else 1
    prev_hash = head.hash if head else GENESIS_HASH
    at = record.at.astimezone(dt.UTC)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        address=record.address,
        detail=detail,
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    await session.flush()
    return seq


async def lock_chain(session: AsyncSession) -> None:
    """Hold the chain until the session's transaction ends, so nobody else appends meanwhile.
    PostgreSQL: a transaction-scoped advisory lock. SQLite: every transaction on the service's
    writing engine begins IMMEDIATE (storage.engine), so asking for the connection already holds
    the database's one write lock and the head read next cannot go stale."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


async def chain_head(session: AsyncSession) -> ChainHead | None:
    """The last row of the chain, or None while it is empty."""
    row = (
        await session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    ).first()
    return ChainHead(row.seq, row.hash) if row else None


def canonical_content(entry: ChainedRow) -> bytes:
    """The bytes a row's hash covers: its content and its predecessor's hash, as JSON with sorted
    keys and no spaces, so the same row always hashes the same on any database."""
    content = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "address": entry.address,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: ChainedRow) -> str:
    """SHA-256 in hex of the row's canonical content."""
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def _checked(record: AuditRecord) -> dict[str, Any]:
    """The record's detail as plain JSON, or `InvalidAuditRecord` naming what is wrong."""
    if record.at.tzinfo is None:
        raise InvalidAuditRecord("at: a naive time; pass an aware datetime")
    _check_text("actor", record.actor, 80, required=True)
    if record.action not in AUDIT_ACTIONS:
        raise InvalidAuditRecord(f'action: "{record.action}" is not one of audit.vocabulary.AUDIT_ACTIONS')
    _check_text("object_type", record.object_type, 40)
    _check_text("object_id", record.object_id, 80)
    _check_text("address", record.address, 64)
    _check_value("detail", record.detail)
    if not isinstance(record.detail, Mapping):
        raise InvalidAuditRecord("detail: must be a mapping")
    plain = json.dumps(dict(record.detail), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(plain) > MAX_DETAIL_CHARS:
        raise InvalidAuditRecord(f"detail: {len(plain)} characters as JSON, at most {MAX_DETAIL_CHARS}")
    loaded: dict[str, Any] = json.loads(plain)
    return loaded


def _check_text(name: str, value: str | None, longest: int, *, required: bool = False) -> None:
    if value is None:
        if required:
            raise InvalidAuditRecord(f"{name}: missing")
        return
    if required and not value.strip():
        raise InvalidAuditRecord(f"{name}: empty")
    if len(value) > longest:
        raise InvalidAuditRecord(f"{name}: {len(value)} characters, at most {longest}")
    if "\x00" in value:
        raise InvalidAuditRecord(f"{name}: contains a NUL character")


def _check_value(path: str, value: object) -> None:
    """Only what every database gives back exactly as it was given: PostgreSQL's JSONB would turn
    1e16 into 10000000000000000 and break the row's hash, so no fractions; keys are text."""
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidAuditRecord(f"{path}: contains a NUL character")
        if _PHONE_NUMBER.search(value):
            raise InvalidAuditRecord(f"{path}: looks like a phone number, which the trail never keeps")
        return
    if isinstance(value, float):
        raise InvalidAuditRecord(f"{path}: a fraction ({value!r}); give an integer or text")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidAuditRecord(f"{path}: key {key!r} is not text")
            _check_value(f"{path}.{key}", item)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(f"{path}[{index}]", item)
        return
    raise InvalidAuditRecord(f"{path}: a {type(value).__name__} is not kept; give text, an integer or a boolean")
