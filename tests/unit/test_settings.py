"""Settings from the environment: defaults for development, clear errors for bad values."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from config.issues import ConfigError
from config.settings import EXAMPLE_DEPLOYMENT, load_settings


def test_defaults_need_nothing_but_a_var_directory(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path / "var")})
    assert settings.config_path == EXAMPLE_DEPLOYMENT
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'hotline.db'}"
    assert settings.database_kind == "sqlite" and not settings.secure_cookies
    assert settings.twilio_account_sid is None


def test_development_secret_is_made_once_kept_private_and_reused(tmp_path: Path) -> None:
    first = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)}).secret_key
    second = load_settings({"HOTLINE_VAR_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_https_public_url_makes_cookies_secure(tmp_path: Path) -> None:
    settings = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_PUBLIC_URL": "https://hotline.example.de/"})
    assert settings.secure_cookies and settings.public_url == "https://hotline.example.de"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"HOTLINE_DATABASE_URL": "mysql://root@localhost/hotline"},
            'HOTLINE_DATABASE_URL: unsupported database "mysql": use sqlite:///PATH or postgresql://USER@HOST/NAME',
        ),
        ({"HOTLINE_PUBLIC_URL": "hotline.example.de"}, "HOTLINE_PUBLIC_URL: "),
        ({"HOTLINE_SECRET_KEY": "short"}, "HOTLINE_SECRET_KEY: too short"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID: set both"),
    ],
)
def test_bad_environment_names_the_variable(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"HOTLINE_VAR_DIR": str(tmp_path), **env})
    assert message in caught.value.render()


def test_postgres_urls_of_either_spelling_are_accepted(tmp_path: Path) -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+asyncpg://u@h/db"):
        assert (
            load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": url}).database_kind == "postgresql"
        )


def test_the_video_secret_comes_from_the_environment_or_is_derived_and_says_so(tmp_path: Path) -> None:
    key = "k" * 40
    derived = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_SECRET_KEY": key})
    again = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_SECRET_KEY": key})
    other = load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_SECRET_KEY": "o" * 40})
    assert derived.video_secret_derived and derived.video_secret == again.video_secret
    assert derived.video_secret != other.video_secret
    # Derived like the simulator's webhook token, but never the same key for two purposes.
    assert derived.video_secret not in (key, derived.webhook_auth_token) and len(derived.video_secret) >= 32
    given = load_settings(
        {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_SECRET_KEY": key, "HOTLINE_VIDEO_SECRET": "v" * 32}
    )
    assert given.video_secret == "v" * 32 and not given.video_secret_derived


def test_a_short_video_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_VIDEO_SECRET": "short"})
    assert [str(issue) for issue in caught.value.issues] == [
        "HOTLINE_VIDEO_SECRET: too short: use at least 32 random characters"
    ]
