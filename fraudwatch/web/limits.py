"""Rate limits of the API views and public forms, shared by every process through Redis (fraudwatch.infra.ratelimit).

Anonymous callers are limited per IP by the config limit named at the view; enterprise
keys by their own limit; officers and admins are not limited. Every limited response
carries X-RateLimit-Limit / -Remaining / -Reset (the tightest window); a refusal is a 429
JSON error with Retry-After."""
from __future__ import annotations

import functools
import logging

from flask import current_app, g, request

from fraudwatch.infra import ratelimit
from fraudwatch.infra.extensions import RedisSkipped, redis_store
from fraudwatch.web.auth import current
from fraudwatch.web.errors import APIError

log = logging.getLogger(__name__)


def batch_cost() -> int:
    """A batch costs one unit per item, invalid items included (a batch refused whole with a 400
    costs one). The item limit is the one the request models check (BATCH_LIMIT)."""
    data = request.get_json(silent=True)
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and 0 < len(items) <= current_app.config["BATCH_LIMIT"]:
        return len(items)
    return 1


def _caller_key() -> str:
    """token:<id> for keys, ip:<address> for anonymous callers."""
    principal = current()
    if principal.token_id is not None:
        return f"token:{principal.token_id}"
    return f"ip:{request.remote_addr or 'unknown'}"


def _windows(config_name: str) -> tuple[ratelimit.Window, ...]:
    principal = current()
    value = principal.rate_limit or current_app.config[config_name]
    try:
        return ratelimit.parse_limits(value)
    except ValueError as exc:  # a stored key limit that no longer parses: use the anonymous one
        log.warning("rate limit %r of %s is invalid (%s); using %s", value, principal.name, exc, config_name)
        return ratelimit.parse_limits(current_app.config[config_name])


class RideAlong:
    """A rate-limit hit waiting to ride along with the view's first Redis round trip."""

    def __init__(self, pending: ratelimit.Hit) -> None:
        self.commands = pending.commands
        self._pending = pending

    def finish(self, replies: list | BaseException) -> None:
        """Judge the hit from its replies (or the Redis error): 429 when over the limit."""
        _judge(self._pending.outcome(replies))


def claim_ride_along() -> RideAlong | None:
    """For a view decorated with `per_caller(..., ride_along=True)`: take the pending hit,
    send its `commands` in the next pipeline and call `finish` with their replies before
    doing any costly work. None when there is no pending hit (officers, limits off)."""
    pending = g.pop("rate_limit_pending", None)
    return RideAlong(pending) if pending is not None else None


def _judge(outcome: ratelimit.Outcome) -> None:
    g.rate_limit_outcome = outcome
    if not outcome.allowed:
        raise APIError(429, f"rate limit exceeded ({outcome.limit} per window); retry in "
                       f"{outcome.reset_after} s", code="rate_limited")


def _send(pending: ratelimit.Hit) -> ratelimit.Outcome:
    """Send a hit alone, unless Redis failed moments ago (then count in process memory)."""
    if not redis_store.available():
        return pending.outcome(RedisSkipped("Redis failed moments ago"))
    return ratelimit.send(redis_store.client, pending, on_error=redis_store.failed)


def per_caller(config_name: str, cost=1, *, ride_along: bool = False):
    """Decorator: the limit of the caller, or the config limit for anonymous callers.

    Views that name the same config limit share one bucket (GET and POST lookups do).
    `cost` is a number or a function of the request. With `ride_along`, the view promises
    to `claim_ride_along()` before any costly work and send the hit with its own first
    Redis round trip (lookups do, with the cache read); if the view ends without claiming
    it (say, a 400 on validation), the hit is sent after the view and still counts."""
    scope = config_name.lower().removeprefix("anon_").removesuffix("_limit")

    def decorate(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            if current().is_officer or not current_app.config["RATELIMIT_ENABLED"]:
                return view(*args, **kwargs)
            pending = ratelimit.Hit(scope, _caller_key(), _windows(config_name), cost() if callable(cost) else cost)
            if not ride_along:
                _judge(_send(pending))
                return view(*args, **kwargs)
            g.rate_limit_pending = pending
            try:
                return view(*args, **kwargs)
            finally:
                if g.pop("rate_limit_pending", None) is not None:
                    _judge(_send(pending))

        limited.fw_rate_limited = True  # the OpenAPI document lists 429 and the X-RateLimit-* headers
        return limited

    return decorate


def add_headers(response):
    """after_request: X-RateLimit-* on limited responses, Retry-After on refusals."""
    outcome = g.get("rate_limit_outcome")
    if outcome is not None:
        response.headers["X-RateLimit-Limit"] = str(outcome.limit)
        response.headers["X-RateLimit-Remaining"] = str(outcome.remaining)
        response.headers["X-RateLimit-Reset"] = str(outcome.reset_after)
        if not outcome.allowed:
            response.headers["Retry-After"] = str(outcome.reset_after)
    return response
