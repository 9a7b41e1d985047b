"""The Alembic migrations build exactly the schema the models declare, on every backend,
and can be walked down and up again."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage.migrate import alembic_config, current, upgrade
from fraudwatch.storage.models import Base


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return diff


def test_migrated_schema_matches_the_models(database_url):
    assert _differences(database_url) == []


def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'walk.db'}"
    upgrade(url)
    head = current(url)
    command.downgrade(alembic_config(url), "base")
    assert current(url) is None
    upgrade(url)
    assert current(url) == head and _differences(url) == []


def test_pending_jobs_from_before_the_queues_were_split_are_live_jobs(tmp_path):
    """0003 gives pending jobs a queue; rows written before it were live reports' jobs."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0002")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO pending_jobs (kind, target_id, created_at, attempts) "
                             "VALUES ('process_report', 7, '2026-11-30 10:00:00', 0)"))
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT kind, target_id, queue FROM pending_jobs")).all() == [
            ("process_report", 7, "live")]
    engine.dispose()
