"""Why a staff request is refused; `service` maps these to a redirect, a page or JSON."""

from __future__ import annotations


class NotAuthenticated(Exception):
    """No valid login; `expired` when there was one that timed out."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required" if not expired else "session expired")
        self.expired = expired


class Forbidden(Exception):
    """Logged in, but without a role or region this needs."""


class CsrfRejected(Exception):
    """A state-changing request without the token of the form it came from."""
