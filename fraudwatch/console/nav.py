"""The console's navigation bar: each page module adds its entry (`add_nav`), so that no
module needs to edit the base template to appear in the menu."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from fraudwatch.storage.models import User
from fraudwatch.storage.people import CONSOLE_ROLES


@dataclass(frozen=True)
class NavItem:
    """One entry: an endpoint, its (lazy, translated) label, who sees it, where it sorts."""

    endpoint: str
    label: object  # a flask_babel.lazy_gettext string
    roles: tuple[str, ...]
    order: int


_ITEMS: dict[str, NavItem] = {}
_HOMES: dict[str, str] = {}  # role -> the endpoint its users land on (officers and admins: the queue)


def add_nav(endpoint: str, label: object, roles: tuple[str, ...] = CONSOLE_ROLES, order: int = 50) -> None:
    """Show `endpoint` in the menu to users with one of `roles` (label: lazy_gettext)."""
    _ITEMS[endpoint] = NavItem(endpoint, label, tuple(roles), order)


def nav_for(user: User | None) -> list[dict]:
    """The menu entries `user` may follow, in order: {"url", "label", "endpoint"}."""
    if user is None:
        return []
    items = sorted((i for i in _ITEMS.values() if user.role in i.roles), key=lambda i: (i.order, i.endpoint))
    return [{"url": url_for(i.endpoint), "label": i.label, "endpoint": i.endpoint} for i in items]


def set_home(role: str, endpoint: str) -> None:
    """Users with `role` land on `endpoint` after signing in (a role without one: the queue)."""
    _HOMES[role] = endpoint


def home_of(user: User) -> str | None:
    """The endpoint `user` lands on, when it is not the queue."""
    return _HOMES.get(user.role)
