"""`hotline audit verify`: walk the audit trail's hash chain and name the first break.

Exit 0 when the chain is intact, 1 when it is not (or the database cannot be asked), 2 for bad
usage. Every run is itself recorded: a `verified_chain` record by "cli:<operator>".
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from config.loader import load_deployment
from config.settings import Settings
from service.failures import EXIT_FAILURE, EXIT_OK

if TYPE_CHECKING:  # the database layer loads only when a command runs
    from audit.verify import ChainReport

SettingsOf = Callable[[argparse.Namespace], Settings]


def cli_actor() -> str:
    """Who the trail names for a command: the operating system's user ($USER), else "operator"."""
    return f"cli:{os.environ.get('USER') or 'operator'}"[:80]


def add_audit_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
) -> None:
    """The `audit` command group; `settings_of` is the CLI's own."""
    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(metavar="ACTION")
    verify = audit.add_parser(
        "verify", parents=[common], help="check the hash chain; exit 1 and name the first broken row if not intact"
    )
    verify.add_argument(
        "--from",
        dest="since",
        type=_day,
        metavar="DATE",
        help="start at the first record of this day (YYYY-MM-DD, the deployment's time zone)",
    )
    verify.add_argument("--json", action="store_true", help="print one JSON object")
    verify.set_defaults(run=lambda args: _verify(args, settings_of(args)))


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a date such as 2026-12-07') from None


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    since = None
    if args.since is not None:
        zone = load_deployment(settings.config_path).zone
        since = dt.datetime.combine(args.since, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    report = asyncio.run(_verify_and_record(settings.database_url, since))
    if args.json:
        print(json.dumps(report_as_json(report), ensure_ascii=False))
    else:
        print(describe(report))
    return EXIT_OK if report.intact else EXIT_FAILURE


async def _verify_and_record(url: str, since: dt.datetime | None) -> ChainReport:
    import migrations.tables  # noqa: F401  (every slice's tables)
    from audit.service import verify_and_record
    from service.preflight import check_database
    from storage.clock import system_clock
    from storage.engine import create_engine, session_factory

    await check_database(url)
    engine = create_engine(url)
    try:
        return await verify_and_record(session_factory(engine), now=system_clock(), actor=cli_actor(), since=since)
    finally:
        await engine.dispose()


def report_as_json(report: ChainReport) -> dict[str, Any]:
    broken = report.broken
    return {
        "intact": report.intact,
        "rows_checked": report.rows_checked,
        "first_seq": report.first_seq,
        "head": {"seq": report.head.seq, "hash": report.head.hash} if report.head else None,
        "broken": {"seq": broken.seq, "kind": broken.kind, "explanation": broken.explanation} if broken else None,
    }


def describe(report: ChainReport) -> str:
    """One line for the operator: intact with its head, or where and how it broke."""
    if report.broken is not None:
        broken = report.broken
        return f"audit trail NOT intact: seq {broken.seq} {broken.kind}: {broken.explanation}"
    if report.head is None:
        return "audit trail intact: no records yet"
    return (
        f"audit trail intact: {report.rows_checked} record(s) checked from seq {report.first_seq}, "
        f"head seq {report.head.seq} sha256 {report.head.hash}"
    )
