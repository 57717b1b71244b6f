"""The `hotline` command: serve, migrate, check the deployment, manage staff, ask the router."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO

from yarl import URL

from config.deployment import CHANNELS, Deployment
from config.issues import ConfigError
from config.loader import load_deployment
from config.settings import Settings, load_settings
from formatting.moments import timestamp
from routing import hours_per_week
from service.audit_cli import add_audit_commands, cli_actor
from service.capacity_cli import add_capacity_commands
from service.counselling_cli import add_counselling_commands
from service.demo_cli import add_demo_commands
from service.failures import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CommandFailed
from service.privacy_cli import add_privacy_commands
from staff.roles import ROLES, Role, grant_problem, parse_role


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or EXIT_OK)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as exc:
        print(f"hotline: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="deployment file (default: $HOTLINE_CONFIG, else the example)")
    parser = argparse.ArgumentParser(
        prog="hotline", description="Regional hotlines, callbacks, voicemail and counselling of a job centre."
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="serve the web app and Twilio webhooks")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8080, help="port to listen on (default: 8080)")
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(metavar="ACTION")
    upgrade = db.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.set_defaults(run=_db_upgrade)

    config = commands.add_parser("config", help="the deployment file").add_subparsers(metavar="ACTION")
    check = config.add_parser("check", parents=[common], help="validate it; show regions, numbers, hours")
    check.add_argument("path", nargs="?", help="file to check (default: --config / $HOTLINE_CONFIG)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(run=_config_check)

    route = commands.add_parser("route", parents=[common], help="what a caller is offered at a given moment")
    route.add_argument("--to", required=True, metavar="NUMBER", help="the dialled hotline number, any notation")
    route.add_argument(
        "--at", required=True, metavar="WHEN", help="ISO 8601; without offset it is local time of the deployment"
    )
    route.add_argument("--json", action="store_true", help="print one JSON object")
    route.set_defaults(run=_route)

    simulate = commands.add_parser("simulate", help="play Twilio against a running service").add_subparsers(
        metavar="WHAT"
    )
    call = simulate.add_parser("call", help="call a hotline and print what the caller hears")
    call.add_argument("--to", required=True, metavar="NUMBER", help="the hotline number dialled")
    call.add_argument("--from", dest="caller", default="+4915112345678", metavar="NUMBER", help="the caller's number")
    call.add_argument("--press", action="append", default=[], metavar="KEYS", help="keys pressed at the next prompt")
    call.add_argument("--url", help="where the service runs (default: $HOTLINE_PUBLIC_URL, else http://127.0.0.1:8080)")
    call.add_argument("--requests", action="store_true", help="also show each webhook request")
    call.set_defaults(run=_simulate_call)

    concerns = commands.add_parser("concerns", help="the concern queue").add_subparsers(metavar="ACTION")
    concern_list = concerns.add_parser("list", parents=[common], help="list concerns (no personal data)")
    concern_list.add_argument("--region", help="region id")
    concern_list.add_argument("--status", default="open", choices=["open", "unreachable", "closed"])
    concern_list.add_argument("--json", action="store_true")
    concern_list.set_defaults(run=_concerns_list)

    add_counselling_commands(commands, common, _settings, parse_moment)
    add_capacity_commands(commands, common, _settings)
    add_demo_commands(commands, common, _settings, parse_moment)
    add_privacy_commands(commands, common, _settings)
    add_audit_commands(commands, common, _settings)

    users = commands.add_parser("users", help="staff accounts").add_subparsers(metavar="ACTION")
    add = users.add_parser("add", parents=[common], help="add a staff account")
    add.add_argument("username")
    add.add_argument(
        "--role", action="append", required=True, type=_role, help=f"one of {', '.join(ROLES)}; repeatable"
    )
    add.add_argument("--region", action="append", default=[], help="region id the user serves; repeatable")
    add.add_argument("--name", help="display name (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=_users_add)
    listing = users.add_parser("list", help="list staff accounts")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_users_list)
    bootstrap = users.add_parser(
        "bootstrap", help="development: create 'admin' with every role and a printed password, if no user exists"
    )
    bootstrap.set_defaults(run=_users_bootstrap)
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f'"{text}" is not a port number (1 to 65535)')
    return port


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    config = getattr(args, "config", None)
    return settings.model_copy(update={"config_path": Path(config)}) if config else settings


# --- serve ---------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from service.app import create_app
    from service.logs import JsonAccessLogger, configure_logging
    from service.preflight import check_database

    settings = _settings(args)
    served = str(URL.build(scheme="http", host=args.host, port=args.port))
    if "HOTLINE_PUBLIC_URL" not in os.environ:
        # Unset, the public URL is the served one (reached locally when listening on every
        # address), so links and webhook signatures match `--port` and `hotline simulate call --url`.
        local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        settings = settings.model_copy(update={"public_url": str(URL.build(scheme="http", host=local, port=args.port))})
    configure_logging()
    app = create_app(settings)  # a bad deployment file stops here with every error listed
    asyncio.run(check_database(settings.database_url))
    public = "" if settings.public_url == served else f" (public URL {settings.public_url})"

    def announce(_aiohttp_banner: str) -> None:
        # run_app calls this once its sockets are bound, so the URL printed is one that answers.
        print(f"Serving on {served}{public}", flush=True)

    try:
        # shutdown_timeout: on SIGTERM/SIGINT in-flight requests get this long to finish.
        web.run_app(
            app,
            loop=_event_loop(),
            host=args.host,
            port=args.port,
            access_log_class=JsonAccessLogger,
            access_log=logging.getLogger("hotline.access"),
            shutdown_timeout=15.0,
            print=announce,
        )
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        raise CommandFailed(
            f"cannot listen on {served}: {exc.strerror}; choose another port with --port (make run PORT=…)",
            EXIT_FAILURE,
        ) from None
    return EXIT_OK


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (not on Windows): the same service answers about 7% more
    webhooks a second on it (bench/webhooks.py); asyncio's own loop otherwise."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


# --- db ------------------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    from service.preflight import upgrade_database

    settings = _settings(args)
    revision = asyncio.run(upgrade_database(settings.database_url))
    print(f"database at revision {revision}")
    return EXIT_OK


# --- config check ----------------------------------------------------------------------------


def _config_check(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else _settings(args).config_path
    from telephony.prompts import PromptBook

    deployment = load_deployment(path)
    summary = deployment_summary(deployment)
    languages = sorted({language for region in deployment.regions for language in region.languages})
    summary["missing_translations"] = PromptBook.load().missing_translations(languages)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return EXIT_OK
    print(f"{path}: ok, {len(deployment.regions)} region(s), time zone {deployment.timezone}")
    for region in summary["regions"]:
        hours = ", ".join(f"{channel} {value:.1f} h" for channel, value in region["hours_per_week"].items())
        print(f"  {region['id']} ({region['name']}): {', '.join(region['numbers'])}; per week: {hours}")
    for language, keys in summary["missing_translations"].items():
        print(
            f"  warning: prompts in '{language}' lack {len(keys)} text(s), callers hear German instead: "
            f"{', '.join(keys[:5])}{' …' if len(keys) > 5 else ''}"
        )
    return EXIT_OK


def deployment_summary(deployment: Deployment) -> dict[str, Any]:
    return {
        "regions": [
            {
                "id": region.id,
                "name": region.name,
                "numbers": list(region.numbers),
                "languages": list(region.languages),
                "hours_per_week": {
                    channel: hours for channel in CHANNELS if (hours := hours_per_week(region).get(channel)) is not None
                },
            }
            for region in deployment.regions
        ]
    }


# --- route ---------------------------------------------------------------------------------


def _route(args: argparse.Namespace) -> int:
    from routing import UnknownNumber, decide, decision_as_json

    deployment = load_deployment(_settings(args).config_path)
    when = parse_moment(args.at, deployment.zone)
    try:
        decision = decide(args.to, when, deployment)
    except UnknownNumber as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None
    data = decision_as_json(decision)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return EXIT_OK
    region = decision.region
    if decision.open:
        until = f" until {_local(decision.closes_at, deployment.zone)}" if decision.closes_at else ""
        print(f"{region.id} ({region.name}): open{until}")
    else:
        why = str(decision.reason) + (f": {decision.detail}" if decision.detail else "")
        print(f"{region.id} ({region.name}): closed ({why})")
        opens = _local(decision.next_opening, deployment.zone) if decision.next_opening else "not within a year"
        print(f"  opens again: {opens}")
    print(f"  offers: {', '.join(decision.offers)}")
    return EXIT_OK


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """An ISO 8601 moment; one without offset is read as local time in `zone`."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandFailed(f'"{text}" is not an ISO 8601 date-time such as 2026-12-24T10:00 or ...+01:00', 2) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _local(moment: datetime | None, zone: tzinfo) -> str:
    """Local time with offset, to the second: what an operator compares with logs and `date`."""
    return "" if moment is None else timestamp(moment, zone)


# --- concerns --------------------------------------------------------------------------------


# The concern's moments, shown in the deployment's zone (the API gives them in UTC).
_CONCERN_TIMES = ("created_at", "due_at", "next_attempt_at", "closed_at")


def _concerns_list(args: argparse.Namespace) -> int:
    from callbacks.api_views import concern_summary
    from callbacks.worklist import Filters, worklist
    from service.preflight import database_session

    settings = _settings(args)
    deployment = load_deployment(settings.config_path)
    known = [region.id for region in deployment.regions]
    if args.region and args.region not in known:
        raise CommandFailed(f"unknown region {args.region} (known: {', '.join(known)})", EXIT_USAGE)

    async def fetch() -> list[dict[str, Any]]:
        async with database_session(settings.database_url) as session:
            filters = Filters(regions=[args.region] if args.region else known, status=args.status)
            zone = deployment.zone
            listed = await worklist(session, filters, now=datetime.now(UTC), limit=10_000)
            return [
                concern_summary(row.concern)
                | {name: _local(getattr(row.concern, name), zone) or None for name in _CONCERN_TIMES}
                for row in listed
            ]

    rows = asyncio.run(fetch())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        print(f"{row['reference']}  {row['region']:<10} {row['channel']:<15} {row['urgency']:<7} due {row['due_at']}")
    print(f"{len(rows)} concern(s), status {args.status}")
    return EXIT_OK


# --- simulate --------------------------------------------------------------------------------


def _simulate_call(args: argparse.Namespace) -> int:
    from telephony.simulator.calls import run_simulation

    settings = _settings(args)
    base_url = (args.url or settings.public_url).rstrip("/")
    # The service checks signatures against its public URL: the one set for both, else the URL
    # it was reached at (`make run PORT=8081` serves with http://127.0.0.1:8081 as public URL).
    public_url = settings.public_url if "HOTLINE_PUBLIC_URL" in os.environ or not args.url else base_url
    transcript = run_simulation(
        base_url=base_url,
        public_url=public_url,
        auth_token=settings.webhook_auth_token,
        account_sid=settings.webhook_account_sid,
        to=args.to,
        from_=args.caller,
        presses=args.press,
    )
    print(transcript.render(with_requests=args.requests))
    return EXIT_FAILURE if transcript.errors else EXIT_OK


# --- users ---------------------------------------------------------------------------------


def _users_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.region:
        known = {region.id for region in load_deployment(settings.config_path).regions}
        unknown = [r for r in args.region if r not in known]
        if unknown:
            raise CommandFailed(
                f"unknown region(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})", EXIT_USAGE
            )
    if problem := grant_problem(args.role):  # before the password is asked for
        raise CommandFailed(problem, EXIT_USAGE)
    password = _read_password(sys.stdin) if args.password_stdin else _prompt_password(getpass.getpass)
    member = asyncio.run(_create_user(settings, args.username, password, args.role, args.region, args.name))
    print(f"created {member.username} with role(s) {', '.join(sorted(member.roles))}")
    return EXIT_OK


def _read_password(stream: TextIO) -> str:
    line = stream.readline()
    return line.rstrip("\r\n")


def _prompt_password(ask: Callable[[str], str]) -> str:
    first = ask("Password: ")
    if ask("Repeat password: ") != first:
        raise CommandFailed("the passwords differ", EXIT_USAGE)
    return first


async def _create_user(
    settings: Settings, username: str, password: str, roles: Sequence[Role], regions: Sequence[str], name: str | None
) -> Any:
    from audit.trail import AuditRecord, append
    from service.preflight import database_session
    from staff.accounts import AccountError, create_user
    from storage.clock import system_clock

    try:
        async with database_session(settings.database_url) as session:
            now = system_clock()
            member = await create_user(
                session,
                username=username,
                password=password,
                roles=roles,
                regions=regions,
                display_name=name,
                now=now,
            )
            # In the same transaction: the account and its record are kept together or not at all.
            detail = {"roles": sorted(member.roles), "regions": sorted(member.regions)}
            added = AuditRecord(now, cli_actor(), "added_user", "user", member.username, detail=detail)
            await append(session, added)
            return member
    except AccountError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from None


def _users_list(args: argparse.Namespace) -> int:
    from service.preflight import database_session
    from staff.accounts import list_users

    async def fetch() -> list[Any]:
        async with database_session(_settings(args).database_url) as session:
            return await list_users(session)

    users = asyncio.run(fetch())
    rows = [
        {
            "username": u.username,
            "name": u.display_name,
            "roles": sorted(u.roles),
            "regions": sorted(u.regions),
            "active": u.active,
        }
        for u in users
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("no staff accounts yet: add one with `hotline users add NAME --role admin`")
    for row in rows:
        regions = ",".join(row["regions"]) or "all regions"
        state = "" if row["active"] else " (inactive)"
        print(f"{row['username']:<20} {','.join(row['roles']):<40} {regions}{state}")
    return EXIT_OK


def _users_bootstrap(args: argparse.Namespace) -> int:
    from service.preflight import database_session
    from staff.accounts import count_users

    settings = _settings(args)

    async def existing() -> int:
        async with database_session(settings.database_url) as session:
            return await count_users(session)

    if asyncio.run(existing()):
        return EXIT_OK
    password = secrets.token_urlsafe(12)
    asyncio.run(_create_user(settings, "admin", password, ROLES, (), "Administration"))
    print(
        "\n  First start: created the staff account 'admin' with every role.\n"
        f"  Log in at {settings.public_url}/login with password: {password}\n"
        "  (shown once; add your own accounts with `.venv/bin/hotline users add`)\n"
    )
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
