"""Rendered public pages in Redis for a few seconds: a page is the same for every visitor
(no cookie, language in the URL), so one rendering serves everyone until it expires.

Redis failures never fail a request: the page is rendered instead (and Redis is left alone
for REDIS_RETRY_SECONDS, like the lookup cache)."""
from __future__ import annotations

import logging

import redis

from fraudwatch.infra.extensions import redis_store
from fraudwatch.infra.redis_keys import public_page

log = logging.getLogger(__name__)


def get(key: str) -> bytes | None:
    """The cached page under `key`, or None."""
    if not redis_store.available():
        return None
    try:
        return redis_store.client.get(public_page(key))
    except (redis.RedisError, OSError) as exc:
        redis_store.failed(exc)
        return None


def put(key: str, body: bytes, seconds: int) -> None:
    """Keep `body` under `key` for `seconds` (best effort)."""
    if seconds <= 0 or not redis_store.available():
        return
    try:
        redis_store.client.set(public_page(key), body, ex=seconds)
    except (redis.RedisError, OSError) as exc:
        redis_store.failed(exc)
        log.debug("page not cached: %s", exc)
