"""Who is signed in to the console, and what they may do.

Console pages use Flask's signed cookie session (SECRET_KEY), never under /api/. It holds
the user id, the user's `session_epoch` when they signed in, the sign-in time and the last
activity; a session ends when it is idle longer than SESSION_IDLE_MINUTES, older than
SESSION_MAX_HOURS, or when the epoch was bumped (sign-out, password change, deactivation).
Signing in clears the session first, so a session planted before sign-in is never promoted."""
from __future__ import annotations

import functools
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask import session as cookie

from fraudwatch.infra.extensions import db
from fraudwatch.storage import people
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import User
from fraudwatch.web.i18n import SESSION_KEY as LANGUAGE_KEY

TOUCH_SECONDS = 60  # the last-activity time is rewritten at most this often


def current_user() -> User | None:
    """The signed-in user of this request, or None."""
    if "console_user" not in g:
        g.console_user = _load_user()
    return g.console_user


def _load_user() -> User | None:
    uid, epoch = cookie.get("uid"), cookie.get("epoch")
    if uid is None:
        return None
    now, config = int(time.time()), current_app.config
    since, seen = cookie.get("since"), cookie.get("seen")
    fresh = (all(isinstance(v, int) and not isinstance(v, bool) for v in (uid, epoch, since, seen))
             and now - since <= config["SESSION_MAX_HOURS"] * 3600
             and now - seen <= config["SESSION_IDLE_MINUTES"] * 60)
    user = people.get_user(db.session, uid) if fresh else None
    if (user is None or not user.active or user.session_epoch != epoch
            or user.role not in people.SIGN_IN_ROLES):
        forget()
        g.session_ended = True
        return None
    if now - seen >= TOUCH_SECONDS:
        cookie["seen"] = now
    return user


def remember(user: User) -> None:
    """Start a session for `user` (after the password and any second factor were checked)."""
    language = cookie.get(LANGUAGE_KEY)
    cookie.clear()
    now = int(time.time())
    cookie.update(uid=user.id, epoch=user.session_epoch, since=now, seen=now)
    if language:
        cookie[LANGUAGE_KEY] = language
    g.console_user = user


def forget() -> None:
    """End this browser's session (the language choice stays)."""
    language = cookie.get(LANGUAGE_KEY)
    cookie.clear()
    if language:
        cookie[LANGUAGE_KEY] = language
    g.console_user = None


def safe_next(target: str | None) -> str:
    """`target` when it is a path inside the console, else the console's home page."""
    home = url_for("console.index")
    if not target or len(target) > 2000 or "\\" in target or any(ord(c) < 32 for c in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console") or target.startswith("//"):
        return home
    return target


def login_required(*roles: str) -> Callable:
    """Decorator: anonymous -> the sign-in page (then back here); a role not in `roles`
    (default: officer or admin) -> 403."""
    allowed = roles or people.CONSOLE_ROLES

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                target = url_for("console.login", next=request.full_path.rstrip("?"))
                if request.headers.get("HX-Request"):  # htmx: navigate the whole page
                    return "", 204, {"HX-Redirect": target}
                return redirect(target)
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.console_roles = allowed  # for tests listing what each page requires
        return wrapper

    return decorate


def audit(action: str, target_type: str | None = None, target_id: int | None = None,
          detail: dict | None = None, actor: str | None = None) -> None:
    """Record `action` by the signed-in user (or `actor`) from this request's address in the
    audit trail, inside the caller's transaction (the caller commits)."""
    user = current_user()
    name = actor or (user.name if user is not None else "anonymous")
    add_audit_event(db.session, actor=name, action=action, target_type=target_type, target_id=target_id,
                    detail=detail, address=request.remote_addr)
