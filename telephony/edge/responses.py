"""The one way a webhook hands TwiML back to Twilio."""

from __future__ import annotations

from aiohttp import web
from twilio.twiml import TwiML

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'  # "noted, nothing to do"


def twiml_response(document: TwiML | str = EMPTY, status: int = 200) -> web.Response:
    return web.Response(text=str(document), content_type="application/xml", status=status)
