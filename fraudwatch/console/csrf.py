"""CSRF protection of the console: one random token per session, sent back by every
state-changing request as the form field `csrf_token` or the `X-CSRF-Token` header (htmx).
A missing or wrong token is a 400 and the view never runs."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, request
from flask import session as cookie
from flask_babel import gettext as _

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_TOKEN = 128


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = cookie.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        cookie["csrf"] = token
    return token


def check_csrf() -> None:
    """before_request: refuse (400) a state-changing request without this session's token."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = cookie.get("csrf")
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    if not (isinstance(expected, str) and expected and sent and len(sent) <= MAX_TOKEN and _same(sent, expected)):
        abort(400, description=_("The form has expired or did not come from this site. "
                                 "Reload the page and try again."))


def _same(sent: str, expected: str) -> bool:
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))
