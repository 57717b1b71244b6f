"""`hotline capacity …`: staffing by Erlang C and Erlang A for one interval.

`add_capacity_commands` creates the group; `add_staff_command` (and its future siblings) add one
command each to the group's subparsers, so another command joins with one more function.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from config.deployment import PlanningSettings
from config.loader import load_deployment
from config.settings import Settings
from service.capacity_report import add_report_command
from service.failures import EXIT_OK, EXIT_USAGE, CommandFailed

SettingsOf = Callable[[argparse.Namespace], Settings]
if TYPE_CHECKING:  # subscripting argparse's private class works for type checkers only
    from planning.erlang import Staffing

    CapacityCommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

# The staffing intervals of [planning] interval, in the deployment file's notation.
_INTERVALS = {"15m": 900, "30m": 1800, "60m": 3600, "1h": 3600}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_FIGURES = ("agents", "service_level", "p_wait", "asa_s", "p_abandon", "occupancy")


def add_capacity_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
) -> CapacityCommands:
    """The `capacity` command group; returns its subparsers for further commands."""
    capacity = commands.add_parser("capacity", help="capacity planning: staffing, demand, hours").add_subparsers(
        metavar="ACTION"
    )
    add_staff_command(capacity, common, settings_of)
    add_report_command(capacity, common, settings_of)
    return capacity


def add_staff_command(capacity: CapacityCommands, common: argparse.ArgumentParser, settings_of: SettingsOf) -> None:
    """`hotline capacity staff`: counsellors an interval needs (or what a given number achieves)."""
    staff = capacity.add_parser(
        "staff",
        parents=[common],
        help="counsellors needed for one interval by Erlang C, or Erlang A with --patience",
        description=(
            "Erlang C (callers wait as long as it takes) or, with --patience, Erlang A (callers give up "
            "after a mean patience). Without --agents: the fewest counsellors meeting the service level "
            "and the maximum occupancy. The service level is the share of all callers answered within "
            "the target; callers who give up count as not answered in time. Defaults of --interval, "
            "--target, --service-level and --max-occupancy come from [planning] of the deployment file when "
            "--config or $HOTLINE_CONFIG names one."
        ),
    )
    staff.add_argument("--calls", required=True, type=_calls, help="calls offered in the interval")
    staff.add_argument("--interval", type=_interval, help="15m, 30m or 60m (default: 30m)")
    staff.add_argument(
        "--aht",
        required=True,
        type=_seconds("--aht", positive=True),
        metavar="SECONDS",
        help="average handling time in seconds",
    )
    staff.add_argument(
        "--target",
        type=_seconds("--target", positive=False),
        metavar="SECONDS",
        help="answer within this many seconds (default: 20)",
    )
    staff.add_argument(
        "--service-level",
        type=_share("--service-level"),
        metavar="SHARE",
        help="share of all callers to answer within the target, above 0 and at most 1 (default: 0.8)",
    )
    staff.add_argument(
        "--patience",
        type=_seconds("--patience", positive=True),
        metavar="SECONDS",
        help="callers' mean patience in seconds: Erlang A (default: Erlang C, nobody gives up)",
    )
    staff.add_argument("--agents", type=_agents, metavar="K", help="evaluate this many counsellors instead")
    staff.add_argument(
        "--max-occupancy",
        type=_share("--max-occupancy"),
        metavar="SHARE",
        help="the busiest a counsellor may be kept (default: 1, no limit)",
    )
    staff.add_argument("--json", action="store_true", help="print one JSON object")
    staff.set_defaults(run=lambda args: _staff(args, settings_of))


def _staff(args: argparse.Namespace, settings_of: SettingsOf) -> int:
    from planning.erlang import evaluate, required_agents

    planning = _planning_settings(args, settings_of)
    target = args.target if args.target is not None else planning.target.total_seconds()
    service_level = args.service_level if args.service_level is not None else planning.service_level
    max_occupancy = args.max_occupancy if args.max_occupancy is not None else planning.max_occupancy
    interval = args.interval if args.interval is not None else int(planning.interval.total_seconds())
    try:
        if args.agents is not None:
            result = evaluate(args.calls, interval, args.aht, target, args.agents, args.patience)
        else:
            result = required_agents(
                args.calls, interval, args.aht, target, service_level, args.patience, max_occupancy
            )
    except ValueError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    figures = {name: getattr(result, name) for name in _FIGURES}
    if args.json:
        # An unbounded wait (the line never clears) is null: JSON has no Infinity.
        print(json.dumps({k: (v if math.isfinite(v) else None) for k, v in figures.items()}))
        return EXIT_OK
    print(_table(args, result, target, service_level, max_occupancy, interval))
    return EXIT_OK


def _table(
    args: argparse.Namespace, result: Staffing, target: float, service_level: float, max_occupancy: float, interval: int
) -> str:
    """The figures for reading: numbers in the command line's language (English) through Babel."""
    from formatting.figures import number, percent

    def seconds(value: float) -> str:
        return f"{number(value, 'en', 0 if value == int(value) else 1)} s"

    model = f"Erlang A, mean patience {seconds(args.patience)}" if args.patience is not None else "Erlang C"
    load = args.calls * args.aht / interval
    lines = [
        f"{number(args.calls, 'en', 0 if args.calls == int(args.calls) else 1)} calls in {interval // 60} min, "
        f"{seconds(args.aht)} handling: {number(load, 'en', 2)} Erlang ({model})"
    ]
    if args.agents is None:
        lines.append(
            f"goal: {percent(service_level, 'en', 0)} answered within {seconds(target)}, "
            f"occupancy at most {percent(max_occupancy, 'en', 0)}"
        )
    wait = seconds(result.asa_s) if math.isfinite(result.asa_s) else "unbounded (too few counsellors)"
    rows = [
        ("counsellors on the phone", str(result.agents)),
        (f"answered within {seconds(target)}", percent(result.service_level, "en")),
        ("callers who wait", percent(result.p_wait, "en")),
        ("mean wait of the answered", wait),
        ("callers who give up", percent(result.p_abandon, "en")),
        ("occupancy", percent(result.occupancy, "en")),
    ]
    width = max(len(label) for label, _ in rows)
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


def _planning_settings(args: argparse.Namespace, settings_of: SettingsOf) -> PlanningSettings:
    """[planning] of the deployment file named by --config or $HOTLINE_CONFIG; plain defaults
    without one, so the calculator works before a deployment exists (no occupancy limit then)."""
    if getattr(args, "config", None) is None and not os.environ.get("HOTLINE_CONFIG"):
        return PlanningSettings(max_occupancy=1.0)
    return load_deployment(settings_of(args).config_path).planning


def _calls(text: str) -> float:
    value = _number(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f'"{text}" is not a number of calls (0 or more)')
    return value


def _agents(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f'"{text}" is not a number of counsellors (a whole number, 0 or more)')
    return int(text)


def _interval(text: str) -> int:
    """15m, 30m or 60m (also written 1h, 900s, 1800 …): the staffing intervals the planner uses."""
    cleaned = text.strip().lower()
    seconds: int | None = _INTERVALS.get(cleaned)
    if seconds is None and cleaned.isdigit():
        seconds = int(cleaned)
    elif seconds is None and (match := _DURATION.match(cleaned)) and any(match.groups()):
        h, m, s = (int(g) if g else 0 for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    if seconds not in (900, 1800, 3600):
        raise argparse.ArgumentTypeError(f'"{text}" is not a staffing interval: use 15m, 30m or 60m')
    return seconds


def _seconds(flag: str, *, positive: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _number(text)
        if value is None or value < 0 or (positive and value == 0):
            above = "above 0" if positive else "0 or more"
            raise argparse.ArgumentTypeError(f'"{text}" is not a number of seconds {above}')
        return value

    parse.__name__ = flag  # argparse names the type in its message: "invalid --aht value"
    return parse


def _share(flag: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _number(text)
        if value is None or not 0 < value <= 1:
            raise argparse.ArgumentTypeError(f'"{text}" is not a share above 0 and at most 1, such as 0.8')
        return value

    parse.__name__ = flag
    return parse


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
