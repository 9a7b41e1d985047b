"""Running a unit of work as one database transaction, retried when the database asks.

A transaction can lose through no fault of its own: PostgreSQL picks it as the victim of a
deadlock (40P01) or a serialization failure (40001), SQLite refuses a write while another
connection holds the lock past the busy timeout, or the connection breaks (a database
restart). Such a transaction is rolled back and run again from the start, a few times
with jittered backoff; anything else, and the last failure, is raised to the caller."""
from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 6
_PG_RETRY = {"40001", "40P01", "57P01", "57P02", "57P03"}  # serialization, deadlock, shutdown
_SQLITE_RETRY = {"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_RECOVERY", "SQLITE_LOCKED"}


def is_retryable(exc: BaseException) -> bool:
    """True for a failure that running the same transaction again may not meet."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or ""
    if state in _PG_RETRY or state.startswith("08"):  # 08xxx: connection exceptions
        return True
    return getattr(orig, "sqlite_errorname", None) in _SQLITE_RETRY or "database is locked" in str(orig)


def is_unavailable(exc: BaseException) -> bool:
    """True for a database failure that is not the request's fault and may pass: the
    database is down, restarting or refusing connections, or the transaction kept losing
    (an HTTP caller gets a 503 and may retry; nothing was written)."""
    if is_retryable(exc):
        return True
    return (isinstance(exc, sa.exc.OperationalError) and getattr(exc.orig, "sqlstate", "") is None
            and type(exc.orig).__module__.startswith("psycopg"))  # refused at connect: no SQLSTATE


def in_transaction(session: Session, work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run `work()` in a new transaction and commit; on a retryable failure roll back and run
    it again. On SQLite the transaction takes the write lock when it begins, so what `work`
    reads stays true until it commits."""
    for attempt in range(1, attempts + 1):
        try:
            session.commit()  # begin afresh (ends a request's read transaction, keeps any writes)
            session.connection(execution_options={"fw_writes": True})
            result = work()
            session.commit()
            return result
        except sa.exc.DBAPIError as exc:
            _rollback(session)
            if attempt == attempts or not is_retryable(exc):
                raise
            pause = min(1.0, 0.02 * 2 ** attempt) * random.uniform(0.5, 1.5)
            log.info("transaction lost (%s), attempt %d of %d, again in %.0f ms",
                     type(exc.orig).__name__, attempt, attempts, pause * 1000)
            time.sleep(pause)
    raise AssertionError("unreachable")


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except sa.exc.DBAPIError:  # the connection is gone: the session is reset all the same
        log.debug("rollback after a broken connection failed", exc_info=True)


@contextlib.contextmanager
def waits_at_most(session: Session, milliseconds: int, *, write: bool = False) -> Iterator[None]:
    """Within the session's current transaction, wait at most `milliseconds` for a lock
    (PostgreSQL: lock_timeout and statement_timeout, for this transaction only; SQLite: the
    busy timeout of this connection, put back afterwards): a caller with a time budget
    gets an error instead of queueing behind another writer.

    `write`: on SQLite, take the write lock now, within that wait. A transaction that reads
    first and writes later fails at once (SQLITE_BUSY_SNAPSHOT, no waiting) when another
    connection committed in between, which under a steady import is nearly always."""
    ms = max(1, int(milliseconds))
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        yield
        return
    raw = conn.connection.dbapi_connection  # the PRAGMA must reach this very connection, even mid-error
    before = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    raw.execute(f"PRAGMA busy_timeout = {ms}")
    try:
        if write:
            conn.exec_driver_sql("DELETE FROM pending_jobs WHERE 0")  # deletes nothing; takes the write lock
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {before}")
