"""The backup file: one uncompressed tar of two members, `manifest.json` then the dump.

The manifest says what the dump is (format, backend, Alembic revision, row counts per
table, created_at, fraudwatch version, the dump's size and sha256). This module writes the
archive (0600, next to its destination, linked into place when complete) and reads it back
with every check a restore needs before touching a database: the manifest's fields, a
schema revision this code knows, the dump's size and sha256. `BackupError` is the one
error of backups and restores."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from fraudwatch.storage.migrate import alembic_config

FORMAT, FORMAT_VERSION, MANIFEST = "fraudwatch-backup", 1, "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MAX_MANIFEST_BYTES = 1 << 20
_REVISION = re.compile(r"(?!head$|heads$|base$)[0-9A-Za-z_]{1,64}")
_TABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")  # the tables a manifest may name


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for people."""



def check_destination(path: Path, force: bool) -> None:
    """A BackupError unless `path` may receive a new backup (a regular file, or nothing yet)."""
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


def workdir(parent: Path | None) -> Path:
    """A new private temporary folder in `parent` (the system's when None)."""
    try:
        return Path(tempfile.mkdtemp(prefix=".fwbackup-", dir=parent))
    except OSError as exc:
        raise BackupError(f"cannot write in {parent or tempfile.gettempdir()}: {exc.strerror or exc}") from None


def sha256_of(path: Path) -> str:
    """The sha256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(part: Path, manifest: dict, dump: Path) -> None:
    """Write the archive (manifest, then dump) to the new file `part`, 0600, synced to disk."""
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


def put_in_place(part: Path, path: Path, force: bool) -> None:
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


def open_archive(path: Path) -> tarfile.TarFile:
    """The backup at `path`, opened as a tar; a BackupError when it is not one."""
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


def read_manifest(tar: tarfile.TarFile, path: Path) -> dict:
    """The first member of the archive, which must be a valid manifest."""
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


def extract_dump(tar: tarfile.TarFile, manifest: dict, path: Path, work: Path) -> Path:
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


def check_revision(manifest: dict) -> str:
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


def check_counts(found: dict[str, int], manifest: dict, where: str) -> None:
    """A BackupError unless `found` (row counts per table) are the manifest's."""
    if found != manifest["row_counts"]:
        wanted = manifest["row_counts"]
        diff = sorted(t for t in set(found) | set(wanted) if found.get(t) != wanted.get(t))
        shown = ", ".join(f"{t} {found.get(t)} (manifest: {wanted.get(t)})" for t in diff[:5])
        raise BackupError(f"row counts of {where} do not match the manifest: {shown}")
