"""Backups of the database while the service runs, and restores of them (issue #8).

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
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy.orm import Session

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage.migrate import alembic_config, upgrade

FORMAT, FORMAT_VERSION, MANIFEST = "fraudwatch-backup", 1, "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MAX_MANIFEST_BYTES = 1 << 20
LOCK_TIMEOUT = "30s"  # a PostgreSQL restore waits this long for a table lock, then gives up unchanged
_REVISION = re.compile(r"(?!head$|heads$|base$)[0-9A-Za-z_]{1,64}")
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # the tables a manifest may name


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for people."""


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
    _check_destination(path, force)
    work = _workdir(path.parent)
    try:
        dump = work / DUMPS[backend]
        facts = _dump_sqlite(url, dump) if backend == "sqlite" else _dump_postgresql(url, dump)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "backend": backend, **facts,
                    "created_at": datetime.now(UTC).isoformat(),
                    "fraudwatch_version": package_version("fraudwatch"), "dump": dump.name,
                    "size": dump.stat().st_size, "sha256": _sha256(dump)}
        _write_archive(work / "archive.part", manifest, dump)
        _put_in_place(work / "archive.part", path, force)
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
    with _open(path) as tar:
        manifest = _manifest(tar, path)
        if backend and manifest["backend"] != backend:
            raise BackupError(f"{path} is a {manifest['backend']} backup and DATABASE_URL is {backend}: a backup is "
                              f"restored into the backend it came from (SQLite to SQLite, PostgreSQL to PostgreSQL)")
        head = _check_revision(manifest)
        work = _workdir(None)
        try:
            dump = _extract(tar, manifest, path, work)
            if manifest["backend"] == "sqlite":
                _check_counts(_facts_of_file(dump)["row_counts"], manifest, "the dump")
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
    from fraudwatch.storage.erasure import add_audit_event

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            before = _facts(conn)["row_counts"]
            scopes = _scopes(conn) if "indicators" in before else set()
        rows = {t: n for t, n in before.items() if n and t != "alembic_version"}
        if rows and not force:
            held = ", ".join(f"{n} {t}" for t, n in sorted(rows.items()))
            raise BackupError(f"the database already holds data ({held}): use --force to replace everything in it")
        engine.dispose()
        if manifest["backend"] == "sqlite":
            _restore_sqlite(url, dump)
            with engine.connect() as conn:
                _check_counts(_facts(conn)["row_counts"], manifest, "the restored database")
        else:  # the counts are checked inside the restoring transaction
            _restore_postgresql(url, dump, manifest, sorted(before), work)
        if manifest["alembic_revision"] != head:
            upgrade(url)
        with Session(engine) as session:
            scopes |= _scopes(session.connection())
            add_audit_event(session, actor=actor, action="backup_restored", target_type="database",
                            detail={"file": source[:200], "backend": manifest["backend"],
                                    "sha256": manifest["sha256"], "created_at": manifest["created_at"],
                                    "from_revision": manifest["alembic_revision"], "to_revision": head,
                                    "row_counts": manifest["row_counts"], "replaced_rows": sum(rows.values())})
            session.commit()
        return Restored(manifest, head, scopes)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"database error during restore: {_db_message(exc)}") from None
    finally:
        engine.dispose()


# -- files ------------------------------------------------------------------------------

def _check_destination(path: Path, force: bool) -> None:
    if path.is_symlink():
        raise BackupError(f"{path} is a symbolic link: give the path of a regular file")
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give a file name, e.g. {path / 'fraudwatch.fwbak'}")
    if path.exists() and not path.is_file():
        raise BackupError(f"{path} is not a regular file")
    if path.exists() and not force:
        raise BackupError(f"{path} exists: use --force to overwrite it")
    if not path.parent.is_dir():
        raise BackupError(f"cannot write {path}: the directory {path.parent} does not exist")


def _workdir(parent: Path | None) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=".fwbackup-", dir=parent))
    except OSError as exc:
        raise BackupError(f"cannot write in {parent or tempfile.gettempdir()}: {exc.strerror or exc}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_archive(part: Path, manifest: dict, dump: Path) -> None:
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, size, source in ((MANIFEST, len(body), None), (dump.name, dump.stat().st_size, dump)):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = size, 0o600, int(datetime.now().timestamp())
                with open(source, "rb") if source else io.BytesIO(body) as data:
                    tar.addfile(info, data)
        raw.flush()
        os.fsync(raw.fileno())


def _put_in_place(part: Path, path: Path, force: bool) -> None:
    """Move the finished archive to `path`; without `force`, never over an existing file."""
    if force:
        os.replace(part, path)
    else:
        try:
            os.link(part, path)  # fails if `path` appeared meanwhile: no check-then-write race
        except FileExistsError:
            raise BackupError(f"{path} exists: use --force to overwrite it") from None
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        os.fsync(dir_fd)
        os.close(dir_fd)
    except OSError:
        pass


def _open(path: Path) -> tarfile.TarFile:
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if path.is_dir():
        raise BackupError(f"{path} is a directory, not a backup file")
    if not path.is_file():
        raise BackupError(f"{path} is not a regular file")
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, EOFError):
        raise BackupError(f"{path} is not a fraudwatch backup (not a tar archive) or is damaged") from None
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None


def _manifest(tar: tarfile.TarFile, path: Path) -> dict:
    try:
        member = tar.next()
        if member is None or member.name != MANIFEST or not member.isfile() or member.size > MAX_MANIFEST_BYTES:
            raise BackupError(f"{path} is not a fraudwatch backup (it does not start with {MANIFEST})")
        data = json.loads(tar.extractfile(member).read())
    except (tarfile.TarError, EOFError, ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged: its manifest cannot be read") from None
    return _checked(data, path)


def _checked(data: object, path: Path) -> dict:
    def bad(what: str) -> BackupError:
        return BackupError(f"{path} is damaged or not a fraudwatch backup: bad {what} in its manifest")

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad("format")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path} is in backup format version {str(data.get('format_version'))[:20]}; "
                          f"this fraudwatch reads version {FORMAT_VERSION}")
    if data.get("backend") not in DUMPS or data.get("dump") != DUMPS[data["backend"]]:
        raise bad("backend")
    revision = data.get("alembic_revision")
    if revision is not None and not (isinstance(revision, str) and _REVISION.fullmatch(revision)):
        raise bad("alembic_revision")
    counts = data.get("row_counts")
    if not isinstance(counts, dict) or not all(type(n) is int and n >= 0 and _TABLE.fullmatch(t)
                                               for t, n in counts.items()):
        raise bad("row_counts")
    if not (isinstance(data.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", data["sha256"])):
        raise bad("sha256")
    if type(data.get("size")) is not int or data["size"] < 0:
        raise bad("size")
    if not all(isinstance(data.get(k, ""), str) for k in ("created_at", "fraudwatch_version")):
        raise bad("created_at")
    data.setdefault("created_at", "")
    return data


def _extract(tar: tarfile.TarFile, manifest: dict, path: Path, work: Path) -> Path:
    """The dump, copied out of the archive into `work` (never by its own name or path) and checked."""
    name, out, digest = manifest["dump"], work / manifest["dump"], hashlib.sha256()
    try:
        member = next((m for m in tar if m.name == name), None)
        if member is None or not member.isfile():
            raise BackupError(f"{path} holds no {name}: the backup is incomplete")
        if member.size != manifest["size"]:
            raise BackupError(f"{path} is damaged: its dump is {member.size} bytes, "
                              f"the manifest says {manifest['size']}")
        with tar.extractfile(member) as source, open(out, "wb") as target:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                target.write(chunk)
    except (tarfile.TarError, EOFError):
        raise BackupError(f"{path} is damaged: its dump cannot be read") from None
    except OSError as exc:
        raise BackupError(f"cannot unpack {path} into {work.parent}: {exc.strerror or exc}") from None
    if digest.hexdigest() != manifest["sha256"]:
        raise BackupError(f"{path} is damaged: the sha256 of its dump does not match the manifest")
    return out


# -- database facts ------------------------------------------------------------------------

def _check_revision(manifest: dict) -> str:
    """The head revision of this code; a BackupError if the backup's revision is unknown to it."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head, revision = script.get_current_head(), manifest["alembic_revision"]
    try:
        known = revision is None or script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        version = manifest.get("fraudwatch_version", "?")[:20]
        raise BackupError(f"the backup is at schema revision {revision}, newer than this fraudwatch knows (its newest "
                          f"is {head}): restore it with fraudwatch {version} or newer")
    return head


def _facts(conn: sa.Connection) -> dict:
    """The Alembic revision and the row count of every table, read on `conn`."""
    quote = conn.dialect.identifier_preparer.quote
    names = sorted(sa.inspect(conn).get_table_names())
    counts = {name: conn.execute(sa.text(f"SELECT count(*) FROM {quote(name)}")).scalar_one() for name in names}
    revision = conn.scalar(sa.text("SELECT version_num FROM alembic_version")) if "alembic_version" in names else None
    return {"alembic_revision": revision, "row_counts": counts}


def _facts_of_file(path: Path) -> dict:
    engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(path), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return _facts(conn)
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"the SQLite dump cannot be read: {_db_message(exc)}") from None
    finally:
        engine.dispose()


def _scopes(conn: sa.Connection) -> set[str]:
    """The lookup-cache scopes of every indicator."""
    return set(conn.scalars(sa.text("SELECT DISTINCT scope FROM indicators")))


def _check_counts(found: dict[str, int], manifest: dict, where: str) -> None:
    if found != manifest["row_counts"]:
        wanted = manifest["row_counts"]
        diff = sorted(t for t in set(found) | set(wanted) if found.get(t) != wanted.get(t))
        shown = ", ".join(f"{t} {found.get(t)} (manifest: {wanted.get(t)})" for t in diff[:5])
        raise BackupError(f"row counts of {where} do not match the manifest: {shown}")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _db_message(exc: sa.exc.SQLAlchemyError) -> str:
    return _one_line(str(getattr(exc, "orig", None) or exc))


# -- SQLite ---------------------------------------------------------------------------------

def _sqlite_file(url: str) -> str:
    path = sa.engine.make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("DATABASE_URL names no SQLite file (an in-memory database has nothing to back up)")
    return path


def _dump_sqlite(url: str, dump: Path) -> dict:
    source = _sqlite_file(url)
    if not os.path.isfile(source):
        raise BackupError(f"the SQLite database {source} does not exist")
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(dump)) as dst:
            src.backup(dst)  # in one step: one consistent snapshot, while writers carry on (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {source} failed: {exc}") from None
    return _facts_of_file(dump)


def _restore_sqlite(url: str, dump: Path) -> None:
    target = _sqlite_file(url)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(dump)) as src, closing(sqlite3.connect(target, timeout=60)) as dst:
            src.backup(dst)  # one step, one transaction of the live target: all or nothing
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {target} failed, the database is unchanged: {exc}") from None


# -- PostgreSQL -----------------------------------------------------------------------------

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


def _dump_postgresql(url: str, dump: Path) -> dict:
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
                facts = _facts(conn)  # the same snapshot as the dump
    except sa.exc.SQLAlchemyError as exc:
        raise BackupError(f"cannot read the database: {_db_message(exc)}") from None
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
              for table, n in sorted(counts.items())]  # names checked against _TABLE
    return "RESET search_path;\nDO $check$ BEGIN\n" + "\n".join(tests) + "\nEND $check$;\n"


def _restore_postgresql(url: str, dump: Path, manifest: dict, tables: list[str], work: Path) -> None:
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
                + (f"DROP TABLE IF EXISTS {names} CASCADE;\n" if tables else ""))
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
