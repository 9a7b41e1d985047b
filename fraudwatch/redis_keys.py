"""Every Redis key of fraudwatch comes from here, under one prefix (default `fw:`)."""
from __future__ import annotations

import hashlib

from flask import current_app


def key(*parts: object) -> str:
    """`<prefix><part>:<part>...`, the prefix from the app config."""
    return current_app.config["REDIS_PREFIX"] + ":".join(str(p) for p in parts)


def lookup_scope(scope: str) -> str:
    """Hash holding the cached lookup answers of one scope (a registrable domain or a value)."""
    return key("lookup", hashlib.sha1(scope.encode("utf-8")).hexdigest())


def lookup_scope_pattern() -> str:
    """SCAN pattern matching every lookup-answer hash."""
    return key("lookup", "*")


def lookup_all_generation() -> str:
    """Counter raised each time the whole lookup cache is dropped (see cache.py)."""
    return key("lookupgen-all")


def lookup_generation(scope: str) -> str:
    """Counter raised each time a scope's cached answers are dropped (see cache.py)."""
    return key("lookupgen", hashlib.sha1(scope.encode("utf-8")).hexdigest())


def rate_window(scope: str, who: str, seconds: int, number: int) -> str:
    """Counter of one rate-limit window: a scope (lookup, report), a caller, a window length
    and the window's number since the epoch."""
    return key("rl", scope, who, seconds, number)
