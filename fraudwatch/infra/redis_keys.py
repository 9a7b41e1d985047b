"""Every Redis key of fraudwatch comes from here, under one prefix (default `fw:`)."""
from __future__ import annotations

import hashlib

from flask import current_app


def key(*parts: object) -> str:
    """`<prefix><part>:<part>...`, the prefix from the app config."""
    return current_app.config["REDIS_PREFIX"] + ":".join(str(p) for p in parts)


def lookup_scope(scope: str) -> str:
    """Hash holding the cached lookup answers of one scope (a registrable domain or a value)."""
    return lookup_keys([scope])[0][0]


def lookup_keys(scopes: list[str]) -> tuple[list[str], list[str]]:
    """(answer hashes, generation counters) of these scopes: one digest per scope serves both."""
    prefix = current_app.config["REDIS_PREFIX"]
    digests = [hashlib.sha1(scope.encode("utf-8")).hexdigest() for scope in scopes]
    return [f"{prefix}lookup:{d}" for d in digests], [f"{prefix}lookupgen:{d}" for d in digests]


def lookup_scope_pattern() -> str:
    """SCAN pattern matching every lookup-answer hash."""
    return key("lookup", "*")


def lookup_all_generation() -> str:
    """Counter raised each time the whole lookup cache is dropped (see cache.py)."""
    return key("lookupgen-all")


def rate_window(scope: str, who: str, seconds: int, number: int) -> str:
    """Counter of one rate-limit window: a scope (lookup, report), a caller, a window length
    and the window's number since the epoch."""
    return key("rl", scope, who, seconds, number)
