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
