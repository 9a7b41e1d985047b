"""The lookup cache in Redis: one hash per scope (registrable domain or value), so that a
change to anything under a domain drops every cached answer about it in one DEL.

Redis failures never fail a request: a miss is computed from the database instead."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from flask import current_app

from fraudwatch.extensions import redis_store
from fraudwatch.redis_keys import lookup_scope

log = logging.getLogger(__name__)


def get_many(entries: list[tuple[str, str]], ride_along=None) -> list[dict | None]:
    """Cached answers for (scope, field) pairs; None where missing or Redis is down.

    `ride_along` (commands + finish, e.g. the request's rate-limit hit) is sent in the same
    pipeline and finished with its replies, or with the error if Redis could not be reached;
    its `finish` may raise (a 429), which is not a cache failure and is passed on."""
    if not entries and ride_along is None:
        return []
    extra = ride_along.commands if ride_along is not None else []
    try:
        pipe = redis_store.client.pipeline(transaction=False)
        for command in extra:
            pipe.execute_command(*command)
        for scope, field in entries:
            pipe.hget(lookup_scope(scope), field)
        raw = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache unavailable: %s", exc)
        if ride_along is not None:
            ride_along.finish(exc)
        return [None] * len(entries)
    if ride_along is not None:
        ride_along.finish(raw[:len(extra)])
    return [json.loads(value) if value else None for value in raw[len(extra):]]


def put_many(entries: list[tuple[str, str, dict]]) -> None:
    """Cache answers; each scope's hash expires LOOKUP_CACHE_TTL seconds after its last write.

    Written without waiting for Redis to answer (see RedisStore.send_only): filling the
    cache is best effort, and a lookup should not pay a round trip for it."""
    if not entries:
        return
    ttl = current_app.config["LOOKUP_CACHE_TTL"]
    try:
        grouped: dict[str, dict[str, str]] = {}
        for scope, field, answer in entries:
            grouped.setdefault(lookup_scope(scope), {})[field] = json.dumps(answer, ensure_ascii=False, default=str)
        commands: list[tuple] = []
        for key, mapping in grouped.items():
            commands.append(("HSET", key, *(part for pair in mapping.items() for part in pair)))
            commands.append(("EXPIRE", key, ttl))
        redis_store.send_only(commands)
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache not written: %s", exc)


def invalidate(scopes: Iterable[str]) -> bool:
    """Drop the cached answers of these scopes; False when Redis could not be reached."""
    keys = [lookup_scope(s) for s in set(scopes)]
    if not keys:
        return True
    try:
        redis_store.client.delete(*keys)
        return True
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache not invalidated (%d scopes; entries expire by TTL): %s", len(keys), exc)
        return False
