"""Wrong tokens on the counselling pages, counted per client address group and minute."""

from __future__ import annotations

import datetime as dt

from tests.support import ManualClock
from video.page_limits import TokenGuessLimit


def test_a_client_is_held_back_after_its_allowance_until_the_oldest_miss_is_a_minute_old() -> None:
    clock = ManualClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
    limit = TokenGuessLimit(clock, per_minute=3)
    for _ in range(2):
        limit.miss("203.0.113.7")
        clock.advance(seconds=10)
    assert limit.retry_at("203.0.113.7") is None
    limit.miss("203.0.113.7")
    assert limit.retry_at("203.0.113.7") == dt.datetime(2026, 11, 26, 9, 31, tzinfo=dt.UTC)
    assert limit.retry_at("198.51.100.1") is None  # another client is not affected
    clock.advance(seconds=40)
    assert limit.retry_at("203.0.113.7") is None  # the first miss is a minute old


def test_ipv6_clients_count_per_network_and_old_clients_are_forgotten() -> None:
    clock = ManualClock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
    limit = TokenGuessLimit(clock, per_minute=2)
    limit.miss("2001:db8:1:2::1")
    limit.miss("2001:db8:1:2::ffff")  # the same /64: one customer line rotating addresses
    assert limit.retry_at("2001:db8:1:2::42") is not None
    clock.advance(minutes=2)
    assert limit.retry_at("2001:db8:1:2::42") is None
    assert limit._misses == {}  # nothing kept for a client with no recent miss
