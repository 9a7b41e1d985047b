"""Signing and verifying fraudwatch's webhook requests: standard library only, so that a
receiver can copy this file as it is.

Every alert webhook is a POST of a JSON body with the headers

    X-Fraudwatch-Timestamp: <unix seconds>
    X-Fraudwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes exactly as
received (before any JSON parsing), compares it in constant time, and refuses a timestamp
more than `tolerance` seconds away from its clock (a replayed request is refused once it is
that old; remember the `X-Fraudwatch-Delivery` ids seen within the window to refuse a replay
inside it). Several `v1=` entries may be present; one matching is enough."""
from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Fraudwatch-Signature"
TIMESTAMP_HEADER = "X-Fraudwatch-Timestamp"
MAX_HEADER = 2048


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" with `secret`."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Fraudwatch-Signature header value for `body` (now, unless `timestamp`)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={signature(secret, t, body)}"


def verify_signature(secret: str, header: str | None, body: bytes, tolerance: int = 300,
                     now: float | None = None) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance`
    seconds of now; False for anything else (missing, malformed, wrong, too old or too new)."""
    if not secret or not isinstance(header, str) or len(header) > MAX_HEADER or not isinstance(body, bytes):
        return False
    stamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif key == "v1" and len(value) == 64:
            candidates.append(value)
    if stamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - stamp) > tolerance:
        return False
    expected = signature(secret, stamp, body)
    return any(hmac.compare_digest(expected, c.lower()) for c in candidates)
