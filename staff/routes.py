"""The staff pages' paths, named: redirects and links are built from these names."""

from __future__ import annotations

from aiohttp import web

from staff.admin_views import AdminViews
from staff.profile_views import ProfileViews
from staff.views import LoginViews


def staff_routes(login: LoginViews, admin: AdminViews, profile: ProfileViews) -> list[web.RouteDef]:
    return [
        web.get("/login", login.show, name="login"),
        web.post("/login", login.submit, name="login"),
        web.post("/logout", login.logout, name="logout"),
        web.get("/admin/users", admin.users, name="admin-users"),
        web.get("/profil", profile.page, name="profile"),
        web.post("/profil", profile.update, name="profile"),
    ]
