"""Data commands: `backup`, `restore` and `erase-reporter` (thin wrappers; the work is in
fraudwatch.storage.backup and fraudwatch.services.erasure)."""
from __future__ import annotations

import getpass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from fraudwatch.exceptions import Invalid


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _failure(exc: Exception, what: str) -> click.ClickException:
    """One line for an error the services did not phrase themselves (database, file system)."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    return click.ClickException(f"{what}: {text}")


def _warn_cache_kept() -> None:
    click.echo("warning: Redis unreachable, the lookup cache was not dropped: cached answers expire within "
               f"{current_app.config['LOOKUP_CACHE_TTL']} s", err=True)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Write a consistent backup of the database to the file PATH, while the service runs.

    SQLite: the online backup API; PostgreSQL: pg_dump --format=custom (found on PATH).
    The file holds the dump and a manifest (backend, schema revision, row counts, sha256);
    it is readable by its owner only, as it holds personal data. Restore it with `restore`.
    """
    from fraudwatch.storage.backup import BackupError, create_backup

    try:
        manifest = create_backup(current_app.config["DATABASE_URL"], path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise _failure(exc, "backup failed") from None
    rows = sum(manifest["row_counts"].values())
    click.echo(f"backed up the {manifest['backend']} database (schema {manifest['alembic_revision']}, "
               f"{rows:,} rows in {len(manifest['row_counts'])} tables) to {path} ({manifest['size']:,} bytes of dump, "
               f"sha256 {manifest['sha256'][:16]}...)")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace everything in a database that already holds data.")
@click.option("--check", is_flag=True, help="Only check the backup (manifest, sha256, schema revision).")
@click.option("--actor", default=_default_actor, show_default="your user name",
              help="Who restores, for the audit trail.")
@with_appcontext
def restore_command(path: Path, force: bool, check: bool, actor: str) -> None:
    """Restore the backup at PATH into the configured database (DATABASE_URL).

    \b
    - A database that already holds data is refused unless --force (which replaces ALL of it).
    - The backup must come from the same backend (SQLite to SQLite, PostgreSQL to PostgreSQL)
      and from a schema revision this version knows; an older one is migrated to the newest.
    - Checks the sha256 of the dump and the row counts; records the restore in audit_events.
      All or nothing (PostgreSQL: one transaction through pg_restore and psql, found on PATH).
    - Best run with the web and worker processes stopped: what they write meanwhile is lost.
    - Redis holds nothing a restore needs: the job queue is rebuilt from the pending_jobs
      table by the pump, and the lookup cache refills. The cached lookups of the replaced
      data are dropped here; if Redis is unreachable they expire within
      FRAUDWATCH_LOOKUP_CACHE_TTL seconds.
    """
    from fraudwatch.storage.backup import BackupError, restore, verify_backup

    try:
        if check:
            manifest = verify_backup(path)
            click.echo(f"{path}: a sound {manifest['backend']} backup of {manifest['created_at']} at schema "
                       f"{manifest['alembic_revision']}, {sum(manifest['row_counts'].values()):,} rows")
            return
        restored = restore(path, force=force, actor=actor.strip()[:120] or "cli")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise _failure(exc, "restore failed") from None
    manifest = restored.manifest
    click.echo(f"restored {sum(manifest['row_counts'].values()):,} rows of {manifest['created_at']} "
               f"(schema {manifest['alembic_revision']}, now {restored.revision})")
    if not restored.cache_dropped:
        _warn_cache_kept()


@click.command("erase-reporter")
@click.argument("contact")
@click.option("--actor", default=_default_actor, show_default="your user name",
              help="Who erases, for the audit trail.")
@click.option("--dry-run", is_flag=True, help="Change nothing; print what would change.")
@with_appcontext
def erase_reporter_command(contact: str, actor: str, dry_run: bool) -> None:
    """Remove a reporter's contact (e-mail, phone, other) everywhere fraudwatch keeps it.

    Their reports stay, without the contact: it is removed from reporter_contact and
    replaced by [erased] in their texts and history; indicators that are the contact and
    that only their reports name are deleted. One transaction; audited with a keyed hash
    of the contact, never the contact. fraudwatch writes no log files of its own.
    """
    from fraudwatch.services.erasure import erase_reporter

    try:
        result = erase_reporter(contact, actor=actor, dry_run=dry_run)
    except Invalid as exc:
        raise click.BadParameter(exc.message, param_hint="CONTACT" if "contact" in exc.fields else "--actor") from None
    except sa.exc.SQLAlchemyError as exc:
        raise _failure(exc, "database error, nothing was changed") from None
    click.echo(f"{'would change (dry run, nothing changed)' if dry_run else 'erased'}: {result.reports} report(s), "
               f"{result.history} history entr{'y' if result.history == 1 else 'ies'}, "
               f"{result.indicators} indicator(s), {result.evidence} evidence row(s), {result.jobs} job(s), "
               f"{result.audit_events} audit event(s), {result.attachments} screenshot(s), "
               f"{result.appeals} appeal(s)")
    if not result.cache_dropped:
        _warn_cache_kept()


COMMANDS = [backup_command, restore_command, erase_reporter_command]
