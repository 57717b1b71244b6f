"""`hotline capacity report`: a region's figures of a period on the command line, as JSON or
as one table in CSV, counted as the planner page counts them (roll-ups brought up to date first)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from config.loader import load_deployment
from config.settings import Settings
from service.failures import EXIT_OK, EXIT_USAGE, CommandFailed

if TYPE_CHECKING:  # the database layer loads only when the command runs
    from planning.service import PlannerReport

SettingsOf = Callable[[argparse.Namespace], Settings]


def add_report_command(
    capacity: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
) -> None:
    report = capacity.add_parser(
        "report", parents=[common], help="a region's figures of a period (service level, waits, demand, staffing)"
    )
    report.add_argument("--region", help="region id (default: all regions)")
    report.add_argument("--from", dest="first", metavar="DATE", help="first day, YYYY-MM-DD (default: 12 weeks ago)")
    report.add_argument("--to", dest="last", metavar="DATE", help="last day, YYYY-MM-DD (default: yesterday)")
    report.add_argument("--format", choices=("json", "csv"), default="json", help="json (default) or csv")
    report.add_argument(
        "--table",
        default="key-figures",
        help="with --format csv: which table (key-figures, regions, demand-by-hour, service-by-hour, "
        "service-level, waiting, calls, staffing, load; default key-figures)",
    )
    report.set_defaults(run=lambda args: _report(args, settings_of(args)))


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from planning.exports import table_csv

    deployment = load_deployment(settings.config_path)
    if args.region and deployment.region(args.region) is None:
        known = ", ".join(r.id for r in deployment.regions)
        raise CommandFailed(f"unknown region {args.region} (known: {known})", EXIT_USAGE)
    report = asyncio.run(_build(settings, args))
    if args.format == "csv":
        table = report.table(args.table)
        if table is None:
            known = ", ".join(t.id for t in report.tables)
            raise CommandFailed(f"no table {args.table} in this report (known: {known})", EXIT_USAGE)
        sys.stdout.buffer.write(table_csv(table))
        return EXIT_OK
    print(json.dumps(_as_json(report), ensure_ascii=False, indent=2))
    return EXIT_OK


async def _build(settings: Settings, args: argparse.Namespace) -> PlannerReport:
    from config.loader import load_deployment as load
    from planning.period import PeriodError
    from planning.service import COMMAND_WAIT_SECONDS, Planner, PlannerInputError, PlannerQuery
    from service.preflight import check_database
    from storage.clock import system_clock
    from storage.engine import create_engine, session_factory

    await check_database(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        planner = Planner(session_factory(engine), load(settings.config_path), system_clock)
        await planner.refresh_rollups(wait_seconds=COMMAND_WAIT_SECONDS)
        return await planner.report(PlannerQuery(region=args.region, first=args.first, last=args.last), "en")
    except (PlannerInputError, PeriodError) as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    finally:
        await engine.dispose()


def _as_json(report: PlannerReport) -> dict[str, Any]:
    return {
        "region": report.region.id if report.region else None,
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "counted": dict(report.notes),
        "figures": asdict(report.figures),
        "tables": {
            table.id: {
                "columns": [column.key for column in table.columns],
                "rows": [[cell.value for cell in row] for row in table.rows],
            }
            for table in report.tables
        },
    }
