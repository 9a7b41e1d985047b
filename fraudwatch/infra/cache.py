"""The lookup cache in Redis: one hash per scope (registrable domain or value), so that a
change to anything under a domain drops every cached answer about it in one DEL.

Redis failures never fail a request: a miss is computed from the database instead.

Each scope also has a generation counter (and the whole cache one more), raised when
answers are dropped and read together with the cache. An answer computed after a read is
written only if the generations it read have not moved, so an answer computed just before
a change never outlives it.

A few entries are read with plain HGET / GET commands, a batch with one small Lua script
call (EVAL): per-command client work for 1,000 commands cost more than the lookups
themselves (25 ms to read and 25-40 ms to write 1,000 answers, measured). Answers are
written by a Lua script (the generation check) on a connection that does not wait for
replies."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

from flask import current_app

from fraudwatch.infra import jsonio, metrics
from fraudwatch.infra.extensions import RedisSkipped, redis_store
from fraudwatch.infra.redis_keys import lookup_all_generation, lookup_keys, lookup_scope_pattern

log = logging.getLogger(__name__)

SCRIPT_FROM = 8  # entries from which one EVAL replaces one command per entry
BULK_FROM = 5000  # scopes from which an invalidation drops the whole cache instead
# KEYS: n hashes, their n generation counters, then the global generation; ARGV: one field
# per hash. Returns the n cached values (false when missing), the n generations (false when
# unset), then the global generation.
_GET_SCRIPT = ("local n = #ARGV local out = {} for i = 1, n do out[i] = redis.call('HGET', KEYS[i], ARGV[i]) "
               "out[n + i] = redis.call('GET', KEYS[n + i]) end out[2 * n + 1] = redis.call('GET', KEYS[2 * n + 1]) "
               "return out")
# KEYS: as above; ARGV: ttl, then field, value and the generation read before the answer was
# computed ("<scope generation>/<global generation>"), per hash. An answer is written only
# if neither generation moved meanwhile; each hash expires ttl after its last write.
_PUT_SCRIPT = ("local n = (#ARGV - 1) / 3 local all = redis.call('GET', KEYS[2 * n + 1]) or '' "
               "for i = 1, n do local gen = (redis.call('GET', KEYS[n + i]) or '') .. '/' .. all "
               "if gen == ARGV[3 * i + 1] then redis.call('HSET', KEYS[i], ARGV[3 * i - 1], ARGV[3 * i]) "
               "redis.call('EXPIRE', KEYS[i], ARGV[1]) end end return 0")


class CacheRead(NamedTuple):
    """What `get_many` found: the cached answers (None where missing) and the generation of
    each entry's scope, to hand back to `put_many` with the computed answers."""

    answers: list[dict | None]
    generations: list[str]


def get_many(entries: list[tuple[str, str]], ride_along=None) -> CacheRead:
    """Cached answers for (scope, field) pairs; None where missing or Redis is down.

    `ride_along` (commands + finish, e.g. the request's rate-limit hit) is sent in the same
    pipeline and finished with its replies, or with the error if Redis could not be reached;
    its `finish` may raise (a 429), which is not a cache failure and is passed on."""
    if not entries and ride_along is None:
        return CacheRead([], [])
    extra = ride_along.commands if ride_along is not None else []
    keys, generations = lookup_keys([scope for scope, _ in entries])
    try:
        if not redis_store.available():
            raise RedisSkipped("Redis failed moments ago")
        pipe = redis_store.client.pipeline(transaction=False)
        for command in extra:
            pipe.execute_command(*command)
        if len(entries) >= SCRIPT_FROM:
            pipe.execute_command("EVAL", _GET_SCRIPT, 2 * len(keys) + 1, *keys, *generations,
                                 lookup_all_generation(), *(field for _, field in entries))
        else:
            for key, (_, field) in zip(keys, entries):
                pipe.hget(key, field)
            for key in generations:
                pipe.get(key)
            pipe.get(lookup_all_generation())
        raw = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        if not isinstance(exc, RedisSkipped):
            log.warning("lookup cache unavailable: %s", exc)
            redis_store.failed(exc)
        if ride_along is not None:
            ride_along.finish(exc)
        metrics.count_lookup_cache(0, len(entries))
        return CacheRead([None] * len(entries), [UNREAD] * len(entries))
    if ride_along is not None:
        ride_along.finish(raw[:len(extra)])
    values = raw[len(extra)] if len(entries) >= SCRIPT_FROM else raw[len(extra):]
    count, everything = len(entries), _text(values[-1]) if entries else ""
    found = values[:count]
    hits = count - found.count(None)
    metrics.count_lookup_cache(hits, count - hits)
    return CacheRead([jsonio.loads(v) if v else None for v in found],
                     [f"{_text(g)}/{everything}" for g in values[count:2 * count]])


UNREAD = "unread"  # the generation when Redis could not be read: such answers are not cached


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value) if value else ""


def put_many(entries: list[tuple[str, str, dict, str]]) -> None:
    """Cache answers given as (scope, field, answer, generation read by `get_many`).

    An answer is stored only if its scope was not invalidated since that read, so an answer
    computed just before a report changed it never outlives the change. Written without
    waiting for Redis to answer (see RedisStore.send_only): filling the cache is best
    effort, and a lookup should not pay a round trip for it. Each scope's hash expires
    LOOKUP_CACHE_TTL seconds after its last write."""
    entries = [entry for entry in entries if entry[3] != UNREAD]
    if not entries or not redis_store.available():
        return
    ttl = current_app.config["LOOKUP_CACHE_TTL"]
    try:
        keys, generations = lookup_keys([scope for scope, _, _, _ in entries])
        args = [part for _, field, answer, generation in entries
                for part in (field, jsonio.dumps(answer), generation)]
        redis_store.send_only([("EVAL", _PUT_SCRIPT, 2 * len(keys) + 1, *keys, *generations,
                                lookup_all_generation(), ttl, *args)])
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache not written: %s", exc)
        redis_store.failed(exc)


def invalidate(scopes: Iterable[str]) -> bool:
    """Drop the cached answers of these scopes and move their generation on (so that an
    answer computed before this change is not written after it); False when Redis could
    not be reached.

    From BULK_FROM scopes on (a feed import touches hundreds of thousands), the global
    generation moves on and every cached answer is dropped instead: that costs what the
    cache holds, not what the import touched."""
    scopes = set(scopes)
    if not scopes:
        return True
    keep = max(60, 2 * current_app.config["LOOKUP_CACHE_TTL"])
    try:
        client = redis_store.client
        if len(scopes) >= BULK_FROM:
            client.incr(lookup_all_generation())
            batch: list[str] = []
            for key in client.scan_iter(match=lookup_scope_pattern(), count=2000):
                batch.append(key)
                if len(batch) >= 1000:
                    client.unlink(*batch)
                    batch = []
            if batch:
                client.unlink(*batch)
            return True
        keys, generations = lookup_keys(list(scopes))
        pipe = client.pipeline(transaction=False)
        for generation in generations:
            pipe.incr(generation)
            pipe.expire(generation, keep)
        pipe.delete(*keys)
        pipe.execute()
        return True
    except Exception as exc:  # noqa: BLE001 - a cache failure never fails a request
        log.warning("lookup cache not invalidated (%d scopes; entries expire by TTL): %s", len(scopes), exc)
        return False
