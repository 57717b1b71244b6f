"""`create_app`: the only place the application is built and its parts are wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.auditing import AuditorDesk
from audit.jobs import AuditJobs
from audit.recorder import Recorder
from audit.views import AuditViews, audit_routes
from callbacks.api_views import ConcernApi
from callbacks.concern_views import ConcernViews
from callbacks.desk_views import DeskViews
from callbacks.jobs import ConcernJobs
from callbacks.rate_limits import AddressAllowance, RateLimit
from callbacks.routes import concern_routes
from callbacks.web_form_views import WebFormViews
from callbacks.worklist_views import WorklistViews
from config.deployment import Deployment
from config.loader import load_deployment
from config.settings import Settings
from contacts.pseudonyms import Pseudonymiser
from planning.service import Planner
from planning.views import PlannerViews, planning_routes
from service import keys
from service.audit_middleware import audit_middleware
from service.concern_contacts import ConcernContactsFromQueue
from service.counselling import build_counselling, outbound_for
from service.deadlines import page_deadline_middleware
from service.errors import error_middleware, request_id_middleware
from service.i18n import Translator, load_catalogue
from service.page_context import page_context_middleware
from service.pages import Readiness, StartPage, service_routes
from service.request_bodies import readable_body_middleware
from service.retention import build_retention_job
from service.security_headers import security_headers_middleware, security_headers_on_prepare
from service.template_formats import install_formats
from staff.admin_views import AdminViews
from staff.profile_views import ProfileViews
from staff.routes import staff_routes
from staff.views import LoginViews
from staff.web import StaffGate
from storage.clock import Clock, system_clock
from storage.engine import Sessions, create_engine, create_read_engine, session_factory
from telephony.counsellors.callback_calls import CallbackCallWebhooks
from telephony.counsellors.counselling_calls import CounsellingCallWebhooks
from telephony.counsellors.dispatch import Dispatcher
from telephony.counsellors.views import PresenceViews
from telephony.counsellors.webhooks import STAFF_LANGUAGE, CounsellorWebhooks
from telephony.edge.late_work import LateWork
from telephony.edge.links import Links
from telephony.edge.webhooks import WEBHOOK_PREFIX, FailureAnswers, webhook_edge
from telephony.inbound.arrivals import ArrivalLog
from telephony.inbound.call_log import CallLog
from telephony.inbound.events import EventWebhooks
from telephony.inbound.webhooks import VoiceWebhooks
from telephony.outbound.callback_dialer import TelephonyCallbackDialer
from telephony.outbound.outbox import OutboxViews
from telephony.outbound.port import OutboundPort
from telephony.outbound.session_dialer import PhoneSessionDialer
from telephony.outbound.texts import TextMessages
from telephony.prompts import PromptBook
from telephony.routes import page_routes, webhook_routes
from telephony.twiml import apology
from video.booking_views import BookingViews
from video.content_policy import video_content_security_policy
from video.counsellor_routes import counsellor_routes
from video.counsellor_views import CounsellingPage
from video.join_views import JoinViews
from video.links import LinkPurpose
from video.page_limits import TokenGuessLimit
from video.public_pages import PublicPages
from video.routes import LINK_ROUTES, link_url
from video.service import Counselling
from video.web import counselling_routes

PAGE_PACKAGES = ("service", "staff", "telephony", "callbacks", "video", "planning", "audit")
DISPATCH_INTERVAL_SECONDS = 10  # a safety net: enqueuing and availability changes poke at once
CONCERN_JOBS_INTERVAL_SECONDS = 60
RETENTION_INTERVAL_SECONDS = 3600  # deletion is due by the day; an hour late is on time
REMINDERS_INTERVAL_SECONDS = 60
PHONE_SESSIONS_INTERVAL_SECONDS = 30  # a phone session rings at most this late
CAPACITY_ROLLUP_INTERVAL_SECONDS = 300  # the planner's figures are at most five minutes behind
AUDIT_DAILY_INTERVAL_SECONDS = 3600  # anchors and verifies once a day, at the first round of the day
MAX_REQUEST_BYTES = 64 * 1024  # forms and webhooks are small; anything larger is refused with 413
# Booking, cancelling and moving: a customer needs a handful (a slot just taken, a typo in the
# number); a shared address still gets a day's worth for many; a script is stopped early.
COUNSELLING_FORMS = b"hotline counselling pages address v1"
COUNSELLING_FORM_LIMIT = RateLimit(per_hour=10, per_day=40)


@dataclass(frozen=True)
class Overrides:
    """What tests swap in instead of patching: a fixed clock, a prepared engine or deployment."""

    clock: Clock | None = None
    engine: AsyncEngine | None = None
    deployment: Deployment | None = None
    prompts: PromptBook | None = None
    outbound: OutboundPort | None = None
    run_jobs: bool = True
    late_work: LateWork | None = None


def create_app(settings: Settings, *, overrides: Overrides | None = None) -> web.Application:
    """Build the service. Raises `ConfigError` for a bad deployment file, before anything starts."""
    overrides = overrides or Overrides()
    deployment = overrides.deployment or load_deployment(settings.config_path)
    clock = overrides.clock or system_clock
    engine = overrides.engine or create_engine(settings.database_url)
    reader = create_read_engine(engine)
    sessions = session_factory(engine, reader)
    prompts = overrides.prompts or PromptBook.load()
    pseudonymiser = Pseudonymiser(settings.secret_key)
    gate = StaffGate(
        sessions=sessions,
        secret=settings.secret_key,
        clock=clock,
        secure_cookies=settings.secure_cookies,
        csrf_exempt_prefixes=(WEBHOOK_PREFIX, "/healthz", "/readyz", "/static/"),  # no person, no login
    )

    late_work = overrides.late_work or LateWork()
    recorder = Recorder.on(sessions)  # staff actions on the web, for the audit trail
    # The join pages' policy, the one a page may set instead of the default; none while no video
    # service is configured (then there is no join page to show either).
    video_page_policies = (video_content_security_policy(deployment.video),) if deployment.video.configured else ()
    app = web.Application(
        middlewares=[
            security_headers_middleware(secure_cookies=settings.secure_cookies, page_policies=video_page_policies),
            request_id_middleware,
            error_middleware,
            page_deadline_middleware(skip=(WEBHOOK_PREFIX, "/static/")),
            webhook_edge(
                auth_token=settings.webhook_auth_token,
                public_url=settings.public_url,
                answers=lambda: app[keys.WEBHOOK_ANSWERS],
                late_work=late_work,
                request_id=lambda request: request.get(keys.REQUEST_ID),
            ),
            readable_body_middleware,
            gate.middleware,
            audit_middleware(recorder, clock),  # inside the gate: it knows who is logged in
            page_context_middleware,
        ],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app.on_response_prepare.append(
        security_headers_on_prepare(secure_cookies=settings.secure_cookies, page_policies=video_page_policies)
    )
    links = Links(app.router, settings.public_url)
    app[keys.SETTINGS] = settings
    app[keys.DEPLOYMENT] = deployment
    app[keys.ENGINE] = engine
    app[keys.SESSIONS] = sessions
    app[keys.CLOCK] = clock
    _setup_templates(app)
    install_formats(aiohttp_jinja2.get_env(app), deployment.zone, clock)
    if overrides.engine is None:
        app.cleanup_ctx.append(_dispose(engine))
    if reader is not engine:
        app.cleanup_ctx.append(_dispose(reader))
    app.cleanup_ctx.append(_outbound_port(settings, sessions, clock, overrides.outbound))
    dispatcher = Dispatcher(sessions, deployment, lambda: app[keys.OUTBOUND], links, clock)
    app[keys.DISPATCHER] = dispatcher
    dialer = TelephonyCallbackDialer(sessions, deployment, lambda: app[keys.OUTBOUND], links)
    concern_jobs = ConcernJobs(sessions, deployment, clock, lambda: dialer)
    app[keys.CONCERN_JOBS] = concern_jobs
    retention = build_retention_job(sessions, deployment.retention, clock, lambda: dialer)
    app[keys.RETENTION] = retention
    scheduled: list[ScheduledJob] = [
        ("dispatch", dispatcher.dispatch, DISPATCH_INTERVAL_SECONDS),
        ("concern-jobs", concern_jobs.run_round, CONCERN_JOBS_INTERVAL_SECONDS),
        ("retention", retention.run, RETENTION_INTERVAL_SECONDS),
        ("audit-daily", AuditJobs(sessions, clock, deployment.zone).run_daily, AUDIT_DAILY_INTERVAL_SECONDS),
    ]
    app.cleanup_ctx.append(_scheduler(scheduled, overrides.run_jobs))
    arrivals = ArrivalLog(sessions, pseudonymiser)
    app.cleanup_ctx.append(lambda _app: arrivals.running())
    app.cleanup_ctx.append(lambda _app: late_work.running())
    app[keys.LATE_WORK] = late_work
    app.cleanup_ctx.append(lambda _app: recorder.running())  # ends before the engine is disposed
    app[keys.AUDIT_RECORDER] = recorder

    worklist = WorklistViews(sessions, deployment, clock, pseudonymiser)
    concern = ConcernViews(sessions, deployment, clock, pseudonymiser, lambda: dialer)
    api = ConcernApi(sessions, deployment, clock, pseudonymiser)
    desk = DeskViews(sessions, deployment, clock, pseudonymiser)
    web_form = WebFormViews(sessions, deployment, clock, pseudonymiser, settings.secret_key, RateLimit())
    app.on_shutdown.append(gate.finish_noting)
    login = LoginViews(sessions=sessions, gate=gate, clock=clock)
    presence = PresenceViews(
        sessions,
        deployment,
        clock,
        dispatcher,
        settings.secret_key,
        simulated=overrides.outbound is None and not settings.twilio_account_sid,
    )
    # The service's map, one block per slice; every route is named, and links are built from the names.
    app.add_routes(
        [
            *service_routes(StartPage(deployment, clock), Readiness(engine)),
            *staff_routes(login, AdminViews(sessions), ProfileViews(sessions)),
            *concern_routes(worklist, concern, desk, web_form, api),
            *page_routes(presence, OutboxViews(sessions, deployment)),
        ]
    )
    calls = CallLog(pseudonymiser, arrivals)
    texts = TextMessages(lambda: app[keys.OUTBOUND])
    app.cleanup_ctx.append(lambda _app: texts.running())
    app[keys.TEXTS] = texts
    counselling = _counselling(app, settings, sessions, deployment, clock, texts)
    app[keys.COUNSELLING] = counselling
    scheduled.append(("counselling-reminders", counselling.send_reminders, REMINDERS_INTERVAL_SECONDS))
    phone_sessions = PhoneSessionDialer(counselling, deployment, lambda: app[keys.OUTBOUND], links)
    app[keys.PHONE_SESSIONS] = phone_sessions
    scheduled.append(("counselling-phone-sessions", phone_sessions.ring_due, PHONE_SESSIONS_INTERVAL_SECONDS))
    app.add_routes(counsellor_routes(CounsellingPage(counselling, ConcernContactsFromQueue(sessions))))
    planner = Planner(sessions, deployment, clock)
    app[keys.PLANNER] = planner
    scheduled.append(("capacity-rollups", planner.refresh_rollups, CAPACITY_ROLLUP_INTERVAL_SECONDS))
    app.add_routes(planning_routes(PlannerViews(planner)))
    app.add_routes(audit_routes(AuditViews(AuditorDesk(sessions, deployment, clock))))
    # The customer's counselling pages: wrong tokens counted in memory, forms in the contact form's table.
    submissions = AddressAllowance(sessions, settings.secret_key, clock, COUNSELLING_FORMS, COUNSELLING_FORM_LIMIT)
    public = PublicPages(deployment, clock, TokenGuessLimit(clock), submissions)
    app.add_routes(counselling_routes(BookingViews(counselling, public), JoinViews(counselling, public)))
    voice = VoiceWebhooks(
        sessions,
        deployment,
        prompts,
        clock,
        pseudonymiser,
        calls,
        links,
        on_queued=dispatcher.poke,
        texts=texts,
        counselling=counselling,
    )
    app[keys.WEBHOOK_ANSWERS] = FailureAnswers(
        caller=voice.fallback_answer, counsellor=lambda _hook: apology(prompts, STAFF_LANGUAGE)
    )
    app.add_routes(
        webhook_routes(
            voice,
            EventWebhooks(sessions, deployment, prompts, clock, pseudonymiser, calls, counselling),
            CounsellorWebhooks(sessions, deployment, prompts, clock, dispatcher, voice, settings.secret_key, links),
            CallbackCallWebhooks(sessions, deployment, prompts, clock, pseudonymiser, dialer, links),
            CounsellingCallWebhooks(counselling, deployment, prompts, links),
        )
    )
    return app


def _counselling(
    app: web.Application,
    settings: Settings,
    sessions: Sessions,
    deployment: Deployment,
    clock: Clock,
    texts: TextMessages,
) -> Counselling:
    def link(purpose: LinkPurpose, token: str) -> str:
        name = LINK_ROUTES[purpose]
        if name not in app.router.named_resources():  # the customer's pages not routed (yet): the same paths
            return link_url(settings.public_url, purpose, token)
        return settings.public_url + str(app.router[name].url_for(token=token))

    return build_counselling(settings, sessions, deployment, clock, texts, urls=link)


def _outbound_port(
    settings: Settings, sessions: Sessions, clock: Clock, given: OutboundPort | None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Twilio's REST API with credentials, else the simulator's outbox (so `make run` works offline)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            port: OutboundPort = given
        else:
            port = outbound_for(settings, sessions, clock)
        app[keys.OUTBOUND] = port
        yield
        await app[keys.DISPATCHER].drain()
        if given is None:
            await port.close()

    return context


ScheduledJob = tuple[str, Callable[[], Awaitable[object]], int]  # name, work, interval in seconds


def _scheduler(jobs: list[ScheduledJob], enabled: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    """Scheduled work; every job finds what is due in the database, so a restart loses nothing."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        scheduler = AsyncIOScheduler(timezone="UTC")
        if enabled:
            for name, job, seconds in jobs:
                scheduler.add_job(job, "interval", seconds=seconds, id=name, max_instances=1, coalesce=True)
            scheduler.start()
        yield
        if enabled:
            scheduler.shutdown(wait=False)

    return context


def _dispose(engine: AsyncEngine) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(_app: web.Application) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    return context


def _setup_templates(app: web.Application) -> None:
    translate = Translator(load_catalogue(PAGE_PACKAGES))
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader(p, "templates") for p in PAGE_PACKAGES]),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )

    @jinja2.pass_context
    def gettext(context: Any, text: str) -> str:
        return translate(text, context.get("lang", "de"))

    env.globals["_"] = gettext

    def url(name: str, query: Mapping[str, str | int] | None = None, **parts: object) -> str:
        """A path of this site built from a route's name: `url("concern", reference=c.reference)`,
        `url("worklist", query={"empty": 1})`, `url("static", filename="hotline.css")`."""
        built = app.router[name].url_for(**{part: str(value) for part, value in parts.items()})
        return str(built.with_query(query) if query else built)

    env.globals["url"] = url
