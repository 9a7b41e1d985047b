"""Rendered public pages in Redis for a few seconds: a page is the same for every visitor
(no cookie, language in the URL), so one rendering serves everyone until it expires.

A generation number is kept beside the pages: what changes the public pages (an example
published or withdrawn, an advisory published) raises it (`bump`), and a page stored under an
older generation is a miss, so a change is seen at once rather than when the copy expires. A
read is one round trip (MGET of the page and the generation).

Redis failures never fail a request: the page is rendered instead (and Redis is left alone
for REDIS_RETRY_SECONDS, like the lookup cache)."""
from __future__ import annotations

import logging

import redis

from fraudwatch.infra import metrics
from fraudwatch.infra.extensions import redis_store
from fraudwatch.infra.redis_keys import public_page, public_pages_generation

log = logging.getLogger(__name__)


def get(key: str) -> tuple[bytes | None, bytes]:
    """(the cached page under `key` or None, the current generation to store a new copy under)."""
    if not redis_store.available():
        return None, b""
    try:
        stored, generation = redis_store.client.mget(public_page(key), public_pages_generation())
    except (redis.RedisError, OSError) as exc:
        redis_store.failed(exc)
        return None, b""
    generation = generation or b"0"
    if stored is None:
        metrics.count_page_cache(False)
        return None, generation
    made_in, _, body = stored.partition(b"\n")
    metrics.count_page_cache(made_in == generation)
    return (body if made_in == generation else None), generation


def put(key: str, body: bytes, seconds: int, generation: bytes) -> None:
    """Keep `body` under `key` for `seconds`, made in `generation` (best effort)."""
    if seconds <= 0 or not generation or not redis_store.available():
        return
    try:
        redis_store.client.set(public_page(key), generation + b"\n" + body, ex=seconds)
    except (redis.RedisError, OSError) as exc:
        redis_store.failed(exc)
        log.debug("page not cached: %s", exc)


def bump() -> None:
    """Every cached page is out of date from now on (best effort: they expire anyway)."""
    try:
        redis_store.client.incr(public_pages_generation())
    except (redis.RedisError, OSError) as exc:
        log.warning("public pages not refreshed at once (%s): they expire within the cache time", exc)
