"""The staff pages' paths, named: redirects and links are built from these names."""

from __future__ import annotations

from aiohttp import web

from staff.admin_views import AdminViews
from staff.views import LoginViews


def staff_routes(login: LoginViews, admin: AdminViews) -> list[web.RouteDef]:
    return [
        web.get("/login", login.show, name="login"),
        web.post("/login", login.submit, name="login"),
        web.post("/logout", login.logout, name="logout"),
        web.get("/admin/users", admin.users, name="admin-users"),
    ]
