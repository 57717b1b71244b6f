"""The join pages' Content-Security-Policy allows exactly the configured provider (issue 12)."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from config.deployment import VideoSettings
from config.issues import ConfigError
from config.loader import parse_deployment
from config.settings import EXAMPLE_DEPLOYMENT
from service.security_headers import CONTENT_SECURITY_POLICY
from video.content_policy import DEFAULT_DIRECTIVES, video_content_security_policy

EXAMPLE: dict[str, Any] = tomllib.loads(EXAMPLE_DEPLOYMENT.read_text(encoding="utf-8"))
STRICT = (
    "default-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def directives(policy: str) -> dict[str, str]:
    return {name: value for name, _, value in (d.strip().partition(" ") for d in policy.split(";"))}


def test_jitsi_adds_its_host_for_the_iframe_api_script_and_the_meeting_frame_only() -> None:
    policy = video_content_security_policy(VideoSettings(domain="video.jobcenter.example"))
    assert policy == (
        "default-src 'self'; script-src 'self' https://video.jobcenter.example; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
        "frame-src https://video.jobcenter.example"
    )
    assert "twilio" not in policy


def test_twilio_adds_its_signalling_and_insights_websockets_and_media_streams_only() -> None:
    policy = video_content_security_policy(VideoSettings(provider="twilio"))
    assert policy == (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'; "
        "connect-src 'self' wss://global.vss.twilio.com wss://sdkgw.us1.twilio.com; media-src 'self' mediastream:"
    )
    # Our own copy of the SDK: no CDN, no eval (service/vendor_assets.py patches the one it had).
    assert directives(policy)["script-src"] == "'self'" and "unsafe" not in policy


@pytest.mark.parametrize(
    "video",
    [VideoSettings(domain="video.jobcenter.example"), VideoSettings(provider="twilio")],
    ids=["jitsi", "twilio"],
)
def test_every_video_policy_keeps_the_site_policy_it_extends(video: VideoSettings) -> None:
    policy = directives(video_content_security_policy(video))
    site = directives(CONTENT_SECURITY_POLICY)
    assert site == dict(DEFAULT_DIRECTIVES)  # the two copies of the site's policy agree
    unchanged = {name: value for name, value in site.items() if name != "script-src"}
    assert {name: policy[name] for name in unchanged} == unchanged
    assert policy["script-src"].startswith("'self'")


@pytest.mark.parametrize("domain", ["x; script-src *", "video.example.de script-src *", "*.example.de", "a\r\nb.de"])
def test_a_hostile_domain_never_reaches_the_header(domain: str) -> None:
    document = copy.deepcopy(EXAMPLE)
    document["video"] = {"provider": "jitsi", "domain": domain}
    with pytest.raises(ConfigError) as caught:
        parse_deployment(document)
    assert [str(issue).split(":")[0] for issue in caught.value.issues] == ["video.domain"]
    # Nor from settings built by hand, past the loader.
    with pytest.raises(ValueError, match="bare host name"):
        video_content_security_policy(VideoSettings(domain=domain))


def test_jitsi_without_a_domain_has_no_policy() -> None:
    with pytest.raises(ValueError, match="no Jitsi domain"):
        video_content_security_policy(VideoSettings())


def test_the_site_policy_is_the_strict_one() -> None:
    site = directives(CONTENT_SECURITY_POLICY)
    assert site.pop("script-src") == "'self'"
    assert "; ".join(f"{name} {value}" for name, value in site.items()) == STRICT
