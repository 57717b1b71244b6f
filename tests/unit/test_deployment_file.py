"""The deployment file loads as written, and every mistake is named by its key path."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from config.deployment import SameWorkingDay, TimeRange, VideoSettings, WithinWorkingHours
from config.issues import ConfigError
from config.loader import load_deployment, parse_deployment
from config.settings import EXAMPLE_DEPLOYMENT

EXAMPLE: dict[str, Any] = tomllib.loads(EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8"))


def test_the_example_loads_with_numbers_in_e164_and_hours_in_minutes() -> None:
    deployment = load_deployment(EXAMPLE_DEPLOYMENT)
    siegburg = deployment.regions[0]
    assert deployment.timezone == "Europe/Berlin"
    assert (deployment.holidays.country, deployment.holidays.subdivision) == ("DE", "NW")
    assert deployment.sla.urgent == SameWorkingDay() and deployment.sla.normal == WithinWorkingHours(48)
    assert siegburg.numbers == ("+4922419000100",)
    assert siegburg.languages[0] == "de" and siegburg.max_queue_wait == dt.timedelta(minutes=5)
    assert siegburg.hours["hotline"].days[0] == (TimeRange(480, 720), TimeRange(780, 900))
    assert siegburg.hours["hotline"].hours_per_week == 29.0
    assert siegburg.hours["counselling"].hours_per_week == 6.0
    assert deployment.closures[1].start == dt.datetime(2026, 12, 24) and deployment.closures[1].end == dt.datetime(
        2027, 1, 1
    )
    assert siegburg.closures[0].reason == "Betriebsversammlung"
    assert siegburg.special_hours[dt.date(2026, 12, 23)].channels["hotline"] == (TimeRange(480, 660),)
    assert deployment.region_for_number("+4922419000201") is deployment.region("troisdorf")


def _errors(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_deployment(document)
    return [str(issue) for issue in caught.value.issues]


def _example(**edits: Any) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    for path, value in edits.items():
        target: Any = document
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        (
            {"regions__0__hours__hotline__tue": ["08:00-07:00"]},
            'regions.siegburg.hours.hotline.tue: "08:00-07:00" ends before it starts',
        ),
        (
            {"regions__0__hours__hotline__mon": ["08:00-12:00", "11:00-13:00"]},
            'regions.siegburg.hours.hotline.mon: "08:00-12:00" and "11:00-13:00" overlap',
        ),
        (
            {"regions__0__hours__hotline__tues": ["08:00-12:00"]},
            "regions.siegburg.hours.hotline.tues: unknown weekday (expected one of: mon, tue, wed, thu, fri, sat, sun)",
        ),
        (
            {"regions__0__hours__video": {"mon": ["08:00-09:00"]}},
            "regions.siegburg.hours.video: unknown channel (expected one of: hotline, appointments, counselling)",
        ),
        (
            {"regions__0__hours__hotline__wed": ["8-12"]},
            'regions.siegburg.hours.hotline.wed: "8-12" is not a range of the form "HH:MM-HH:MM"',
        ),
        (
            {"timezone": "Europe/Bonn"},
            'timezone: unknown time zone "Europe/Bonn" (use an IANA name such as "Europe/Berlin")',
        ),
        (
            {"holidays__country": "XX"},
            'holidays.country: unknown holiday country "XX" (use an ISO 3166 code such as "DE")',
        ),
        ({"regions__0__numbers": ["+49 123"]}, "regions.siegburg.numbers[0]: '+49 123' is not a valid phone number"),
        (
            {"regions__1__numbers": ["+49 2241 9000 100"]},
            'regions.troisdorf.numbers: +4922419000100 belongs to region "siegburg" already',
        ),
        ({"regions__1__id": "siegburg"}, 'regions.siegburg.id: "siegburg" is used by regions[0] already'),
        (
            {"closures__1__to": "2026-12-23T00:00"},
            "closures[1].to: 2026-12-23T00:00:00 ends before the closure starts (2026-12-24T00:00:00)",
        ),
        (
            {"regions__0__languages": ["de", "xx"]},
            "regions.siegburg.languages[1]: 'xx' is not an ISO 639-1 language code",
        ),
        (
            {"regions__0__max_queue_wait": "5 minutes"},
            'regions.siegburg.max_queue_wait: "5 minutes" is not a duration (for example "5m", "90s", "1h30m")',
        ),
        (
            {"sla__normal": "2 days"},
            'sla.normal: "2 days" is not a rule: use "same_day" or a number of working hours such as "48h"',
        ),
        (
            {"sla__day_end": "18:00"},  # a file from before promises were kept in service time
            "sla.day_end: no longer used: same_day concerns are due at the end of the day's last hotline window; "
            "remove this key",
        ),
        (
            {"regions__0__hotline_number": "x"},
            "regions.siegburg.hotline_number: unknown key (expected one of: closures, hours, id, languages, "
            "max_queue_wait, name, numbers, special_hours, staff_line)",
        ),
        (
            {"regions__1__staff_line": "+49 2241 9000 100"},
            'regions.troisdorf.staff_line: +4922419000100 is a number of region "siegburg" already',
        ),
        ({"regions__1__staff_line": "12"}, "regions.troisdorf.staff_line: '12' is not a valid phone number"),
        ({"closures__0__date": "2026-02-30"}, "closures[0].date: '2026-02-30' is not a date such as \"2026-02-16\""),
    ],
)
def test_each_mistake_is_named_by_its_key_and_reason(edits: dict[str, Any], expected: str) -> None:
    assert expected in _errors(_example(**edits))


def test_unknown_subdivision_lists_the_known_ones() -> None:
    [error] = _errors(_example(holidays__subdivision="XY"))
    assert error.startswith('holidays.subdivision: unknown subdivision "XY" of DE (known: BB, BE, BW, BY')


def test_all_errors_are_collected_before_stopping() -> None:
    document = _example(
        timezone="Mars/Olympus", regions__0__hours__hotline__tue=["12:00-08:00"], regions__2__languages=["zz"]
    )
    del document["regions"][3]["hours"]["hotline"]
    errors = _errors(document)
    assert len(errors) == 4
    assert errors[-1] == "regions.eitorf.hours.hotline: missing: every region needs hotline hours"


def test_a_region_without_hotline_hours_and_a_deployment_without_regions_are_refused() -> None:
    assert _errors(
        {
            "timezone": "Europe/Berlin",
            "holidays": {"country": "DE"},
            "sla": {"urgent": "same_day", "normal": "48h"},
        }
    ) == ["regions: needs at least one [[regions]] table"]


def test_a_closure_needs_a_date_or_a_span_not_both() -> None:
    errors = _errors(_example(closures__0__from="2026-02-16T00:00"))
    assert errors == ['closures[0]: give either "date" or "from" and "to", not both']


def test_file_errors_name_the_file_and_the_toml_position(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('timezone = "Europe/Berlin"\n[holidays\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_deployment(broken)
    assert str(broken) in caught.value.render() and "line 2" in caught.value.render()
    with pytest.raises(ConfigError, match="file not found"):
        load_deployment(tmp_path / "missing.toml")


def test_range_may_end_at_midnight_but_not_start_there() -> None:
    deployment = parse_deployment(_example(regions__0__hours__hotline__sat=["20:00-24:00"]))
    assert deployment.regions[0].hours["hotline"].days[5] == (TimeRange(1200, 1440),)
    assert "is not a range" in _errors(_example(regions__0__hours__hotline__sat=["24:00-24:00"]))[0]


def test_the_website_is_optional_and_must_be_an_address_callers_can_hear() -> None:
    assert load_deployment(EXAMPLE_DEPLOYMENT).website == "www.jobcenter-rhein-sieg.de"
    without = _example()
    del without["website"]
    assert parse_deployment(without).website is None
    assert parse_deployment(_example(website="jobcenter-rhein-sieg.de/hotline")).website == (
        "jobcenter-rhein-sieg.de/hotline"
    )
    for wrong in ("https://www.jobcenter-rhein-sieg.de", "Jobcenter Rhein-Sieg", "www.JOBCENTER.de", ""):
        [error] = _errors(_example(website=wrong))
        assert error.startswith("website: "), error


def test_the_video_table_loads_and_is_optional() -> None:
    video = load_deployment(EXAMPLE_DEPLOYMENT).video
    assert (video.provider, video.domain, video.app_id, video.audience) == (
        "jitsi",
        "video.jobcenter.example",
        "hotline",
        "jitsi",
    )
    assert (video.early_join, video.grace) == (dt.timedelta(minutes=10), dt.timedelta(minutes=15))
    assert video.configured
    without = _example()
    del without["video"]
    defaults = parse_deployment(without).video
    assert defaults == VideoSettings() and defaults.domain is None and not defaults.configured
    twilio = parse_deployment(_example(video={"provider": "twilio", "early_join": "0m", "grace": "1h"})).video
    assert (twilio.provider, twilio.domain, twilio.configured) == ("twilio", None, True)
    assert (twilio.early_join, twilio.grace) == (dt.timedelta(0), dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("video", "expected"),
    [
        ({"provider": "zoom", "domain": "video.example.de"}, 'video.provider: \'zoom\' is not "jitsi" or "twilio"'),
        ({"provider": "jitsi"}, "video.domain: missing: the host name of the job centre's Jitsi Meet"),
        ({"domain": "https://video.example.de"}, 'video.domain: "https://video.example.de" is not a host name'),
        ({"domain": "video.example.de/room"}, 'video.domain: "video.example.de/room" is not a host name'),
        ({"domain": "video.example.de:8443"}, 'video.domain: "video.example.de:8443" is not a host name'),
        ({"domain": "Video.Example.de"}, 'video.domain: "Video.Example.de" is not a host name'),
        ({"domain": ""}, "video.domain: must be a non-empty string"),
        ({"domain": "video.example.de", "early_join": "soon"}, 'video.early_join: "soon" is not a duration'),
        ({"domain": "video.example.de", "grace": 15}, "video.grace: must be a non-empty string"),
        ({"domain": "video.example.de", "app_id": ""}, "video.app_id: must be a non-empty string"),
        ({"domain": "video.example.de", "audience": 3}, "video.audience: must be a non-empty string"),
        ({"domain": "video.example.de", "secret": "x"}, "video.secret: unknown key"),
        ("jitsi", "video: must be a table, not str"),
    ],
)
def test_each_video_mistake_is_named_by_its_key_and_reason(video: Any, expected: str) -> None:
    [error] = _errors(_example(video=video))
    assert error.startswith(expected), error
