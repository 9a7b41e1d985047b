"""Write transactions on SQLite under a concurrent writer (storage/transactions.py).

A deferred SQLite transaction that reads and then writes fails at once
(SQLITE_BUSY_SNAPSHOT, the busy timeout is not used) when another connection committed in
between; during an import that is most of the time, and it failed live report jobs
(bench/pipeline.py: ~1,000 "database is locked" in 30 s). `waits_at_most(write=True)` takes
the write lock first; `in_transaction` begins with it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.infra.extensions import db, make_engine
from fraudwatch.storage.models import PendingJob
from fraudwatch.storage.transactions import in_transaction, waits_at_most
from tests.conftest import make_test_app


@pytest.fixture
def sqlite_app(sqlite_template, redis_url, tmp_path):
    import shutil

    path = tmp_path / "tx.db"
    shutil.copy(sqlite_template, path)
    app = make_test_app(f"sqlite:///{path}", redis_url, tmp_path / "instance")
    yield app
    db.dispose(app)


def _other_writer_commits(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with Session(engine) as other:
            other.add(PendingJob(kind="process_report", target_id=1))
            other.commit()
    finally:
        engine.dispose()


def _read(session: Session) -> None:
    session.execute(sa.select(sa.func.count()).select_from(PendingJob)).scalar()  # takes the snapshot


def test_a_deferred_read_then_write_loses_to_a_commit_in_between(sqlite_app):
    """The hazard itself, so the test below means something."""
    with sqlite_app.app_context():
        session = db.session
        session.commit()
        _read(session)
        _other_writer_commits(sqlite_app)
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            session.add(PendingJob(kind="process_report", target_id=2))
            session.flush()
        session.rollback()


def test_taking_the_write_lock_first_keeps_the_read_true(sqlite_app):
    with sqlite_app.app_context():
        session = db.session
        session.commit()
        with waits_at_most(session, 2000, write=True):
            _read(session)
            with pytest.raises(sa.exc.OperationalError, match="locked"):  # the other writer waits now
                engine = make_engine(sqlite_app.config["DATABASE_URL"])
                try:
                    with engine.connect() as conn:
                        conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                        conn.exec_driver_sql("INSERT INTO pending_jobs (kind, target_id, attempts, queue) "
                                             "VALUES ('process_report', 9, 0, 'live')")
                        conn.commit()
                finally:
                    engine.dispose()
            session.add(PendingJob(kind="process_report", target_id=2))
            session.commit()
        assert session.execute(sa.select(sa.func.count()).select_from(PendingJob)).scalar() == 1


def test_in_transaction_reads_and_writes_under_a_commit_in_between(sqlite_app):
    def work() -> int:
        count = session.execute(sa.select(sa.func.count()).select_from(PendingJob)).scalar()
        session.add(PendingJob(kind="process_report", target_id=count + 1))
        return count

    with sqlite_app.app_context():
        session = db.session
        _other_writer_commits(sqlite_app)
        assert in_transaction(session, work) == 1
