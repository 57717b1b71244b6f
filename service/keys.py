"""Typed keys of the application state; the only place app state is named."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from audit.recorder import Recorder
from audit.retention import RetentionJob
from callbacks.jobs import ConcernJobs
from config.deployment import Deployment
from config.settings import Settings
from planning.service import Planner
from storage.clock import Clock
from telephony.counsellors.dispatch import Dispatcher
from telephony.edge.late_work import LateWork
from telephony.edge.webhooks import FailureAnswers
from telephony.outbound.port import OutboundPort
from telephony.outbound.session_dialer import PhoneSessionDialer
from telephony.outbound.texts import TextMessages
from video.service import Counselling

SETTINGS = web.AppKey("settings", Settings)
DEPLOYMENT = web.AppKey("deployment", Deployment)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessions")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
OUTBOUND = web.AppKey("outbound", OutboundPort)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
CONCERN_JOBS = web.AppKey("concern_jobs", ConcernJobs)
RETENTION = web.AppKey("retention", RetentionJob)  # the deletion job
WEBHOOK_ANSWERS = web.AppKey("webhook_answers", FailureAnswers)
LATE_WORK = web.AppKey("late_work", LateWork)
TEXTS = web.AppKey("texts", TextMessages)
COUNSELLING = web.AppKey("counselling", Counselling)
PHONE_SESSIONS = web.AppKey("phone_sessions", PhoneSessionDialer)
REQUEST_ID = web.RequestKey("request_id", str)
LANGUAGE = web.RequestKey("language", str)
PLANNER = web.AppKey("planner", Planner)
AUDIT_RECORDER = web.AppKey("audit_recorder", Recorder)
