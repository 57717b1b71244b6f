"""`hotline demo seed`: a realistic span of synthetic contacts in the contact log, for the planner's
pages and for benchmarks (see `planning.demo`)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import Settings
from formatting.figures import number
from formatting.moments import timestamp
from planning.demo_demand import DEFAULT_CALLS_PER_WEEKDAY, MAX_DAYS
from service.failures import EXIT_OK

if TYPE_CHECKING:  # every command starts with the parser: the database layer loads only for this one
    from planning.demo import SeedSummary

SettingsOf = Callable[[argparse.Namespace], Settings]
MomentParser = Callable[[str, dt.tzinfo], dt.datetime]


def add_demo_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
    parse_moment: MomentParser,
) -> None:
    """The `demo` command group; `settings_of` and `parse_moment` are the CLI's own."""
    demo = commands.add_parser("demo", help="synthetic demo data").add_subparsers(metavar="ACTION")
    seed = demo.add_parser(
        "seed", parents=[common], help="write synthetic contacts (calls, concerns, counselling) into the contact log"
    )
    seed.add_argument("--days", type=_days, default=365, help=f"how many days up to --until (1 to {MAX_DAYS}; 365)")
    seed.add_argument("--seed", type=int, default=0, help="the same seed writes the same contacts (default: 0)")
    seed.add_argument(
        "--until", metavar="WHEN", help="end of the span, ISO 8601 date or date-time, local time (default: now)"
    )
    seed.add_argument(
        "--calls-per-weekday",
        type=_calls,
        metavar="N",
        help=f"first calls on an ordinary weekday per region (default: {DEFAULT_CALLS_PER_WEEKDAY:g})",
    )
    seed.add_argument("--if-empty", action="store_true", help="do nothing if the contact log holds any event")
    seed.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    seed.set_defaults(run=lambda args: _seed(args, settings_of(args), parse_moment))


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f'--days: "{text}" is not a number of days from 1 to {MAX_DAYS}')
    return int(text)


def _calls(text: str) -> float:
    try:
        calls = float(text)
    except ValueError:
        calls = -1.0
    if not 0 <= calls < 1e6:
        raise argparse.ArgumentTypeError(f'--calls-per-weekday: "{text}" is not a number from 0 to 999999')
    return calls


def _seed(args: argparse.Namespace, settings: Settings, parse_moment: MomentParser) -> int:
    deployment = load_deployment(settings.config_path)
    until = parse_moment(args.until, deployment.zone) if args.until else None
    summary, present = asyncio.run(_write(args, settings, deployment, until))
    if summary is None:
        if args.json:
            print(json.dumps({"seeded": False, "events_present": present}))
        else:
            print(f"the contact log holds {number(present, 'en')} events already: nothing seeded (--if-empty)")
        return EXIT_OK
    if args.json:
        print(json.dumps(_as_json(summary, deployment)))
        return EXIT_OK
    zone = deployment.zone
    print(
        f"seeded {number(summary.events, 'en')} new events ({number(summary.generated, 'en')} generated: "
        f"{number(summary.calls, 'en')} calls, {number(summary.concerns, 'en')} concerns) "
        f"from {timestamp(summary.since, zone)} to {timestamp(summary.until, zone)}"
    )
    print(
        f"in {number(summary.seconds, 'en', 1)} s, {number(summary.events_per_second, 'en')} events/s"
        f" (seed {args.seed})"
    )
    return EXIT_OK


async def _write(
    args: argparse.Namespace, settings: Settings, deployment: Deployment, until: dt.datetime | None
) -> tuple[SeedSummary | None, int]:
    """The summary of what was seeded, or None (and the events present) when --if-empty found some."""
    from contacts.pseudonyms import Pseudonymiser
    from planning.demo import count_contact_events, seed
    from planning.service import COMMAND_WAIT_SECONDS, Planner
    from service.preflight import check_database
    from storage.clock import system_clock
    from storage.engine import create_engine, session_factory

    await check_database(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        if args.if_empty:
            present = await count_contact_events(sessions)
            if present:
                return None, present
        summary = await seed(
            sessions,
            deployment,
            Pseudonymiser(settings.secret_key),
            days=args.days,
            until=until,
            seed=args.seed,
            calls_per_weekday=args.calls_per_weekday,
        )
        # The planner's pages read roll-ups: count the new year now, not at the next job round.
        await Planner(sessions, deployment, system_clock).refresh_rollups(wait_seconds=COMMAND_WAIT_SECONDS)
        return summary, 0
    finally:
        await engine.dispose()


def _as_json(summary: SeedSummary, deployment: Deployment) -> dict[str, Any]:
    return {
        "seeded": True,
        "events": summary.events,
        "generated": summary.generated,
        "calls": summary.calls,
        "concerns": summary.concerns,
        "since": timestamp(summary.since, deployment.zone),
        "until": timestamp(summary.until, deployment.zone),
        "seconds": round(summary.seconds, 3),
        "events_per_second": round(summary.events_per_second),
    }
