"""Settings from the environment: where the deployment file and database are, secrets, Twilio.

Secrets and URLs come from the environment, never from the deployment file. In development the
secret key is generated once and kept under the var directory, so sessions and caller pseudonyms
survive restarts without any set-up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from config.issues import ConfigError, IssueCollector

EXAMPLE_DEPLOYMENT = Path(__file__).parent / "examples" / "rhein-sieg.toml"
SUPPORTED_DATABASES = ("sqlite", "postgresql")
_MIN_SECRET_LENGTH = 32


class Settings(BaseModel):
    """Everything the service reads from its environment, validated once at start-up."""

    model_config = ConfigDict(frozen=True)

    config_path: Path
    database_url: str
    public_url: str
    secret_key: str
    var_dir: Path
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_base_url: str | None = None
    configured_video_secret: str | None = None  # HOTLINE_VIDEO_SECRET, shared with the Jitsi server
    # An API key of the Twilio account (Twilio Video tokens are signed with an API key's secret,
    # not the auth token); without one, development signs with the video secret.
    twilio_api_key_sid: str | None = None
    twilio_api_key_secret: str | None = None

    @property
    def database_kind(self) -> str:
        return database_kind(self.database_url) or ""

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def webhook_auth_token(self) -> str:
        """The token webhook signatures are checked with: Twilio's auth token, or without a
        Twilio account one derived from the secret key, which the call simulator uses too."""
        if self.twilio_auth_token:
            return self.twilio_auth_token
        return hmac.new(self.secret_key.encode(), b"hotline local webhook token", hashlib.sha256).hexdigest()

    @property
    def video_secret(self) -> str:
        """The key Jitsi tokens are signed with: `HOTLINE_VIDEO_SECRET`, or without it one derived
        from the secret key, as the webhook token is, so development needs no set-up."""
        if self.configured_video_secret:
            return self.configured_video_secret
        return hmac.new(self.secret_key.encode(), b"hotline local video secret", hashlib.sha256).hexdigest()

    @property
    def video_secret_derived(self) -> bool:
        """True when no Jitsi server can know the key: the join page says so rather than failing mutely."""
        return not self.configured_video_secret

    @property
    def webhook_account_sid(self) -> str:
        return self.twilio_account_sid or "AC" + "0" * 32


def database_kind(url: str) -> str | None:
    """The database family of a URL ("sqlite", "postgresql"), or None if it is unsupported."""
    scheme = url.partition(":")[0].lower()
    family = scheme.partition("+")[0]
    if family in ("postgres", "postgresql"):
        return "postgresql"
    return family if family in SUPPORTED_DATABASES else None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read `HOTLINE_*` and `TWILIO_*` variables; raise `ConfigError` naming each bad variable."""
    env = os.environ if environ is None else environ
    c = IssueCollector()
    var_dir = Path(env.get("HOTLINE_VAR_DIR", "var"))
    database_url = env.get("HOTLINE_DATABASE_URL") or f"sqlite:///{var_dir / 'hotline.db'}"
    if database_kind(database_url) is None:
        scheme = database_url.partition(":")[0] or database_url
        c.add(
            "HOTLINE_DATABASE_URL",
            f'unsupported database "{scheme}": use sqlite:///PATH or postgresql://USER@HOST/NAME',
        )
    public_url = env.get("HOTLINE_PUBLIC_URL", "http://127.0.0.1:8080").rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        c.add("HOTLINE_PUBLIC_URL", f'"{public_url}" is not an http(s) URL such as https://hotline.example.de')
    secret_key = env.get("HOTLINE_SECRET_KEY") or ""
    if secret_key and len(secret_key) < _MIN_SECRET_LENGTH:
        c.add("HOTLINE_SECRET_KEY", f"too short: use at least {_MIN_SECRET_LENGTH} random characters")
    sid, token = env.get("TWILIO_ACCOUNT_SID") or None, env.get("TWILIO_AUTH_TOKEN") or None
    video_secret = env.get("HOTLINE_VIDEO_SECRET") or None
    if video_secret and len(video_secret) < _MIN_SECRET_LENGTH:
        # HS256 is only as strong as its key; RFC 7518 asks for at least 256 bits.
        c.add("HOTLINE_VIDEO_SECRET", f"too short: use at least {_MIN_SECRET_LENGTH} random characters")
    if bool(sid) != bool(token):
        c.add("TWILIO_ACCOUNT_SID", "set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither")
    key_sid, key_secret = env.get("TWILIO_API_KEY_SID") or None, env.get("TWILIO_API_KEY_SECRET") or None
    if bool(key_sid) != bool(key_secret):
        c.add("TWILIO_API_KEY_SID", "set both TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET, or neither")
    elif key_sid and not (key_sid.startswith("SK") and len(key_sid) == 34):
        c.add("TWILIO_API_KEY_SID", "an API key SID starts with SK and has 34 characters")
    if c:
        raise ConfigError("environment", c.issues)
    return Settings(
        config_path=Path(env.get("HOTLINE_CONFIG") or EXAMPLE_DEPLOYMENT),
        database_url=database_url,
        public_url=public_url,
        secret_key=secret_key or development_secret(var_dir),
        var_dir=var_dir,
        twilio_account_sid=sid,
        twilio_auth_token=token,
        twilio_api_base_url=env.get("TWILIO_API_BASE_URL") or None,
        configured_video_secret=video_secret,
        twilio_api_key_sid=key_sid,
        twilio_api_key_secret=key_secret,
    )


def development_secret(var_dir: Path) -> str:
    """The secret kept under var/ for development, created on first use and readable only by us."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; use its key
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
