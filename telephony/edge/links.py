"""Webhook URLs built from route names, so a moved route cannot leave a dead <Gather action>."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web


@dataclass(frozen=True, eq=False)  # hashed by identity: TwiML rendered once per region keys on it
class Links:
    router: web.UrlDispatcher
    public_url: str  # what Twilio sees; absolute URLs are handed to Twilio's REST API
    _paths: dict[str, str] = field(default_factory=dict, repr=False)

    def path(self, name: str, **query: object) -> str:
        """The route's path with its query; relative to the site, as TwiML verbs take them."""
        path = self._paths.get(name)
        if path is None:
            path = self._paths[name] = str(self.router[name].url_for())
        return f"{path}?{urlencode(query)}" if query else path

    def absolute(self, name: str, **query: object) -> str:
        """The route's full public URL, for Twilio's REST API (which takes no relative URLs)."""
        return self.public_url + self.path(name, **query)
