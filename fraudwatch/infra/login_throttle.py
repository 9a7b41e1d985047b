"""Throttling of console sign-ins: failed attempts counted per account and per address in
Redis (shared by every web process), LOGIN_ACCOUNT_LIMIT / LOGIN_ADDRESS_LIMIT failures per
LOGIN_WINDOW_SECONDS (the window starts at the first failure). While over either limit, the
password is not even checked. A successful sign-in clears its account's counter (not the
address's). A TOTP code signs in once (`first_use_of_code`). Redis unreachable: sign-in
is not throttled (logged), never refused for it."""
from __future__ import annotations

import logging

import redis
from flask import current_app

from fraudwatch.infra.extensions import redis_store
from fraudwatch.infra.redis_keys import login_code_used, login_failures

log = logging.getLogger(__name__)


def _keys(account: str, address: str) -> tuple[str, str]:
    return login_failures("account", account.casefold()), login_failures("address", address or "-")


def throttled(account: str, address: str) -> int:
    """Seconds until `account` or `address` may try again (0: they may now)."""
    config = current_app.config
    account_key, address_key = _keys(account, address)
    try:
        pipe = redis_store.client.pipeline(transaction=False)
        pipe.get(account_key).ttl(account_key).get(address_key).ttl(address_key)
        account_count, account_ttl, address_count, address_ttl = pipe.execute()
    except redis.RedisError as exc:
        log.warning("sign-in throttling skipped, Redis unavailable: %s", exc)
        return 0
    waits = [0]
    if int(account_count or 0) >= config["LOGIN_ACCOUNT_LIMIT"]:
        waits.append(max(int(account_ttl), 1))
    if int(address_count or 0) >= config["LOGIN_ADDRESS_LIMIT"]:
        waits.append(max(int(address_ttl), 1))
    return max(waits)


def record_failure(account: str, address: str) -> None:
    """Count a failed sign-in of `account` from `address`."""
    window = int(current_app.config["LOGIN_WINDOW_SECONDS"])
    try:
        pipe = redis_store.client.pipeline(transaction=True)
        for key in _keys(account, address):
            pipe.set(key, 0, ex=window, nx=True).incr(key)  # the window starts at the first failure
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("failed sign-in not counted, Redis unavailable: %s", exc)


def clear_account(account: str) -> None:
    """Forget the failures of `account` (after it signed in)."""
    try:
        redis_store.client.delete(_keys(account, "")[0])
    except redis.RedisError as exc:
        log.warning("could not clear sign-in failures, Redis unavailable: %s", exc)


def first_use_of_code(user_id: int, code: str) -> bool:
    """True the first time `code` signs `user_id` in; False for a replay within its life
    (the code's window of +-1 step is 90 s; the marker lives 120 s)."""
    try:
        return bool(redis_store.client.set(login_code_used(user_id, code), 1, ex=120, nx=True))
    except redis.RedisError as exc:
        log.warning("TOTP replay check skipped, Redis unavailable: %s", exc)
        return True
