"""Rate limits shared by every process through Redis (Flask-Limiter).

Anonymous callers are limited per IP by the config limit named at the view; enterprise
keys by their own limit; officers and admins are not limited."""
from __future__ import annotations

from flask import current_app, request

from fraudwatch.auth import current
from fraudwatch.extensions import limiter


def batch_cost() -> int:
    """A batch costs one unit per item (invalid or oversized batches cost one: they get a 400)."""
    data = request.get_json(silent=True)
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list) and 0 < len(items) <= current_app.config["BATCH_LIMIT"]:
        return len(items)
    return 1


def per_caller(config_name: str, cost=1):
    """Decorator: the limit of the caller, or the config limit for anonymous callers.

    Views that name the same config limit share one bucket (GET and POST lookups do)."""

    def limit_value() -> str:
        principal = current()
        return principal.rate_limit or current_app.config[config_name]

    def exempt() -> bool:
        return current().is_officer or not current_app.config["RATELIMIT_ENABLED"]

    scope = config_name.lower().removeprefix("anon_").removesuffix("_limit")
    return limiter.shared_limit(limit_value, scope=scope, exempt_when=exempt, cost=cost)
