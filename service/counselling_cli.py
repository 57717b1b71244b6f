"""`hotline counselling …`: publish slots, send a booking link, list what is offered and booked.

The commands use the same `Counselling` as the app (`service.counselling.build_counselling`):
links from the public URL and the link paths, text messages through Twilio's REST API with
credentials, else into the simulator's outbox, as the app sends them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import Settings
from formatting.moments import timestamp
from service.failures import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, CommandFailed
from telephony.outbound.port import OutboundError, OutboundPort
from video.errors import CounsellingRefused
from video.vocabulary import MAX_WEEKS, SLOT_KINDS

if TYPE_CHECKING:  # every command starts with the parser: the database layer loads only for these
    from video.service import Counselling
    from video.values import SlotView

SettingsOf = Callable[[argparse.Namespace], Settings]
MomentParser = Callable[[str, dt.tzinfo], dt.datetime]


def add_counselling_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
    parse_moment: MomentParser,
) -> None:
    """The `counselling` command group; `settings_of` and `parse_moment` are the CLI's own."""
    counselling = commands.add_parser("counselling", help="counselling slots and booking links").add_subparsers(
        metavar="ACTION"
    )
    slots = counselling.add_parser("slots", help="a counsellor's slots").add_subparsers(metavar="ACTION")
    add = slots.add_parser("add", parents=[common], help="publish a slot, weekly with --weeks")
    add.add_argument("--region", required=True, help="region id")
    add.add_argument("--counsellor", required=True, metavar="USERNAME", help="the counsellor who offers it")
    add.add_argument(
        "--start", required=True, metavar="WHEN", help="ISO 8601; without offset it is local time of the deployment"
    )
    add.add_argument("--minutes", type=int, default=30, help="length (default: 30)")
    add.add_argument("--kind", choices=SLOT_KINDS, default="either", help="phone, video or either (default)")
    add.add_argument("--reason", help="why a slot lies outside the region's counselling hours (needed there)")
    add.add_argument("--weeks", type=_weeks, default=1, help=f"repeat weekly this many times (1 to {MAX_WEEKS})")
    add.add_argument("--json", action="store_true", help="print the slots as JSON")
    add.set_defaults(run=lambda args: _slots_add(args, settings_of(args), parse_moment))

    link = counselling.add_parser("link", parents=[common], help="send a booking link by SMS")
    link.add_argument("--region", required=True, help="region id")
    link.add_argument("--to", required=True, metavar="NUMBER", help="the customer's mobile number, any notation")
    link.add_argument("--language", default="de", choices=["de", "en"], help="of the message (default: de)")
    link.add_argument("--json", action="store_true", help='print {"url": …}')
    link.set_defaults(run=lambda args: _link(args, settings_of(args)))

    listing = counselling.add_parser("list", parents=[common], help="slots and bookings from now on (no personal data)")
    listing.add_argument("--region", help="region id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=lambda args: _list(args, settings_of(args)))


def _weeks(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WEEKS:
        raise argparse.ArgumentTypeError(f'"{text}" is not a number of weeks from 1 to {MAX_WEEKS}')
    return int(text)


def _known_region(deployment: Deployment, region: str | None) -> None:
    if region is not None and deployment.region(region) is None:
        known = ", ".join(r.id for r in deployment.regions)
        raise CommandFailed(f"unknown region {region} (known: {known})", EXIT_USAGE)


@dataclass
class _TextsOfCommand:
    """Text messages a command hands over, sent before it ends: a command has no background to
    send in, and the operator is told when one fails (the link itself is made and stands)."""

    port: OutboundPort
    waiting: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, *, to: str, from_: str, body: str, context: Mapping[str, Any]) -> None:
        self.waiting.append((to, from_, body))

    async def deliver(self) -> None:
        while self.waiting:
            to, from_, body = self.waiting.pop(0)
            try:
                await self.port.send_sms(to=to, from_=from_, body=body)
            except OutboundError as exc:
                raise CommandFailed(f"the text message could not be sent: {exc}", EXIT_FAILURE) from None


@asynccontextmanager
async def _counselling(settings: Settings, deployment: Deployment) -> AsyncIterator[Counselling]:
    """Counselling on the configured database; text messages handed over are sent before it closes."""
    import migrations.tables  # noqa: F401  (every slice's tables: an invitation refers to a concern)
    from service.counselling import build_counselling, outbound_for
    from service.preflight import check_database
    from storage.clock import system_clock
    from storage.engine import create_engine, session_factory

    await check_database(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        port = outbound_for(settings, sessions, system_clock)
        texts = _TextsOfCommand(port)
        try:
            yield build_counselling(settings, sessions, deployment, system_clock, texts)
            await texts.deliver()
        finally:
            await port.close()
    finally:
        await engine.dispose()


def _refused(exc: CounsellingRefused) -> CommandFailed:
    return CommandFailed(f"refused ({exc.code}): {exc.detail}", EXIT_FAILURE)


# --- slots add -------------------------------------------------------------------------------


def _slots_add(args: argparse.Namespace, settings: Settings, parse_moment: MomentParser) -> int:
    deployment = load_deployment(settings.config_path)
    _known_region(deployment, args.region)
    start = parse_moment(args.start, deployment.zone)

    async def publish() -> tuple[list[SlotView], str]:
        async with _counselling(settings, deployment) as counselling:
            counsellor_id, username = await _counsellor(counselling, args.counsellor, args.region)
            try:
                slots = await counselling.publish(
                    counsellor_id=counsellor_id,
                    region_id=args.region,
                    start=start,
                    minutes=args.minutes,
                    kind=args.kind,
                    reason=args.reason,
                    weeks=args.weeks,
                )
            except CounsellingRefused as exc:
                raise _refused(exc) from None
            return slots, username

    slots, username = asyncio.run(publish())
    rows = [_slot_row(slot, {slot.counsellor_id: username}, deployment) for slot in slots]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        print(f"{row['id']:>6}  {row['starts_at']} to {row['ends_at']}  {row['region']}  {row['kind']}  {username}")
    print(f"published {len(rows)} slot(s)")
    return EXIT_OK


async def _counsellor(counselling: Counselling, username: str, region: str) -> tuple[int, str]:
    """The id of the active counsellor `username` serving `region`; a usage error otherwise."""
    from sqlalchemy import select

    from staff.accounts import as_member, normalise_username
    from staff.models import StaffUser

    name = normalise_username(username)
    async with counselling.sessions() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == name))
        member = as_member(user) if user is not None else None
    if member is None or not member.active:
        raise CommandFailed(f'no active staff account "{name}"', EXIT_USAGE)
    if "counsellor" not in member.roles:
        raise CommandFailed(f'"{name}" is not a counsellor', EXIT_USAGE)
    if not member.may_serve(region):
        raise CommandFailed(f'"{name}" does not serve the region {region}', EXIT_USAGE)
    return member.id, member.username


def _slot_row(slot: SlotView, usernames: dict[int, str], deployment: Deployment) -> dict[str, Any]:
    return {
        "id": slot.id,
        "region": slot.region,
        "counsellor": usernames.get(slot.counsellor_id),
        "starts_at": timestamp(slot.starts_at, deployment.zone),
        "ends_at": timestamp(slot.ends_at, deployment.zone),
        "minutes": slot.minutes,
        "kind": slot.kind,
        "reason": slot.reason,
        "series": slot.series,
    }


# --- link ------------------------------------------------------------------------------------


def _link(args: argparse.Namespace, settings: Settings) -> int:
    deployment = load_deployment(settings.config_path)
    _known_region(deployment, args.region)

    async def send() -> str:
        async with _counselling(settings, deployment) as counselling:
            try:
                sent = await counselling.invite(
                    region_id=args.region, number=args.to, language=args.language, source="command_line"
                )
            except CounsellingRefused as exc:
                code = EXIT_USAGE if exc.code in ("number_invalid", "number_cannot_text") else EXIT_FAILURE
                raise CommandFailed(f"refused ({exc.code}): {exc.detail}", code) from None
            return sent.url

    url = asyncio.run(send())
    if args.json:
        print(json.dumps({"url": url}))
        return EXIT_OK
    print(f"booking link sent: {url}")
    return EXIT_OK


# --- list ------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, settings: Settings) -> int:
    deployment = load_deployment(settings.config_path)
    _known_region(deployment, args.region)

    async def fetch() -> tuple[list[tuple[SlotView, str | None, str | None]], dict[int, str]]:
        from sqlalchemy import select

        from staff.models import StaffUser

        async with _counselling(settings, deployment) as counselling:
            rows = await counselling.overview(region_id=args.region, since=counselling.clock())
            async with counselling.sessions() as session:
                users = dict((await session.execute(select(StaffUser.id, StaffUser.username))).tuples().all())
        return rows, users

    rows, usernames = asyncio.run(fetch())
    listed = [
        {
            "id": slot.id,
            "starts_at": timestamp(slot.starts_at, deployment.zone),
            "ends_at": timestamp(slot.ends_at, deployment.zone),
            "region": slot.region,
            "counsellor": usernames.get(slot.counsellor_id),
            "kind": slot.kind,
            "status": status or "free",
            "mode": mode,
        }
        for slot, status, mode in rows
    ]
    if args.json:
        print(json.dumps(listed, ensure_ascii=False))
        return EXIT_OK
    for row in listed:
        mode = f" ({row['mode']})" if row["mode"] else ""
        print(
            f"{row['id']:>6}  {row['starts_at']}  {row['region']:<10} {row['counsellor'] or '?':<16} "
            f"{row['kind']:<6} {row['status']}{mode}"
        )
    print(f"{len(listed)} slot(s) from now on")
    return EXIT_OK
