"""Form tokens of the public forms (CSRF without a cookie or a session): a token is
`<issued>.<nonce>.<signature>`, the signature an HMAC-SHA256 keyed with SECRET_KEY over the
form's name, the issue time (seconds) and a random nonce. A token is refused when it is
missing, malformed or forged, older than its lifetime or issued in the future, and when its
nonce was already used: `spend` records the nonce in Redis (SET NX with the lifetime as
expiry), so a replayed post is refused even within the lifetime."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time

from flask import current_app

from fraudwatch.infra import redis_keys
from fraudwatch.infra.extensions import redis_store

_SHAPE = re.compile(r"(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})")
CLOCK_SKEW = 60  # seconds a token may seem to come from the future (several web machines)


class TokenRefused(Exception):
    """A form token that cannot be accepted; `reason`: missing, forged, expired or replayed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _signature(form: str, issued: str, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"form-token:{form}:{issued}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(form: str, now: float | None = None) -> str:
    """A new token for one submission of `form`."""
    issued = str(int(time.time() if now is None else now))
    nonce = secrets.token_urlsafe(18)
    return f"{issued}.{nonce}.{_signature(form, issued, nonce)}"


def check(form: str, token: object, lifetime: int, now: float | None = None) -> str:
    """The token's nonce when it is well formed, signed by us for `form` and within its
    lifetime; TokenRefused otherwise (nothing is recorded: see `spend`)."""
    if not isinstance(token, str) or not token:
        raise TokenRefused("missing")
    match = _SHAPE.fullmatch(token)
    if match is None:
        raise TokenRefused("forged")
    issued, nonce, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(form, issued, nonce)):
        raise TokenRefused("forged")
    age = (time.time() if now is None else now) - int(issued)
    if age > lifetime or age < -CLOCK_SKEW:
        raise TokenRefused("expired")
    return nonce


def spend(nonce: str, lifetime: int) -> None:
    """Record the nonce as used (raises TokenRefused('replayed') when it already was). A
    Redis error propagates: without the record a replay could not be told apart."""
    first = redis_store.client.set(redis_keys.form_nonce(nonce), b"1", nx=True, ex=lifetime + CLOCK_SKEW)
    if not first:
        raise TokenRefused("replayed")
