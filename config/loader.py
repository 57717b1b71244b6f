"""Reading the deployment file (TOML) into `Deployment`, reporting every error with its key path."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers

from config.deployment import (
    CHANNELS,
    DEFAULT_TOPICS,
    MINUTES_PER_DAY,
    VIDEO_PROVIDERS,
    WEEKDAYS,
    CallbackPolicy,
    Channel,
    Closure,
    DayRanges,
    Deployment,
    HolidayCalendar,
    PlanningSettings,
    Region,
    Retention,
    SameWorkingDay,
    Sla,
    SlaRule,
    SpecialHours,
    TelephonySettings,
    TimeRange,
    Topic,
    VideoSettings,
    WeeklyHours,
    WithinWorkingHours,
)
from config.issues import ConfigError, ConfigIssue, IssueCollector, join_key
from config.languages import ISO_639_1

_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_REGION_ID = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_TOP_KEYS = {
    "timezone",
    "website",
    "holidays",
    "sla",
    "closures",
    "regions",
    "telephony",
    "retention",
    "topics",
    "callbacks",
    "video",
    "planning",
}
# The web address as callers hear it and customers type it: a host name, perhaps a path, no scheme.
_WEBSITE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?:/[A-Za-z0-9._~/-]*)?$")
MAX_WEBSITE = 100
# A bare host name: the IFrame API script and the meeting are loaded from https://<domain>/.
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_VIDEO_KEYS = {"provider", "domain", "app_id", "audience", "early_join", "grace"}
_REGION_KEYS = {
    "id",
    "name",
    "numbers",
    "languages",
    "max_queue_wait",
    "hours",
    "closures",
    "special_hours",
    "staff_line",
}


def load_deployment(path: str | Path) -> Deployment:
    """Read and validate a deployment file; raise `ConfigError` listing every problem."""
    source = str(path)
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, [ConfigIssue("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [ConfigIssue("", f"cannot read the file: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [ConfigIssue("", f"not valid TOML: {exc}")]) from None
    return parse_deployment(raw, source=source)


def parse_deployment(raw: Mapping[str, Any], *, source: str = "") -> Deployment:
    """Validate an already-parsed document; raise `ConfigError` listing every problem."""
    c = IssueCollector()
    _unknown_keys(c, "", raw, _TOP_KEYS)
    timezone = _timezone(c, raw.get("timezone"))
    website = _website(c, raw.get("website"))
    calendar = _holidays(c, raw.get("holidays"))
    sla = _sla(c, raw.get("sla"))
    closures = _closures(c, "closures", raw.get("closures", []))
    regions = _regions(c, raw.get("regions"))
    telephony = _telephony(c, raw.get("telephony", {}))
    retention = _retention(c, raw.get("retention", {}))
    topics = _topics(c, raw.get("topics"))
    callbacks = _callback_policy(c, raw.get("callbacks", {}))
    video = _video(c, raw.get("video"))
    planning = _planning(c, raw.get("planning", {}))
    if c:
        raise ConfigError(source, c.issues)
    assert timezone is not None and calendar is not None and sla is not None
    return Deployment(
        timezone=timezone,
        holidays=calendar,
        sla=sla,
        regions=regions,
        closures=closures,
        telephony=telephony,
        retention=retention,
        topics=topics,
        callbacks=callbacks,
        video=video,
        planning=planning,
        website=website,
        source=source,
    )


def _topics(c: IssueCollector, value: Any) -> tuple[Topic, ...]:
    if value is None:
        return DEFAULT_TOPICS
    if not isinstance(value, list) or not value:
        c.add("topics", "must be a non-empty list of [[topics]] tables")
        return DEFAULT_TOPICS
    topics: list[Topic] = []
    for index, item in enumerate(value):
        key = f"topics[{index}]"
        table = _table(c, key, item)
        if table is None:
            continue
        _unknown_keys(c, key, table, {"id", "name", "name_en", "urgency"})
        topic_id = _string(c, join_key(key, "id"), table.get("id"))
        name = _string(c, join_key(key, "name"), table.get("name"))
        name_en = _string(c, join_key(key, "name_en"), table.get("name_en", name))
        urgency = table.get("urgency", "normal")
        if urgency not in ("urgent", "normal"):
            c.add(join_key(key, "urgency"), f'{urgency!r} is not "urgent" or "normal"')
            continue
        if topic_id and not _REGION_ID.match(topic_id):
            c.add(join_key(key, "id"), f'"{topic_id}" must be lower-case letters, digits, "-" or "_"')
            continue
        if topic_id and any(t.id == topic_id for t in topics):
            c.add(join_key(key, "id"), f'"{topic_id}" is listed twice')
            continue
        if topic_id and name and name_en:
            topics.append(Topic(topic_id, name, name_en, urgency))
    return tuple(topics) or DEFAULT_TOPICS


def _callback_policy(c: IssueCollector, value: Any) -> CallbackPolicy:
    table = _table(c, "callbacks", value) or {}
    _unknown_keys(c, "callbacks", table, {"attempts", "min_gap", "claim_lease", "due_soon"})
    defaults = CallbackPolicy()
    attempts = _whole_number(c, "callbacks.attempts", table.get("attempts", defaults.attempts), 1, 10)
    durations = {}
    for name in ("min_gap", "claim_lease", "due_soon"):
        if name in table:
            durations[name] = _duration(c, f"callbacks.{name}", table[name]) or getattr(defaults, name)
        else:
            durations[name] = getattr(defaults, name)
    return CallbackPolicy(attempts=attempts, **durations)


def _video(c: IssueCollector, value: Any) -> VideoSettings:
    defaults = VideoSettings()
    if value is None:
        return defaults
    table = _table(c, "video", value)
    if table is None:
        return defaults
    _unknown_keys(c, "video", table, _VIDEO_KEYS)
    provider = table.get("provider", defaults.provider)
    if provider not in VIDEO_PROVIDERS:
        c.add("video.provider", f'{provider!r} is not "jitsi" or "twilio"')
        provider = defaults.provider
    domain = _string(c, "video.domain", table.get("domain"), required=False)
    if domain is not None and (len(domain) > 253 or not _HOST.fullmatch(domain)):
        c.add(
            "video.domain",
            f'"{domain[:MAX_WEBSITE]}" is not a host name (such as "video.jobcenter.example": lower case, '
            'no "https://", no path or port)',
        )
        domain = None
    elif domain is None and provider == "jitsi" and "domain" not in table:
        c.add("video.domain", 'missing: the host name of the job centre\'s Jitsi Meet, e.g. "video.jobcenter.example"')
    app_id = _string(c, "video.app_id", table.get("app_id", defaults.app_id)) or defaults.app_id
    audience = _string(c, "video.audience", table.get("audience", defaults.audience)) or defaults.audience
    windows = {}
    for name in ("early_join", "grace"):
        # Zero is a valid window (no early entry, no grace), so only a bad value falls back.
        parsed = _duration(c, f"video.{name}", table[name]) if name in table else None
        windows[name] = parsed if parsed is not None else getattr(defaults, name)
    return VideoSettings(provider=provider, domain=domain, app_id=app_id, audience=audience, **windows)


_PLANNING_DURATIONS = ("target", "short_abandon", "repeat_window", "interval")
_PLANNING_SWITCHES = ("count_abandoned", "count_short_abandons", "queue_exits_abandoned")
_PLANNING_SHARES = ("service_level", "max_occupancy", "shrinkage")
STAFFING_INTERVALS = (dt.timedelta(minutes=15), dt.timedelta(minutes=30), dt.timedelta(minutes=60))


def _planning(c: IssueCollector, value: Any) -> PlanningSettings:
    table = _table(c, "planning", value) or {}
    _unknown_keys(c, "planning", table, {*_PLANNING_DURATIONS, *_PLANNING_SWITCHES, *_PLANNING_SHARES, "min_abandons"})
    defaults = PlanningSettings()
    chosen: dict[str, Any] = {}
    for name in _PLANNING_DURATIONS:
        parsed = _duration(c, f"planning.{name}", table[name]) if name in table else None
        chosen[name] = parsed if parsed is not None else getattr(defaults, name)
    if chosen["interval"] not in STAFFING_INTERVALS:
        c.add("planning.interval", 'must be "15m", "30m" or "60m"')
        chosen["interval"] = defaults.interval
    for name in _PLANNING_SWITCHES:
        switch = table.get(name, getattr(defaults, name))
        if not isinstance(switch, bool):
            c.add(f"planning.{name}", "must be true or false")
            switch = getattr(defaults, name)
        chosen[name] = switch
    for name in _PLANNING_SHARES:
        share = table.get(name, getattr(defaults, name))
        # A service level or occupancy of 0 asks for nothing; a shrinkage of 1 leaves nobody on the phone.
        fits = isinstance(share, int | float) and not isinstance(share, bool)
        fits = fits and (0 <= share < 1 if name == "shrinkage" else 0 < share <= 1)
        if not fits:
            span = "from 0 up to (not including) 1" if name == "shrinkage" else "above 0 and at most 1"
            c.add(f"planning.{name}", f"must be a share {span}, such as 0.8")
            share = getattr(defaults, name)
        chosen[name] = float(share)
    chosen["min_abandons"] = _whole_number(
        c, "planning.min_abandons", table.get("min_abandons", defaults.min_abandons), 1, 100_000
    )
    return PlanningSettings(**chosen)


def parse_weekly_hours(raw: Mapping[str, Any], *, key: str = "hours") -> WeeklyHours:
    """One weekly-hours table (`mon = ["08:00-12:00"]`, …) as typed by a planner; raises
    `ConfigError` naming each bad key."""
    c = IssueCollector()
    hours = _weekly_hours(c, key, raw)
    if c or hours is None:
        raise ConfigError("", c.issues or [ConfigIssue(key, "no hours")])
    return hours


def _telephony(c: IssueCollector, value: Any) -> TelephonySettings:
    table = _table(c, "telephony", value) or {}
    _unknown_keys(
        c, "telephony", table, {"hold_music", "voicemail_max_seconds", "transcribe_voicemail", "counsellor_max_misses"}
    )
    defaults = TelephonySettings()
    music = table.get("hold_music", "silence")
    if not isinstance(music, str) or not (music == "silence" or music.startswith("https://")):
        c.add("telephony.hold_music", '"silence" or an https:// URL of an audio file Twilio can fetch')
        music = "silence"
    transcribe = table.get("transcribe_voicemail", defaults.transcribe_voicemail)
    if not isinstance(transcribe, bool):
        c.add("telephony.transcribe_voicemail", "must be true or false")
        transcribe = False
    return TelephonySettings(
        hold_music=None if music == "silence" else music,
        voicemail_max_seconds=_whole_number(
            c,
            "telephony.voicemail_max_seconds",
            table.get("voicemail_max_seconds", defaults.voicemail_max_seconds),
            5,
            600,
        ),
        transcribe_voicemail=transcribe,
        counsellor_max_misses=_whole_number(
            c,
            "telephony.counsellor_max_misses",
            table.get("counsellor_max_misses", defaults.counsellor_max_misses),
            1,
            20,
        ),
    )


def _retention(c: IssueCollector, value: Any) -> Retention:
    table = _table(c, "retention", value) or {}
    limits = {
        "voicemail_days": (1, 365),
        "concern_days": (1, 365),
        "booking_days": (1, 365),
        "contact_log_months": (1, 120),
        "audit_years": (1, 30),
    }
    _unknown_keys(c, "retention", table, set(limits))
    defaults = Retention()
    kept = {
        name: _whole_number(c, f"retention.{name}", table.get(name, getattr(defaults, name)), lowest, highest)
        for name, (lowest, highest) in limits.items()
    }
    return Retention(**kept)


def _whole_number(c: IssueCollector, key: str, value: Any, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        c.add(key, f"must be a whole number from {lowest} to {highest}")
        return lowest
    return value


def _unknown_keys(c: IssueCollector, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for name in table:
        if name not in allowed:
            c.add(join_key(key, name), f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def _table(c: IssueCollector, key: str, value: Any) -> Mapping[str, Any] | None:
    if value is None:
        c.add(key, "missing")
        return None
    if not isinstance(value, dict):
        c.add(key, f"must be a table, not {type(value).__name__}")
        return None
    return cast(Mapping[str, Any], value)


def _string(c: IssueCollector, key: str, value: Any, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            c.add(key, "missing")
        return None
    if not isinstance(value, str) or not value.strip():
        c.add(key, "must be a non-empty string")
        return None
    return value.strip()


def _timezone(c: IssueCollector, value: Any) -> str | None:
    name = _string(c, "timezone", value)
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        c.add("timezone", f'unknown time zone "{name}" (use an IANA name such as "Europe/Berlin")')
        return None
    return name


def _website(c: IssueCollector, value: Any) -> str | None:
    address = _string(c, "website", value, required=False)
    if address is None:
        return None
    if len(address) > MAX_WEBSITE or not _WEBSITE.fullmatch(address):
        c.add(
            "website",
            f'"{address[:MAX_WEBSITE]}" is not a web address as callers hear it (a host name such as '
            '"www.jobcenter-rhein-sieg.de", lower case, perhaps a path; no "https://")',
        )
        return None
    return address


def _holidays(c: IssueCollector, value: Any) -> HolidayCalendar | None:
    table = _table(c, "holidays", value)
    if table is None:
        return None
    _unknown_keys(c, "holidays", table, {"country", "subdivision"})
    country = _string(c, "holidays.country", table.get("country"))
    subdivision = _string(c, "holidays.subdivision", table.get("subdivision"), required=False)
    if country is None:
        return None
    # Asking for the one country, not the list of all, keeps ~150 country modules unimported.
    try:
        known_subdivisions = holidays.country_holidays(country).subdivisions
    except NotImplementedError:
        c.add("holidays.country", f'unknown holiday country "{country}" (use an ISO 3166 code such as "DE")')
        return None
    if subdivision is not None and subdivision not in known_subdivisions:
        c.add(
            "holidays.subdivision",
            f'unknown subdivision "{subdivision}" of {country} (known: {", ".join(known_subdivisions)})',
        )
        return None
    return HolidayCalendar(country=country, subdivision=subdivision)


def _sla(c: IssueCollector, value: Any) -> Sla | None:
    table = _table(c, "sla", value)
    if table is None:
        return None
    if "day_end" in table:
        # Files written before promises were kept in service time still carry it: say why it went.
        c.add(
            "sla.day_end",
            "no longer used: same_day concerns are due at the end of the day's last hotline window; remove this key",
        )
    _unknown_keys(c, "sla", table, {"urgent", "normal", "day_end"})
    urgent = _sla_rule(c, "sla.urgent", table.get("urgent"))
    normal = _sla_rule(c, "sla.normal", table.get("normal"))
    if urgent is None or normal is None:
        return None
    return Sla(urgent=urgent, normal=normal)


def _sla_rule(c: IssueCollector, key: str, value: Any) -> SlaRule | None:
    text = _string(c, key, value)
    if text is None:
        return None
    if text == "same_day":
        return SameWorkingDay()
    match = re.fullmatch(r"(\d+)h", text)
    if match and int(match.group(1)) > 0:
        return WithinWorkingHours(hours=int(match.group(1)))
    c.add(key, f'"{text}" is not a rule: use "same_day" or a number of working hours such as "48h"')
    return None


def _parse_clock(text: str, *, allow_24: bool) -> int | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        return None
    return hours * 60 + minutes


def _duration(c: IssueCollector, key: str, value: Any) -> dt.timedelta | None:
    text = _string(c, key, value)
    if text is None:
        return None
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        c.add(key, f'"{text}" is not a duration (for example "5m", "90s", "1h30m")')
        return None
    h, m, s = (int(g) if g else 0 for g in match.groups())
    return dt.timedelta(hours=h, minutes=m, seconds=s)


def _day_ranges(c: IssueCollector, key: str, value: Any) -> DayRanges | None:
    if not isinstance(value, list):
        c.add(key, 'must be a list of ranges such as ["08:00-12:00"]')
        return None
    ranges: list[TimeRange] = []
    ok = True
    for item in value:
        parsed = _time_range(c, key, item)
        if parsed is None:
            ok = False
        else:
            ranges.append(parsed)
    ranges.sort(key=lambda r: r.start)
    for earlier, later in pairwise(ranges):
        if later.start < earlier.end:
            c.add(key, f'"{earlier}" and "{later}" overlap')
            ok = False
    return tuple(ranges) if ok else None


def _time_range(c: IssueCollector, key: str, item: Any) -> TimeRange | None:
    if not isinstance(item, str) or "-" not in item:
        c.add(key, f'{item!r} is not a range of the form "HH:MM-HH:MM"')
        return None
    start_text, _, end_text = item.partition("-")
    start = _parse_clock(start_text, allow_24=False)
    end = _parse_clock(end_text, allow_24=True)
    if start is None or end is None:
        c.add(key, f'"{item}" is not a range of the form "HH:MM-HH:MM"')
        return None
    if end <= start:
        c.add(key, f'"{item}" ends before it starts')
        return None
    assert end <= MINUTES_PER_DAY
    return TimeRange(start, end)


def _weekly_hours(c: IssueCollector, key: str, value: Any) -> WeeklyHours | None:
    table = _table(c, key, value)
    if table is None:
        return None
    days: list[DayRanges] = [() for _ in WEEKDAYS]
    ok = True
    for day_name, ranges_value in table.items():
        day_key = join_key(key, day_name)
        if day_name not in WEEKDAYS:
            c.add(day_key, f"unknown weekday (expected one of: {', '.join(WEEKDAYS)})")
            ok = False
            continue
        ranges = _day_ranges(c, day_key, ranges_value)
        if ranges is None:
            ok = False
        else:
            days[WEEKDAYS.index(day_name)] = ranges
    if not ok:
        return None
    return WeeklyHours(days=cast(Any, tuple(days)))


def _local_datetime(c: IssueCollector, key: str, value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            c.add(key, "must be a local date-time without offset (it is read in the deployment's time zone)")
            return None
        return value
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            return parsed
    c.add(key, f'{value!r} is not a local date-time such as "2026-12-24T00:00"')
    return None


def _date(c: IssueCollector, key: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    c.add(key, f'{value!r} is not a date such as "2026-02-16"')
    return None


def _closures(c: IssueCollector, key: str, value: Any) -> tuple[Closure, ...]:
    if not isinstance(value, list):
        c.add(key, "must be a list of closures ([[closures]] tables)")
        return ()
    result: list[Closure] = []
    for index, item in enumerate(value):
        closure = _closure(c, f"{key}[{index}]", item)
        if closure is not None:
            result.append(closure)
    return tuple(sorted(result, key=lambda cl: cl.start))


def _closure(c: IssueCollector, key: str, value: Any) -> Closure | None:
    table = _table(c, key, value)
    if table is None:
        return None
    _unknown_keys(c, key, table, {"date", "from", "to", "reason"})
    reason = _string(c, join_key(key, "reason"), table.get("reason"))
    if "date" in table:
        if "from" in table or "to" in table:
            c.add(key, 'give either "date" or "from" and "to", not both')
            return None
        day = _date(c, join_key(key, "date"), table["date"])
        if day is None or reason is None:
            return None
        midnight = dt.datetime.combine(day, dt.time())
        return Closure(start=midnight, end=midnight + dt.timedelta(days=1), reason=reason)
    if "from" not in table or "to" not in table:
        c.add(key, 'needs "date", or both "from" and "to"')
        return None
    start = _local_datetime(c, join_key(key, "from"), table["from"])
    end = _local_datetime(c, join_key(key, "to"), table["to"])
    if start is None or end is None or reason is None:
        return None
    if end <= start:
        c.add(join_key(key, "to"), f"{end.isoformat()} ends before the closure starts ({start.isoformat()})")
        return None
    return Closure(start=start, end=end, reason=reason)


def _special_hours(c: IssueCollector, key: str, value: Any) -> dict[dt.date, SpecialHours]:
    if not isinstance(value, list):
        c.add(key, "must be a list of [[regions.special_hours]] tables")
        return {}
    result: dict[dt.date, SpecialHours] = {}
    for index, item in enumerate(value):
        item_key = f"{key}[{index}]"
        table = _table(c, item_key, item)
        if table is None:
            continue
        _unknown_keys(c, item_key, table, {"date", *CHANNELS})
        day = _date(c, join_key(item_key, "date"), table.get("date"))
        channels: dict[Channel, DayRanges] = {}
        for channel in CHANNELS:
            if channel in table:
                ranges = _day_ranges(c, join_key(item_key, channel), table[channel])
                if ranges is not None:
                    channels[channel] = ranges
        if not any(ch in table for ch in CHANNELS):
            c.add(item_key, f"names no channel (one of: {', '.join(CHANNELS)})")
        if day is None:
            continue
        if day in result:
            c.add(join_key(item_key, "date"), f"{day.isoformat()} has special hours twice")
            continue
        result[day] = SpecialHours(date=day, channels=channels)
    return result


def _numbers(c: IssueCollector, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        c.add(key, 'must be a non-empty list of phone numbers such as ["+49 2241 9000 100"]')
        return ()
    result: list[str] = []
    for index, item in enumerate(value):
        item_key = f"{key}[{index}]"
        e164 = normalise_number(item) if isinstance(item, str) else None
        if e164 is None:
            c.add(item_key, f"{item!r} is not a valid phone number")
        elif e164 in result:
            c.add(item_key, f"{e164} is listed twice")
        else:
            result.append(e164)
    return tuple(result)


def normalise_number(text: str, default_region: str = "DE") -> str | None:
    """Return the E.164 form of a phone number in any notation, or None if it is not valid."""
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _languages(c: IssueCollector, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ("de",)
    if not isinstance(value, list) or not value:
        c.add(key, 'must be a non-empty list of ISO 639-1 codes such as ["de", "en"]')
        return ()
    result: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or item.lower() not in ISO_639_1:
            c.add(f"{key}[{index}]", f"{item!r} is not an ISO 639-1 language code")
        elif item.lower() in result:
            c.add(f"{key}[{index}]", f'"{item}" is listed twice')
        else:
            result.append(item.lower())
    return tuple(result)


def _regions(c: IssueCollector, value: Any) -> tuple[Region, ...]:
    if not isinstance(value, list) or not value:
        c.add("regions", "needs at least one [[regions]] table")
        return ()
    regions: list[Region] = []
    seen_ids: dict[str, int] = {}
    number_owner: dict[str, str] = {}
    for index, item in enumerate(value):
        region_id = item.get("id") if isinstance(item, dict) else None
        key = f"regions.{region_id}" if isinstance(region_id, str) and region_id else f"regions[{index}]"
        if isinstance(region_id, str) and region_id in seen_ids:
            c.add(join_key(key, "id"), f'"{region_id}" is used by regions[{seen_ids[region_id]}] already')
            continue
        if isinstance(region_id, str):
            seen_ids[region_id] = index
        region = _region(c, key, item)
        if region is None:
            continue
        for number in region.numbers:
            if number in number_owner:
                c.add(join_key(key, "numbers"), f'{number} belongs to region "{number_owner[number]}" already')
            number_owner[number] = region.id
        if region.staff_line is not None:
            if region.staff_line in number_owner:
                owner = number_owner[region.staff_line]
                c.add(join_key(key, "staff_line"), f'{region.staff_line} is a number of region "{owner}" already')
            number_owner[region.staff_line] = region.id
        regions.append(region)
    return tuple(regions)


def _region(c: IssueCollector, key: str, value: Any) -> Region | None:
    table = _table(c, key, value)
    if table is None:
        return None
    before = len(c.issues)
    _unknown_keys(c, key, table, _REGION_KEYS)
    region_id = _string(c, join_key(key, "id"), table.get("id"))
    if region_id is not None and not _REGION_ID.match(region_id):
        c.add(join_key(key, "id"), f'"{region_id}" must be lower-case letters, digits, "-" or "_"')
    name = _string(c, join_key(key, "name"), table.get("name"))
    numbers = _numbers(c, join_key(key, "numbers"), table.get("numbers"))
    languages = _languages(c, join_key(key, "languages"), table.get("languages"))
    max_wait = _duration(c, join_key(key, "max_queue_wait"), table.get("max_queue_wait", "5m"))
    hours = _region_hours(c, join_key(key, "hours"), table.get("hours"))
    closures = _closures(c, join_key(key, "closures"), table.get("closures", []))
    special = _special_hours(c, join_key(key, "special_hours"), table.get("special_hours", []))
    staff_line = None
    if "staff_line" in table:
        staff_line = normalise_number(table["staff_line"]) if isinstance(table["staff_line"], str) else None
        if staff_line is None:
            c.add(join_key(key, "staff_line"), f"{table['staff_line']!r} is not a valid phone number")
    if len(c.issues) > before:
        return None
    assert region_id and name and max_wait is not None and hours is not None
    return Region(
        id=region_id,
        name=name,
        numbers=numbers,
        languages=languages,
        max_queue_wait=max_wait,
        hours=hours,
        closures=closures,
        special_hours=special,
        staff_line=staff_line,
    )


def _region_hours(c: IssueCollector, key: str, value: Any) -> dict[Channel, WeeklyHours] | None:
    table = _table(c, key, value)
    if table is None:
        return None
    result: dict[Channel, WeeklyHours] = {}
    for channel_name, hours_value in table.items():
        channel_key = join_key(key, channel_name)
        if channel_name not in CHANNELS:
            c.add(channel_key, f"unknown channel (expected one of: {', '.join(CHANNELS)})")
            continue
        hours = _weekly_hours(c, channel_key, hours_value)
        if hours is not None:
            result[channel_name] = hours
    if "hotline" not in table:
        c.add(join_key(key, "hotline"), "missing: every region needs hotline hours")
    return result
