"""Flask extensions, created unbound and bound in `init_app`; nothing connects at import.

- `db`: SQLAlchemy engine per app and a session per app context.
- `redis_store`: the Redis client (REDIS_URL, else the embedded server).
- `babel`: Flask-Babel (the locale selector is bound in fraudwatch/web/i18n.py).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_babel import Babel
from sqlalchemy.orm import Session, sessionmaker

from fraudwatch.infra.embedded import ensure_embedded_redis

log = logging.getLogger(__name__)
SQLITE_CACHE_KIB = 32768  # page cache per SQLite connection (KiB)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The driver's own transaction handling starts a transaction only at the first INSERT
    # or UPDATE, so the SELECTs before it (say, a merge's checks) each see a different
    # moment: two opposite merges both passed their checks and made a cycle. Transactions
    # are begun by `_sqlite_begin` instead, at the first statement.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # BEGIN IMMEDIATE takes the write lock at once, for transactions that will write after
    # reading (see fraudwatch.storage.transactions): they queue on the busy timeout instead
    # of failing when another writer committed between their first read and first write.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("fw_writes") else "BEGIN")


def make_engine(url: str) -> sa.Engine:
    """An engine for `url`; SQLite gets WAL mode, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """One engine per app, one session per app context (closed at teardown)."""

    def init_app(self, app: Flask) -> None:
        """Bind to `app`; the engine is created on first use."""
        app.extensions["fw_db"] = {"engine": None, "factory": None}
        app.teardown_appcontext(self._teardown)

    @staticmethod
    def _state() -> dict:
        state = current_app.extensions["fw_db"]
        if state["engine"] is None:
            state["engine"] = make_engine(current_app.config["DATABASE_URL"])
            state["factory"] = sessionmaker(bind=state["engine"], expire_on_commit=False)
        return state

    @property
    def engine(self) -> sa.Engine:
        """The app's engine."""
        return self._state()["engine"]

    @property
    def session(self) -> Session:
        """The session of the current app context."""
        if "fw_session" not in g:
            g.fw_session = self._state()["factory"]()
        return g.fw_session

    @staticmethod
    def _teardown(_exc) -> None:
        session = g.pop("fw_session", None)
        if session is not None:
            session.close()

    def dispose(self, app: Flask) -> None:
        """Close every pooled connection of `app` (tests, forks)."""
        engine = app.extensions["fw_db"]["engine"]
        if engine is not None:
            engine.dispose()


class RedisStore:
    """The app's Redis client; with EMBEDDED_REDIS the server is started on first use."""

    def init_app(self, app: Flask) -> None:
        """Bind to `app`; nothing connects until first use."""
        app.extensions["fw_redis"] = {"client": None, "started": False, "writer": ReplylessWriter(),
                                      "down_until": 0.0}

    @staticmethod
    def ensure_started(app: Flask | None = None) -> str:
        """The Redis URL in force, starting the embedded server once if it is ours to run."""
        app = app or current_app
        state = app.extensions["fw_redis"]
        if app.config.get("EMBEDDED_REDIS") and not state["started"]:
            ensure_embedded_redis(os.path.join(app.instance_path, "redis"))
            state["started"] = True
        return app.config["REDIS_URL"]

    @property
    def client(self) -> redis.Redis:
        """A client with short timeouts, so a dead Redis fails fast."""
        state = current_app.extensions["fw_redis"]
        if state["client"] is None:
            state["client"] = redis.Redis.from_url(
                self.ensure_started(), socket_connect_timeout=1, socket_timeout=2)
        return state["client"]

    def worker_client(self) -> redis.Redis:
        """A client for RQ workers: their blocking pop waits minutes for a job, so no read
        timeout (the request path's 2 s would make every idle wait an error); TCP keepalive
        and a health check before use notice a dead server instead."""
        url = self.ensure_started()
        tcp = {} if url.startswith("unix:") else {"socket_keepalive": True}
        return redis.Redis.from_url(url, socket_connect_timeout=2, health_check_interval=30, **tcp)

    @staticmethod
    def available() -> bool:
        """False for REDIS_RETRY_SECONDS after Redis could not be reached: the request hot
        path (lookup cache, rate limits) then goes without it at once, instead of every
        request waiting for a connect or read timeout while Redis is down or hung."""
        return time.monotonic() >= current_app.extensions["fw_redis"]["down_until"]

    @staticmethod
    def failed(exc: BaseException) -> None:
        """Note an error of a hot-path Redis call; connection and timeout errors open the
        breaker (see `available`)."""
        if not isinstance(exc, (redis.ConnectionError, redis.TimeoutError, OSError)) or isinstance(exc, RedisSkipped):
            return
        state, now = current_app.extensions["fw_redis"], time.monotonic()
        pause = current_app.config["REDIS_RETRY_SECONDS"]
        if pause and state["down_until"] <= now:
            log.warning("Redis unreachable (%s): lookups and rate limits go without it for %s s", exc, pause)
        state["down_until"] = now + pause

    @staticmethod
    def recovered() -> None:
        """Note that a Redis call just worked: close the breaker at once."""
        current_app.extensions["fw_redis"]["down_until"] = 0.0

    def send_only(self, commands: list[tuple]) -> None:
        """Write commands without waiting for (or getting) replies: for best-effort writes
        such as filling the lookup cache. Raises if the connection cannot be used."""
        current_app.extensions["fw_redis"]["writer"].send(self.client, commands)


class RedisSkipped(redis.ConnectionError):
    """Redis was not tried: it failed moments ago (see RedisStore.available)."""

    quiet = True  # already logged when the breaker opened


class ReplylessWriter:
    """One Redis connection per process with `CLIENT REPLY OFF`: commands are written to the
    socket and never waited for, so a best-effort write costs no round trip (and no wait for
    Redis to be scheduled on a busy machine). Errors are not reported by Redis; a broken
    connection raises on write and is reopened on the next call."""

    def __init__(self) -> None:
        self._conn = None
        self._pid = 0
        self._lock = threading.Lock()

    def send(self, client: redis.Redis, commands: list[tuple]) -> None:
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():  # a forked child opens its own
                    pool = client.connection_pool
                    conn = pool.connection_class(**pool.connection_kwargs)
                    conn.connect()
                    conn.send_command("CLIENT", "REPLY", "OFF")
                    self._conn, self._pid = conn, os.getpid()
                self._conn.send_packed_command(self._conn.pack_commands(commands), check_health=False)
            except Exception:
                if self._conn is not None and self._pid == os.getpid():
                    self._conn.disconnect()
                self._conn = None
                raise


db = Database()
redis_store = RedisStore()
babel = Babel()
