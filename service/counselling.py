"""Counselling's use cases built for a deployment, the same for the app and the command line:
only how links are made (through the app's router, or from the paths alone) and where text
messages go differ."""

from __future__ import annotations

from config.deployment import Deployment
from config.settings import Settings
from contacts.pseudonyms import Pseudonymiser
from storage.clock import Clock
from storage.engine import Sessions
from telephony.outbound.outbox import SimulatedOutbound
from telephony.outbound.port import OutboundPort
from video.links import LinkPurpose, LinkSigner
from video.routes import link_url
from video.service import Counselling, LinkUrls, TextSender
from video.session_tokens import DEVELOPMENT_API_KEY_SID, VideoCredentials


def build_counselling(
    settings: Settings,
    sessions: Sessions,
    deployment: Deployment,
    clock: Clock,
    texts: TextSender,
    urls: LinkUrls | None = None,
) -> Counselling:
    """Counselling with the service's secrets; links from the public URL and the link paths
    unless `urls` builds them (the app: through its router)."""

    def link(purpose: LinkPurpose, token: str) -> str:
        return link_url(settings.public_url, purpose, token)

    credentials = VideoCredentials(
        jitsi_secret=settings.video_secret,
        twilio_account_sid=settings.webhook_account_sid,
        twilio_api_key_sid=settings.twilio_api_key_sid or DEVELOPMENT_API_KEY_SID,
        twilio_api_key_secret=settings.twilio_api_key_secret or settings.video_secret,
        derived=settings.video_secret_derived
        if deployment.video.provider == "jitsi"
        else settings.twilio_api_key_sid is None,
    )
    return Counselling(
        sessions=sessions,
        deployment=deployment,
        clock=clock,
        pseudonymiser=Pseudonymiser(settings.secret_key),
        signer=LinkSigner(settings.secret_key),
        urls=urls or link,
        texts=lambda: texts,
        credentials=credentials,
    )


def outbound_for(settings: Settings, sessions: Sessions, clock: Clock) -> OutboundPort:
    """Twilio's REST API with credentials, else the simulator's outbox (so `make run` works offline)."""
    if settings.twilio_account_sid and settings.twilio_auth_token:
        from telephony.outbound.twilio_rest import TwilioOutbound  # the REST client only where it is used

        return TwilioOutbound(
            settings.twilio_account_sid, settings.twilio_auth_token, api_base_url=settings.twilio_api_base_url
        )
    return SimulatedOutbound(sessions, clock)
