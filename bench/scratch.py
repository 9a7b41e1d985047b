"""Scratch databases for the benchmarks: a SQLite file in a temporary folder and a PostgreSQL
database created for the run and dropped afterwards (unless kept), each migrated to head."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage.migrate import upgrade

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/{}"
BACKENDS = ("sqlite", "postgresql", "both")


def scratch_databases(folder: Path, backend: str, pg_db: str, keep: bool = False) -> Iterator[tuple[str, str, Path]]:
    """(backend, database URL, instance folder) of each database asked for, migrated; the
    PostgreSQL one is dropped when the caller moves on (unless `keep`)."""
    if backend in ("sqlite", "both"):
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        yield "sqlite", url, folder / "i1"
    if backend in ("postgresql", "both"):
        if not pg_db.isidentifier():
            raise ValueError("the PostgreSQL database must be a plain name")
        admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {pg_db}"))
        try:
            url = PG_BENCH.format(pg_db)
            upgrade(url)
            yield "postgresql", url, folder / "i2"
        finally:
            if not keep:
                with admin.connect() as conn:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"))
            admin.dispose()
