"""The lookup cache in Redis: one hash per scope (registrable domain or value), so that a
change to anything under a domain drops every cached answer about it in one DEL.

Redis failures never fail a request: a miss is computed from the database instead.

A few entries travel as plain HGET / HSET commands; a batch travels as one small Lua
script call (EVAL), because per-command client work for 1,000 commands cost more than the
lookups themselves (25 ms to read and 25-40 ms to write 1,000 answers, measured)."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app

from fraudwatch import jsonio
from fraudwatch.extensions import redis_store
from fraudwatch.redis_keys import lookup_scope

log = logging.getLogger(__name__)

SCRIPT_FROM = 8  # entries from which one EVAL replaces one command per entry
# KEYS: hashes; ARGV: one field per key. Missing fields come back as nil (false in Lua).
_GET_SCRIPT = "local out = {} for i, key in ipairs(KEYS) do out[i] = redis.call('HGET', key, ARGV[i]) end return out"
# KEYS: hashes; ARGV: ttl, then field, value per key. Each hash expires ttl after its last write.
_PUT_SCRIPT = ("for i, key in ipairs(KEYS) do redis.call('HSET', key, ARGV[2 * i], ARGV[2 * i + 1]) "
               "redis.call('EXPIRE', key, ARGV[1]) end return 0")


def get_many(entries: list[tuple[str, str]], ride_along=None) -> list[dict | None]:
    """Cached answers for (scope, field) pairs; None where missing or Redis is down.

    `ride_along` (commands + finish, e.g. the request's rate-limit hit) is sent in the same
    pipeline and finished with its replies, or with the error if Redis could not be reached;
    its `finish` may raise (a 429), which is not a cache failure and is passed on."""
    if not entries and ride_along is None:
        return []
    extra = ride_along.commands if ride_along is not None else []
    keys = [lookup_scope(scope) for scope, _ in entries]
    try:
        pipe = redis_store.client.pipeline(transaction=False)
        for command in extra:
            pipe.execute_command(*command)
        if len(entries) >= SCRIPT_FROM:
            pipe.execute_command("EVAL", _GET_SCRIPT, len(keys), *keys, *(field for _, field in entries))
        else:
            for key, (_, field) in zip(keys, entries):
                pipe.hget(key, field)
        raw = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache unavailable: %s", exc)
        if ride_along is not None:
            ride_along.finish(exc)
        return [None] * len(entries)
    if ride_along is not None:
        ride_along.finish(raw[:len(extra)])
    values = raw[len(extra)] if len(entries) >= SCRIPT_FROM else raw[len(extra):]
    return [jsonio.loads(value) if value else None for value in values]


def put_many(entries: list[tuple[str, str, dict]]) -> None:
    """Cache answers; each scope's hash expires LOOKUP_CACHE_TTL seconds after its last write.

    Written without waiting for Redis to answer (see RedisStore.send_only): filling the
    cache is best effort, and a lookup should not pay a round trip for it."""
    if not entries:
        return
    ttl = current_app.config["LOOKUP_CACHE_TTL"]
    try:
        encoded = [(lookup_scope(scope), field, jsonio.dumps(answer))
                   for scope, field, answer in entries]
        if len(encoded) >= SCRIPT_FROM:
            commands = [("EVAL", _PUT_SCRIPT, len(encoded), *(key for key, _, _ in encoded), ttl,
                         *(part for _, field, value in encoded for part in (field, value)))]
        else:
            commands = []
            for key, field, value in encoded:
                commands += [("HSET", key, field, value), ("EXPIRE", key, ttl)]
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
