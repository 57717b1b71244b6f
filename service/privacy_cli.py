"""`hotline privacy export|erase --number N`: a customer's access request (GDPR Art. 15) and
erasure (Art. 17), each recorded in the audit trail under the number's pseudonym."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from config.loader import load_deployment, normalise_number
from config.settings import Settings
from service.failures import EXIT_OK, EXIT_USAGE, CommandFailed

if TYPE_CHECKING:  # every command starts with the parser: the database layer loads only for these
    from service.privacy import Erasure, PersonalDataRights

SettingsOf = Callable[[argparse.Namespace], Settings]
_TITLES = {
    "concerns": "Anliegen (concerns)",
    "voicemails": "Sprachnachrichten (voicemails)",
    "bookings": "Beratungstermine (bookings)",
    "invitations": "Buchungslinks (booking links)",
    "contact_events": "Kontaktereignisse unter Pseudonym (contact events)",
}


def add_privacy_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    settings_of: SettingsOf,
) -> None:
    """The `privacy` command group; `settings_of` is the CLI's own."""
    privacy = commands.add_parser("privacy", help="a customer's access and erasure requests").add_subparsers(
        metavar="ACTION"
    )
    export = privacy.add_parser("export", parents=[common], help="everything held about a number (GDPR Art. 15)")
    export.add_argument("--number", required=True, metavar="NUMBER", help="the customer's number, any notation")
    export.add_argument("--json", action="store_true", help="print one JSON object")
    export.set_defaults(run=lambda args: _export(args, settings_of(args)))
    erase = privacy.add_parser(
        "erase", parents=[common], help="erase a number where no retention duty applies (GDPR Art. 17)"
    )
    erase.add_argument("--number", required=True, metavar="NUMBER", help="the customer's number, any notation")
    erase.add_argument("--json", action="store_true", help="print one JSON object")
    erase.set_defaults(run=lambda args: _erase(args, settings_of(args)))


def _operator() -> str:
    """Who ran the command, for the audit trail: the operating-system user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "unknown"


def _number(text: str, settings: Settings) -> str:
    e164 = normalise_number(text, load_deployment(settings.config_path).holidays.country)
    if e164 is None:
        raise CommandFailed(f'--number: "{text}" is not a phone number', EXIT_USAGE)
    return e164


@asynccontextmanager
async def _rights(settings: Settings) -> AsyncIterator[PersonalDataRights]:
    import migrations.tables  # noqa: F401  (every slice's tables)
    from callbacks.retention import ConcernRetention
    from contacts.pseudonyms import Pseudonymiser
    from service.counselling import outbound_for
    from service.preflight import check_database
    from service.privacy import PersonalDataRights
    from storage.clock import system_clock
    from storage.engine import create_engine, session_factory
    from telephony.outbound.recordings import RecordingsAtNetwork

    deployment = load_deployment(settings.config_path)
    await check_database(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        port = outbound_for(settings, sessions, system_clock)
        try:
            recordings = RecordingsAtNetwork(lambda: port)
            concerns = ConcernRetention(sessions, deployment.retention, system_clock, lambda: recordings)
            yield PersonalDataRights(
                sessions,
                deployment.retention,
                system_clock,
                Pseudonymiser(settings.secret_key),
                concerns,
                actor=f"cli:{_operator()}"[:80],
                zone=deployment.zone,
            )
        finally:
            await port.close()
    finally:
        await engine.dispose()


def _export(args: argparse.Namespace, settings: Settings) -> int:
    e164 = _number(args.number, settings)

    async def run() -> dict[str, Any]:
        async with _rights(settings) as rights:
            return await rights.export(e164)

    held = asyncio.run(run())
    if args.json:
        print(json.dumps(held, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"Gespeichert zu {held['number']} (pseudonym {held['pseudonym']}):")
    for name, title in _TITLES.items():
        items: list[dict[str, Any]] = held[name]
        print(f"\n{title}: {len(items)}")
        for item in items:
            print("  " + json.dumps(item, ensure_ascii=False))
    return EXIT_OK


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    e164 = _number(args.number, settings)

    async def run() -> Erasure:
        async with _rights(settings) as rights:
            return await rights.erase(e164)

    done = asyncio.run(run())
    if args.json:
        print(
            json.dumps(
                {
                    "concerns_erased": done.concerns_erased,
                    "concerns_withdrawn": done.concerns_withdrawn,
                    "recordings_deleted": done.recordings_deleted,
                    "bookings_erased": done.bookings_erased,
                    "bookings_cancelled": done.bookings_cancelled,
                    "invitations_erased": done.invitations_erased,
                    "kept": [{"what": k.what, "why": k.why} for k in done.kept],
                    "audit_seq": done.audit_seq,
                },
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    print(f"Gelöscht (erased): {done.concerns_erased} Anliegen, davon {done.concerns_withdrawn} zurückgezogen;")
    print(f"  {done.recordings_deleted} Aufnahme(n) bei Twilio gelöscht;")
    print(f"  {done.bookings_erased} Termin(e), davon {done.bookings_cancelled} abgesagt;")
    print(f"  {done.invitations_erased} Buchungslink(s).")
    print("Behalten (kept), und warum:")
    for kept in done.kept:
        print(f"  - {kept.what}: {kept.why}")
    print(f"Im Prüfprotokoll vermerkt (audit trail record {done.audit_seq}).")
    return EXIT_OK
