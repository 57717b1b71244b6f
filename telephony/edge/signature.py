"""Only Twilio may call the webhooks: every /twilio/ request must carry a valid signature."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware
from twilio.request_validator import RequestValidator, get_signature_algorithm

log = logging.getLogger("hotline.twilio")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
WEBHOOK_PREFIX = "/twilio/"  # every path Twilio calls, and nothing a person opens


def signature_middleware(auth_token: str, public_url: str, prefix: str = WEBHOOK_PREFIX) -> Middleware:
    """Check `X-Twilio-Signature` against the public URL (never the internal host behind a
    proxy) and the auth token; refuse with 403 and a log line before any handler runs."""
    validator = RequestValidator(auth_token)

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(prefix):
            return await handler(request)
        signature = request.headers.get("X-Twilio-Signature", "")
        params = await request.post() if request.method == "POST" else {}
        url = public_url + request.path_qs
        algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
        if not signature or not (
            _signed_as_configured(validator, url, params, signature, algorithm)
            or validator.validate(url, params, signature, algorithm)
        ):
            log.warning(
                "twilio webhook with a missing or wrong signature refused",
                extra={"path": request.path, "remote": request.remote, "signed": bool(signature)},
            )
            return web.Response(status=403, text="invalid signature")
        return await handler(request)

    return check


def _signed_as_configured(
    validator: RequestValidator, url: str, params: Mapping[str, object], signature: str, algorithm: str
) -> bool:
    """The common case in one HMAC: a form signed over the public URL exactly as configured.
    `validate` then covers the rest (the URL with or without its default port, body hashes,
    unknown algorithms) at twice the cost, so a forged request still gets the full check."""
    try:
        computed = validator.compute_signature(url, params, algorithm)
    except ValueError:  # an algorithm this library does not know; `validate` logs it
        return False
    return hmac.compare_digest(computed.encode(), signature.encode())
