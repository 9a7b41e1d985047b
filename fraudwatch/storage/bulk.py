"""Connection settings for bulk writes: SQLite's PRAGMAs around a large import.

The settings belong to one pooled connection, so they are set on the session's own
connection and put back before that connection returns to the pool. Other databases
need nothing here.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from fraudwatch.infra.extensions import SQLITE_CACHE_KIB

BULK_CACHE_KIB = 262_144  # a 256 MiB page cache while importing
BULK_AUTOCHECKPOINT = 25_000  # pages (~100 MiB): each checkpoint syncs the file, 4 MiB is too often
DEFAULT_AUTOCHECKPOINT = 1000  # SQLite's default


@contextmanager
def bulk_writes(session: Session) -> Iterator[None]:
    """Within the block, the session's SQLite connection is tuned for bulk writes; afterwards
    the WAL is checkpointed and the connection defaults are back. The caller commits or rolls
    back its own work inside the block."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        _bulk_on(session)
    try:
        yield
    finally:
        if sqlite:
            _bulk_off(session)


def _bulk_on(session: Session) -> None:
    connection = session.connection()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={BULK_AUTOCHECKPOINT}")


def _bulk_off(session: Session) -> None:
    session.rollback()  # whatever the caller left open ends before the settings change back
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={DEFAULT_AUTOCHECKPOINT}")
    connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    session.commit()
