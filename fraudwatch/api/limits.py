"""Rate limits shared by every process through Redis (Flask-Limiter).

Anonymous callers are limited per IP by the config limit named at the view; enterprise
keys by their own limit; officers and admins are not limited."""
from __future__ import annotations

from flask import current_app

from fraudwatch.auth import current
from fraudwatch.extensions import limiter


def per_caller(config_name: str, cost=1):
    """Decorator: the limit of the caller, or the config limit for anonymous callers."""

    def limit_value() -> str:
        principal = current()
        return principal.rate_limit or current_app.config[config_name]

    def exempt() -> bool:
        return current().is_officer or not current_app.config["RATELIMIT_ENABLED"]

    return limiter.limit(limit_value, exempt_when=exempt, cost=cost)
