"""Backups of the database while the service runs, and restores of them (issue #8): the
public entry points (`create_backup`, `verify_backup`, `restore_backup`, `restore`).

A backup is one file, an uncompressed tar of two members: `manifest.json` (format,
backend, Alembic revision, row counts per table, created_at, fraudwatch version, the
dump's size and sha256) and the dump. For SQLite the dump is `database.sqlite3`, written
by SQLite's online backup API (a consistent copy of a live WAL database, never a file
copy); for PostgreSQL `database.pgdump`, `pg_dump --format=custom` run on a snapshot
exported by the transaction that also counts the rows, so counts and dump agree. The file
is created 0600 next to PATH and linked into place when complete.

A restore checks the manifest and the dump (sha256, size, a revision this code knows),
refuses a database that holds data unless forced, replaces the whole database (SQLite:
the backup API into the live file; PostgreSQL: one psql transaction that drops the
tables and replays the dump; either way all or nothing), checks the row counts against
the manifest, migrates an older revision to head and records `backup_restored` in the
audit trail. A backup is restored into the backend it came from; moving between SQLite
and PostgreSQL is refused. Redis holds nothing a restore needs (the queue is rebuilt from
`pending_jobs` by the pump; the lookup cache refills) but the cached lookups of the old
data must go: `restore` drops them.

The archive format lives in `backup_archive`, the dump and load mechanics in `dumps`.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage import backup_archive as archive
from fraudwatch.storage import dumps
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.backup_archive import DUMPS, FORMAT, FORMAT_VERSION, BackupError
from fraudwatch.storage.migrate import upgrade

__all__ = ["BackupError", "Restored", "backend_of", "create_backup", "restore", "restore_backup", "verify_backup"]


@dataclass
class Restored:
    """What a restore did."""

    manifest: dict
    revision: str | None  # the schema revision after migrating
    scopes: set[str]  # lookup-cache scopes of the data before and after
    cache_dropped: bool = False


def backend_of(url: str) -> str:
    """`sqlite` or `postgresql` for a database URL; anything else is a BackupError."""
    try:
        name = sa.engine.make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        raise BackupError("DATABASE_URL is not a database URL") from None
    if name not in DUMPS:
        raise BackupError(f"cannot back up or restore a {name} database: only SQLite and PostgreSQL")
    return name


def create_backup(url: str, path: Path, *, force: bool = False) -> dict:
    """Write a consistent backup of the database at `url` to the file `path`; return its manifest."""
    backend = backend_of(url)
    archive.check_destination(path, force)
    work = archive.workdir(path.parent)
    try:
        dump = work / DUMPS[backend]
        facts = dumps.dump_sqlite(url, dump) if backend == "sqlite" else dumps.dump_postgresql(url, dump)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "backend": backend, **facts,
                    "created_at": datetime.now(UTC).isoformat(),
                    "fraudwatch_version": package_version("fraudwatch"), "dump": dump.name,
                    "size": dump.stat().st_size, "sha256": archive.sha256_of(dump)}
        archive.write_archive(work / "archive.part", manifest, dump)
        archive.put_in_place(work / "archive.part", path, force)
    except OSError as exc:
        raise BackupError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def verify_backup(path: Path) -> dict:
    """Check a backup without touching any database (manifest, revision, size, sha256); return its manifest."""
    with _unpacked(path) as (manifest, _head, _dump, _work):
        return manifest


def restore_backup(url: str, path: Path, *, force: bool = False, actor: str = "cli") -> Restored:
    """Replace the database at `url` with the backup at `path`, migrate it to head and audit it."""
    with _unpacked(path, backend_of(url)) as (manifest, head, dump, work):
        return _replace(url, dump, manifest, head, force=force, actor=actor, work=work, source=path.name)


@contextmanager
def _unpacked(path: Path, backend: str | None = None) -> Iterator[tuple[dict, str, Path, Path]]:
    """(manifest, head revision, dump, temporary folder) of a checked backup, unpacked."""
    with archive.open_archive(path) as tar:
        manifest = archive.read_manifest(tar, path)
        if backend and manifest["backend"] != backend:
            raise BackupError(f"{path} is a {manifest['backend']} backup and DATABASE_URL is {backend}: a backup is "
                              f"restored into the backend it came from (SQLite to SQLite, PostgreSQL to PostgreSQL)")
        head = archive.check_revision(manifest)
        work = archive.workdir(None)
        try:
            dump = archive.extract_dump(tar, manifest, path, work)
            if manifest["backend"] == "sqlite":
                archive.check_counts(dumps.facts_of_file(dump)["row_counts"], manifest, "the dump")
            yield manifest, head, dump, work
        finally:
            shutil.rmtree(work, ignore_errors=True)


def restore(path: Path, *, force: bool = False, actor: str = "cli") -> Restored:
    """Restore into the app's database, then drop the lookup cache (needs an app context)."""
    from fraudwatch.infra import cache

    restored = restore_backup(current_app.config["DATABASE_URL"], path, force=force, actor=actor)
    restored.cache_dropped = cache.invalidate(restored.scopes)
    return restored


def _replace(url: str, dump: Path, manifest: dict, head: str, *, force: bool, actor: str, work: Path,
             source: str) -> Restored:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            before = dumps.database_facts(conn)["row_counts"]
            scopes = dumps.all_scopes(conn) if "indicators" in before else set()
        rows = {t: n for t, n in before.items() if n and t != "alembic_version"}
        if rows and not force:
            held = ", ".join(f"{n} {t}" for t, n in sorted(rows.items()))
            raise BackupError(f"the database already holds data ({held}): use --force to replace everything in it")
        engine.dispose()
        if manifest["backend"] == "sqlite":
            dumps.restore_sqlite(url, dump)
            with engine.connect() as conn:
                archive.check_counts(dumps.database_facts(conn)["row_counts"], manifest, "the restored database")
        else:  # the counts are checked inside the restoring transaction
            dumps.restore_postgresql(url, dump, manifest, sorted(before), work)
        if manifest["alembic_revision"] != head:
            upgrade(url)
        with Session(engine) as session:
            scopes |= dumps.all_scopes(session.connection())
            add_audit_event(session, actor=actor, action="backup_restored", target_type="database",
                            detail={"file": source[:200], "backend": manifest["backend"],
                                    "sha256": manifest["sha256"], "created_at": manifest["created_at"],
                                    "from_revision": manifest["alembic_revision"], "to_revision": head,
                                    "row_counts": manifest["row_counts"], "replaced_rows": sum(rows.values())})
            session.commit()
        return Restored(manifest, head, scopes)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"database error during restore: {dumps.db_message(exc)}") from None
    finally:
        engine.dispose()
