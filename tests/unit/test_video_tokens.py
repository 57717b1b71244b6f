"""Video tokens: every claim as Prosody or Twilio reads it, checked by decoding with PyJWT at fixed times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.deployment import VideoSettings
from video.jitsi import customer_display_name, jitsi_token
from video.rooms import MIN_ROOM_NAME_LENGTH, ROOM_ALPHABET, check_room_name, new_room_name
from video.twilio_video import twilio_video_token

BERLIN = dt.timezone(dt.timedelta(hours=1))
START = dt.datetime(2026, 12, 4, 16, 0, tzinfo=BERLIN)
END = START + dt.timedelta(minutes=30)
SECRET = "s" * 40
VIDEO = VideoSettings(domain="video.jobcenter.example")
ROOM = "k3j9x0q2m7v5b1n8c4z6"


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _decode_jitsi(token: str, *, at: dt.datetime, secret: str = SECRET) -> dict[str, Any]:
    """Decode as Prosody would at the fixed moment `at`: signature, audience and issuer by PyJWT,
    the window compared with `at` rather than with the machine's clock."""
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience="jitsi",
        issuer="hotline",
        options={"require": ["nbf", "exp"], "verify_nbf": False, "verify_exp": False},
    )
    now = _epoch(at)
    if now < claims["nbf"]:
        raise jwt.ImmatureSignatureError("not yet valid")
    if now >= claims["exp"]:
        raise jwt.ExpiredSignatureError("expired")
    return claims


def _token(**overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "room": ROOM,
        "name": "Ayşe",
        "moderator": False,
        "start": START,
        "end": END,
    }
    arguments.update(overrides)
    return jitsi_token(VIDEO, SECRET, **arguments)


def test_the_jitsi_token_carries_every_claim_prosody_checks() -> None:
    claims = jwt.decode(
        _token(),
        SECRET,
        algorithms=["HS256"],
        audience="jitsi",
        issuer="hotline",
        options={"verify_nbf": False, "verify_exp": False},
    )
    assert claims == {
        "iss": "hotline",
        "aud": "jitsi",
        "sub": "video.jobcenter.example",
        "room": ROOM,
        "nbf": _epoch(START - dt.timedelta(minutes=10)),
        "exp": _epoch(END + dt.timedelta(minutes=15)),
        "context": {"user": {"name": "Ayşe", "moderator": False}},
    }
    assert jwt.get_unverified_header(_token())["alg"] == "HS256"


def test_only_the_counsellor_is_moderator() -> None:
    counsellor = _decode_jitsi(_token(name="Frau Schmitz", moderator=True), at=START)
    customer = _decode_jitsi(_token(), at=START)
    assert counsellor["context"]["user"] == {"name": "Frau Schmitz", "moderator": True}
    assert customer["context"]["user"]["moderator"] is False


def test_the_token_opens_from_early_join_until_grace_and_not_a_second_outside() -> None:
    token = _token()
    opens, closes = START - dt.timedelta(minutes=10), END + dt.timedelta(minutes=15)
    second = dt.timedelta(seconds=1)
    for inside in (opens, START, END, closes - second):
        assert _decode_jitsi(token, at=inside)["room"] == ROOM
    with pytest.raises(jwt.ImmatureSignatureError):
        _decode_jitsi(token, at=opens - second)
    with pytest.raises(jwt.ExpiredSignatureError):
        _decode_jitsi(token, at=closes)


def test_windows_follow_the_deployment_settings() -> None:
    settings_ = VideoSettings(
        domain="meet.example.org",
        app_id="jc",
        audience="prosody",
        early_join=dt.timedelta(0),
        grace=dt.timedelta(minutes=5),
    )
    token = jitsi_token(settings_, SECRET, room=ROOM, name="Gast", moderator=False, start=START, end=END)
    claims = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="prosody",
        issuer="jc",
        options={"verify_nbf": False, "verify_exp": False},
    )
    assert claims["sub"] == "meet.example.org"
    assert (claims["nbf"], claims["exp"]) == (_epoch(START), _epoch(END + dt.timedelta(minutes=5)))


def test_a_wrong_secret_or_audience_fails() -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        _decode_jitsi(_token(), at=START, secret="t" * 40)
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            _token(), SECRET, algorithms=["HS256"], audience="other", options={"verify_nbf": False, "verify_exp": False}
        )


def test_a_token_names_its_own_room_only() -> None:
    other = new_room_name()
    claims = _decode_jitsi(_token(room=other), at=START)
    assert claims["room"] == other and ROOM not in str(claims)


@pytest.mark.parametrize("room", ["*", "short1234", "K3J9X0Q2M7V5B1N8C4Z6", "k3j9x0q2m7v5b1n8/c4z6", "", "a" * 65])
def test_the_wildcard_and_unsafe_rooms_are_refused(room: str) -> None:
    with pytest.raises(ValueError, match="video room"):
        _token(room=room)


def test_no_token_without_a_domain_zone_or_a_real_span() -> None:
    with pytest.raises(ValueError, match="domain"):
        jitsi_token(VideoSettings(), SECRET, room=ROOM, name="Gast", moderator=False, start=START, end=END)
    with pytest.raises(ValueError, match="time zone"):
        _token(start=START.replace(tzinfo=None))
    with pytest.raises(ValueError, match="end after"):
        _token(end=START)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Ayşe Yılmaz", "Ayşe"), ("  Jan  ", "Jan"), ("", "Gast"), ("   ", "Gast"), (None, "Gast"), ("A" * 60, "A" * 40)],
)
def test_customers_appear_by_first_name_or_as_guest(name: str | None, shown: str) -> None:
    assert customer_display_name(name) == shown


@settings(max_examples=50)
@given(st.integers(min_value=2, max_value=300))
def test_room_names_are_long_safe_and_never_repeat(count: int) -> None:
    names = [new_room_name() for _ in range(count)]
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) >= MIN_ROOM_NAME_LENGTH and set(name) <= set(ROOM_ALPHABET) and name != "*"
        assert check_room_name(name) == name


@given(st.text(min_size=0, max_size=80))
def test_a_room_name_is_accepted_only_if_safe(text: str) -> None:
    safe = MIN_ROOM_NAME_LENGTH <= len(text) <= 64 and set(text) <= set(ROOM_ALPHABET)
    if safe:
        assert check_room_name(text) == text
    else:
        with pytest.raises(ValueError):
            check_room_name(text)


ACCOUNT, KEY, API_SECRET = "AC" + "1" * 32, "SK" + "2" * 32, "a" * 32


def _twilio(now: dt.datetime, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "identity": "counsellor-schmitz",
        "room": ROOM,
        "start": START,
        "end": END,
        "grace": dt.timedelta(minutes=15),
        "now": now,
    }
    arguments.update(overrides)
    token = twilio_video_token(ACCOUNT, KEY, API_SECRET, **arguments)
    assert jwt.get_unverified_header(token)["cty"] == "twilio-fpa;v=1"
    claims: dict[str, Any] = jwt.decode(
        token, API_SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_nbf": False}
    )
    return claims


def test_the_twilio_token_grants_one_room_to_one_identity() -> None:
    claims = _twilio(START)
    assert claims["iss"] == KEY and claims["sub"] == ACCOUNT
    assert claims["grants"] == {"identity": "counsellor-schmitz", "video": {"room": ROOM}}
    assert claims["nbf"] == _epoch(START)
    assert claims["exp"] == _epoch(END + dt.timedelta(minutes=15))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            twilio_video_token(
                ACCOUNT,
                KEY,
                API_SECRET,
                identity="x",
                room=ROOM,
                start=START,
                end=END,
                grace=dt.timedelta(0),
                now=START,
            ),
            "b" * 32,
            algorithms=["HS256"],
        )


def test_the_twilio_ttl_is_at_most_the_slot_plus_grace_and_never_past_it() -> None:
    slot_and_grace = (END - START) + dt.timedelta(minutes=15)
    early = START - dt.timedelta(minutes=10)
    late = END + dt.timedelta(minutes=5)
    for now in (early, START, START + dt.timedelta(minutes=20), late):
        claims = _twilio(now)
        lifetime = claims["exp"] - claims["nbf"]
        assert claims["nbf"] == _epoch(now)
        assert 0 < lifetime <= slot_and_grace.total_seconds()
        assert claims["exp"] <= _epoch(END + dt.timedelta(minutes=15))
    assert _twilio(early)["exp"] == _epoch(early + slot_and_grace)
    assert _twilio(late)["exp"] == _epoch(END + dt.timedelta(minutes=15))


def test_no_twilio_token_once_the_session_is_over_or_for_a_bad_room() -> None:
    with pytest.raises(ValueError, match="over"):
        _twilio(END + dt.timedelta(minutes=15))
    with pytest.raises(ValueError, match="video room"):
        _twilio(START, room="*")
    with pytest.raises(ValueError, match="24 hours"):
        _twilio(START, end=START + dt.timedelta(hours=30))
