"""Tables of the staff slice: accounts, their roles and regions, sessions, failed logins."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base
from storage.types import UTCDateTime


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # E.164: the phone the service rings for this counsellor (queue calls and calling customers
    # back), set on the profile page.
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    roles: Mapped[list[StaffUserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StaffUserRole.role"
    )
    regions: Mapped[list[StaffUserRegion]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StaffUserRegion.region_id"
    )


class StaffUserRole(Base):
    __tablename__ = "staff_user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class StaffUserRegion(Base):
    __tablename__ = "staff_user_regions"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    region_id: Mapped[str] = mapped_column(String(40), primary_key=True)


class StaffSession(Base):
    """A login; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A failed login, kept only for the throttling window (`staff.authentication`)."""

    __tablename__ = "staff_login_failures"
    __table_args__ = (
        Index("ix_staff_login_failures_username_at", "username", "at"),
        Index("ix_staff_login_failures_remote_at", "remote", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    # A pseudonym of who tried (`staff.login_clients.LoginClient.key`): "a:" and a keyed hash of
    # the address, or "d:" and one of a trusted device; never the address itself. The column
    # kept its first name, "remote".
    client: Mapped[str] = mapped_column("remote", String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
