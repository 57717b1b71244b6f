"""Bounded waits on work that may hang on the database, without waiting for its cancellation.

`asyncio.timeout` cancels the work and then waits until it has unwound. Work stuck in a driver
thread (aiosqlite busy-waiting on a lock) unwinds only when the driver returns, seconds later,
so the deadline would hold only on paper. Here the work runs as a task of its own: the caller
gets control back at the deadline, and the task finishes or is cancelled on its own time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("hotline.deadlines")


class DeadlinePassed(TimeoutError):
    """The work did not finish in time; it is cancelled in the background."""


async def within(seconds: float, work: Awaitable[T]) -> T:
    """The result of `work`, or `DeadlinePassed` after `seconds` (never later). The late work is
    cancelled without waiting for it, and its outcome is collected, never lost in a "Task
    exception was never retrieved" warning."""
    task: asyncio.Task[T] = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=max(seconds, 0.0))
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    task.add_done_callback(_collect)
    raise DeadlinePassed("the work did not finish before its deadline")


def _collect(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("work abandoned at its deadline failed later", exc_info=task.exception())
