"""Creating and listing staff accounts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from staff.models import StaffUser, StaffUserRegion, StaffUserRole
from staff.passwords import hash_password, password_problem
from staff.roles import Role, grant_problem

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff account as the rest of the service sees it (never the password hash)."""

    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    regions: frozenset[str]
    active: bool

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return any(role in self.roles for role in roles)

    def may_serve(self, region_id: str) -> bool:
        """No regions bound means the whole deployment (for planners, auditors, admins)."""
        return not self.regions or region_id in self.regions


def as_member(user: StaffUser) -> StaffMember:
    return StaffMember(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(r.role for r in user.roles),  # type: ignore[misc]
        regions=frozenset(r.region_id for r in user.regions),
        active=user.active,
    )


def normalise_username(username: str) -> str:
    return username.strip().lower()


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    roles: Sequence[Role],
    regions: Sequence[str] = (),
    display_name: str | None = None,
    now: dt.datetime,
) -> StaffMember:
    """Add an account; `AccountError` if the name is taken or malformed or the password weak."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise AccountError(f'"{username}" is not a valid username: 2-64 characters, letters, digits, ".", "_" or "-"')
    if not roles:
        raise AccountError("a user needs at least one role")
    if problem := grant_problem(roles):
        raise AccountError(problem)
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if await session.scalar(select(StaffUser.id).where(StaffUser.username == name)) is not None:
        raise AccountError(f'a user "{name}" exists already')
    user = StaffUser(
        username=name,
        display_name=(display_name or username).strip(),
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        roles=[StaffUserRole(role=r) for r in sorted(set(roles))],
        regions=[StaffUserRegion(region_id=r) for r in sorted(set(regions))],
    )
    session.add(user)
    await session.flush()
    return as_member(user)


def active_user_ids() -> Select[int]:
    """The ids of accounts not switched off, for other slices' queries (a deactivated
    counsellor is rung for no caller and takes none on the staff line)."""
    return select(StaffUser.id).where(StaffUser.active.is_(True))


async def list_users(session: AsyncSession) -> list[StaffMember]:
    users = await session.scalars(select(StaffUser).order_by(StaffUser.username))
    return [as_member(u) for u in users]


async def display_names(session: AsyncSession, user_ids: Iterable[int | None]) -> dict[int, str]:
    """The names staff see for these accounts (who claimed, who called), by id."""
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(StaffUser)) or 0)
