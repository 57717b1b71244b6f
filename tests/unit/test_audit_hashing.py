"""A row's hash covers everything it says and nothing of how it is stored: any change shows, and
a detail read back from either database (keys in another order, JSON parsed again) hashes the same."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from audit.trail import GENESIS_HASH, entry_hash


@dataclasses.dataclass(frozen=True)
class Row:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    address: str | None
    detail: Any
    prev_hash: str


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**62), 2**62) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
rows = st.builds(
    Row,
    seq=st.integers(1, 2**62),
    at=st.datetimes(timezones=st.just(dt.UTC)),
    actor=texts,
    action=st.sampled_from(["viewed_concern", "claimed", "exported"]),
    object_type=st.none() | texts,
    object_id=st.none() | texts,
    address=st.none() | st.sampled_from(["192.0.2.7", "2001:db8::1"]),
    detail=st.dictionaries(texts, plain, max_size=4),
    prev_hash=st.just(GENESIS_HASH) | st.text("0123456789abcdef", min_size=64, max_size=64),
)


@given(rows)
def test_a_detail_read_back_in_another_key_order_hashes_the_same(row: Row) -> None:
    read_back = json.loads(json.dumps(dict(reversed(list(row.detail.items())))))
    assert entry_hash(dataclasses.replace(row, detail=read_back)) == entry_hash(row)


def changed(row: Row, name: str, value: object) -> object:
    """Another value for field `name` of `row`; `value` is drawn to go into the detail."""
    match name:
        case "seq":
            return row.seq + 1
        case "at":
            return row.at + dt.timedelta(microseconds=1)
        case "detail":
            if "changed" in row.detail:
                return {k: v for k, v in row.detail.items() if k != "changed"}
            return row.detail | {"changed": value}
        case "prev_hash":
            return "f" * 64 if row.prev_hash != "f" * 64 else GENESIS_HASH
        case "object_type" | "object_id" | "address":
            return None if getattr(row, name) is not None else "192.0.2.8"
    return str(getattr(row, name)) + "x"


@given(rows, st.sampled_from([f.name for f in dataclasses.fields(Row)]), st.integers() | texts | st.none())
def test_any_change_to_any_field_changes_the_hash(row: Row, name: str, value: object) -> None:
    assert entry_hash(dataclasses.replace(row, **{name: changed(row, name, value)})) != entry_hash(row)


def test_the_same_moment_in_another_zone_hashes_the_same() -> None:
    at = dt.datetime(2026, 12, 7, 9, 0, 0, 1, tzinfo=dt.UTC)
    row = Row(1, at, "anna", "claimed", "concern", "K-1", None, {}, GENESIS_HASH)
    berlin = at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert entry_hash(dataclasses.replace(row, at=berlin)) == entry_hash(row)
