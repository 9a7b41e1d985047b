"""Who is calling: anonymous, an enterprise key, an officer or an admin (bearer tokens)."""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask.sessions import SecureCookieSessionInterface

from fraudwatch.infra.extensions import db
from fraudwatch.storage import users
from fraudwatch.storage.models import utcnow
from fraudwatch.storage.transactions import in_transaction
from fraudwatch.web.errors import APIError

log = logging.getLogger(__name__)
TOUCH_EVERY = timedelta(minutes=5)
PRINCIPAL_TTL = 5.0  # seconds a resolved token is trusted in-process (a revocation takes <= 5 s)
_resolved: dict[str, tuple[float, Principal]] = {}


@dataclass(frozen=True)
class Principal:
    """The caller of the current request."""

    kind: str  # anonymous | enterprise | officer | admin
    name: str
    token_id: int | None = None
    rate_limit: str | None = None

    @property
    def is_officer(self) -> bool:
        """Officers and admins see report ids and triage."""
        return self.kind in ("officer", "admin")


ANONYMOUS = Principal("anonymous", "anonymous")


class NoSessionsForTheAPI(SecureCookieSessionInterface):
    """Cookie sessions for pages; none under /api/, which authenticates by bearer token only.

    The API never reads a cookie (so a browser's cookies cannot act on it: no CSRF) and
    skips the signing work a session costs on every request."""

    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            return None  # Flask substitutes a null session and does not save it
        return super().open_session(app, request)


def _token_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise APIError(401, "Authorization must be 'Bearer <token>'", code="invalid_token")
        return value.strip()
    return request.headers.get("X-API-Key") or None


def load_principal() -> Principal:
    """Resolve the caller once per request into `g.principal` (401 on a bad token)."""
    token = _token_from_request()
    if token is None:
        g.principal = ANONYMOUS
        return g.principal
    if len(token) > 200 or not token.isascii():
        raise APIError(401, "invalid or revoked token", code="invalid_token")
    digest = users.hash_token(token)
    cache_key = f"{current_app.config['DATABASE_URL']}|{digest}"
    hit = _resolved.get(cache_key)
    if hit and time.monotonic() - hit[0] < PRINCIPAL_TTL:
        g.principal = hit[1]
        return g.principal
    found = users.resolve_token(db.session, token)
    if found is None:
        raise APIError(401, "invalid or revoked token", code="invalid_token")
    api_token, user = found
    if api_token.last_used_at is None or utcnow() - api_token.last_used_at > TOUCH_EVERY:
        _touch(api_token.id)
    limit = user.rate_limit or (current_app.config["ENTERPRISE_DEFAULT_LIMIT"] if user.role == "enterprise" else None)
    g.principal = Principal(user.role, user.name, api_token.id, limit)
    if len(_resolved) > 10_000:
        _resolved.clear()
    _resolved[cache_key] = (time.monotonic(), g.principal)
    return g.principal


def _touch(token_id: int) -> None:
    """Note the token's use; best effort (two first requests of one token at once both try,
    and a busy database must not turn a lookup into an error)."""
    try:
        in_transaction(db.session, lambda: users.touch_token(db.session, token_id, utcnow()))
    except sa.exc.DBAPIError as exc:
        log.warning("could not record the use of token %s: %s", token_id, type(exc.orig).__name__)


def current() -> Principal:
    """The caller of this request."""
    return g.get("principal", ANONYMOUS)


def require_role(*roles: str):
    """Decorator: 401 for anonymous callers, 403 for callers without one of `roles`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current()
            if principal.kind == "anonymous":
                raise APIError(401, "this endpoint needs an officer token", code="unauthorized")
            if principal.kind not in roles:
                raise APIError(403, f"this endpoint needs one of the roles: {', '.join(roles)}", code="forbidden")
            return view(*args, **kwargs)

        return wrapper

    return decorate
