"""Dumping and loading a whole database, and reading its facts (revision, row counts).

SQLite: the online backup API, both ways (a consistent copy of a live WAL database, never a
file copy; a restore is one transaction of the live file). PostgreSQL: `pg_dump
--format=custom` on a snapshot exported by the transaction that also counts the rows, so
counts and dump agree; a restore is ONE psql transaction that drops the tables, replays
`pg_restore`'s script and checks the row counts, committed only when all of it ran.
Failures are `BackupError`s with a one-line message."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage.backup_archive import BackupError

LOCK_TIMEOUT = "30s"  # a PostgreSQL restore waits this long for a table lock, then gives up unchanged


def database_facts(conn: sa.Connection) -> dict:
    """The Alembic revision and the row count of every table, read on `conn`."""
    quote = conn.dialect.identifier_preparer.quote
    names = sorted(sa.inspect(conn).get_table_names())
    counts = {name: conn.execute(sa.text(f"SELECT count(*) FROM {quote(name)}")).scalar_one() for name in names}
    revision = conn.scalar(sa.text("SELECT version_num FROM alembic_version")) if "alembic_version" in names else None
    return {"alembic_revision": revision, "row_counts": counts}


def facts_of_file(path: Path) -> dict:
    """The facts (revision, row counts) of a SQLite dump file."""
    engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(path), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return database_facts(conn)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"the SQLite dump cannot be read: {db_message(exc)}") from None
    finally:
        engine.dispose()


def all_scopes(conn: sa.Connection) -> set[str]:
    """The lookup-cache scopes of every indicator."""
    return set(conn.scalars(sa.text("SELECT DISTINCT scope FROM indicators")))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def db_message(exc: sa.exc.SQLAlchemyError) -> str:
    """A database error's message, on one line, for people."""
    return _one_line(str(getattr(exc, "orig", None) or exc))


# -- SQLite ----------------------------------------------------------------------------------

def _sqlite_file(url: str) -> str:
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("DATABASE_URL names no SQLite file (an in-memory database has nothing to back up)")
    return path


def dump_sqlite(url: str, dump: Path) -> dict:
    """Copy the SQLite database at `url` to `dump` (online backup API); return its facts."""
    source = _sqlite_file(url)
    if not os.path.isfile(source):
        raise BackupError(f"the SQLite database {source} does not exist")
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(dump)) as dst:
            src.backup(dst)  # in one step: one consistent snapshot, while writers carry on (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from None
    return facts_of_file(dump)


def restore_sqlite(url: str, dump: Path) -> None:
    """Replace the SQLite database at `url` with `dump`, all or nothing."""
    target = _sqlite_file(url)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(dump)) as src, closing(sqlite3.connect(target, timeout=60)) as dst:
            src.backup(dst)  # one step, one transaction of the live target: all or nothing
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {target} failed, the database is unchanged: {exc}") from None


# -- PostgreSQL ------------------------------------------------------------------------------

def _tool(name: str) -> tuple[str, int]:
    """Path and major version of a PostgreSQL client program found on PATH."""
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client programs (Debian: postgresql-client)")
    out = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out) or re.search(r"(\d+)\.", out)
    if not match:
        raise BackupError(f"cannot tell the version of {found} ({_one_line(out)[:80]!r})")
    return found, int(match.group(1))


def _libpq(url: str) -> tuple[str, dict]:
    """A libpq URI for `url` without its password, and an environment holding it (PGPASSWORD)."""
    parsed, env = sa.engine.make_url(url), dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_error(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    cause = next((line for line in lines if re.search(r"\b(ERROR|FATAL|error):", line)), lines[-1] if lines else "")
    return _one_line(re.sub(r"^.*?\b(ERROR|FATAL|error):\s*", "", cause)) or "no message"


def dump_postgresql(url: str, dump: Path) -> dict:
    """`pg_dump` the PostgreSQL database at `url` to `dump`; return its facts (read on the dump's snapshot) and the
    versions involved."""
    pg_dump, major = _tool("pg_dump")
    conninfo, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            with conn.begin():
                server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
                if server > major:
                    raise BackupError(f"the PostgreSQL server is version {server} and {pg_dump} is version {major}, "
                                      f"which cannot dump a newer server: put the pg_dump of PostgreSQL {server} or "
                                      f"newer first on PATH (Debian: postgresql-client-{server})")
                snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
                done = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                                       f"--file={dump}", f"--dbname={conninfo}"], env=env, stdin=subprocess.DEVNULL,
                                      capture_output=True, text=True)
                if done.returncode:
                    raise BackupError(f"pg_dump failed: {_pg_error(done.stderr)}")
                facts = database_facts(conn)  # the same snapshot as the dump
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database: {db_message(exc)}") from None
    finally:
        engine.dispose()
    return {**facts, "server_version": server, "pg_dump_version": major}


def _count_check(counts: dict[str, int]) -> str:
    """SQL that fails the restoring transaction unless the tables and their row counts are the manifest's."""
    tests = [f"IF (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND "
             f"table_type = 'BASE TABLE') <> {len(counts)} THEN RAISE EXCEPTION 'the restored database does not "
             f"have the {len(counts)} tables of the manifest'; END IF;"]
    tests += [f"IF (SELECT count(*) FROM \"{table}\") <> {n} THEN RAISE EXCEPTION 'row counts of the restored "
              f"database do not match the manifest: {table} does not hold {n} rows'; END IF;"
              for table, n in sorted(counts.items())]  # names checked by backup_archive.read_manifest
    return "RESET search_path;\nDO $check$ BEGIN\n" + "\n".join(tests) + "\nEND $check$;\n"


# Functions the migrations create (the audit trail's append-only trigger): the dump creates
# them again, so a restore drops them with the tables.
SCHEMA_FUNCTIONS = ("audit_events_append_only()",)


def restore_postgresql(url: str, dump: Path, manifest: dict, tables: list[str], work: Path) -> None:
    """Drop the tables and replay the dump in ONE psql transaction, committed only when
    pg_restore produced the whole script and psql ran every statement of it."""
    pg_restore, major = _tool("pg_restore")
    psql, _ = _tool("psql")
    made_by = manifest.get("pg_dump_version")
    if isinstance(made_by, int) and made_by > major:
        raise BackupError(f"the backup was written by pg_dump {made_by} and {pg_restore} is version {major}, which "
                          f"cannot read it: put the client programs of PostgreSQL {made_by} or newer first on PATH")
    names = ", ".join('"' + t.replace('"', '""') + '"' for t in tables)
    prologue = (f"SET client_min_messages = warning;\nSET lock_timeout = '{LOCK_TIMEOUT}';\nBEGIN;\n"
                + (f"DROP TABLE IF EXISTS {names} CASCADE;\n" if tables else "")
                + "".join(f"DROP FUNCTION IF EXISTS {f} CASCADE;\n" for f in SCHEMA_FUNCTIONS))
    epilogue = _count_check(manifest["row_counts"]) + "COMMIT;\n"
    why = _through_psql(url, psql, [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(dump)],
                        prologue.encode(), epilogue.encode(), work)
    if why:
        hint = " (other sessions hold its tables: stop the workers and web processes, or retry)" \
            if "lock timeout" in why else ""
        raise BackupError(f"restore failed, the database is unchanged: {why}{hint}")


def _through_psql(url: str, psql: str, producer_args: list[str], prologue: bytes, epilogue: bytes,
                  work: Path) -> str | None:
    """Feed psql `prologue`, the producer's output, then `epilogue` (which commits) only if the
    producer succeeded; return why it failed, or None. Without the epilogue psql ends inside
    the transaction and the server rolls it back."""
    conninfo, env = _libpq(url)
    with open(work / "psql.log", "w+b") as psql_log, open(work / "producer.log", "w+b") as producer_log:
        consumer = subprocess.Popen([psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
                                     f"--dbname={conninfo}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=psql_log, env=env)
        producer = subprocess.Popen(producer_args, stdout=subprocess.PIPE, stderr=producer_log, env=env)
        complete = False
        try:
            consumer.stdin.write(prologue)
            shutil.copyfileobj(producer.stdout, consumer.stdin, 1 << 20)
            complete = producer.wait() == 0
            if complete:
                consumer.stdin.write(epilogue)
        except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP)
            pass
        finally:
            for stream in (consumer.stdin, producer.stdout):
                try:
                    stream.close()
                except BrokenPipeError:
                    pass
            if producer.poll() is None:
                producer.kill()
            producer.wait()
            failed = consumer.wait()
        if not failed and complete:
            return None
        psql_log.seek(0)
        producer_log.seek(0)
        return _pg_error((psql_log.read() or producer_log.read()).decode(errors="replace"))
