"""CLI of the model registry: `retrain` (from officers' decisions) and `models list|promote|rollback`
(thin wrappers over fraudwatch.services.retrain and model_admin)."""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from fraudwatch.exceptions import DomainError


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _comparison_lines(comparison: dict | None) -> list[str]:
    """The comparison as lines for people: each set, both models' F1 and legit flagged, the verdict."""
    if not comparison:
        return []
    lines = []
    for name, entry in (comparison.get("sets") or {}).items():
        new, old = entry["candidate"], entry["baseline"]
        base = (comparison.get("baselines") or {}).get(name) or {}
        lines.append(f"  {name}: {new['rows']} rows; flagged F1 candidate {new['flagged']['f1']} vs "
                     f"{base.get('kind', 'baseline')} {base.get('version', '')} {old['flagged']['f1']}; legit flagged "
                     f"{new['legit_flagged']} vs {old['legit_flagged']}"
                     + (f"; WORSE: {'; '.join(entry['worse'])}" if entry["worse"] else ""))
    lines.append("  not worse" if comparison.get("not_worse") else "  worse: not promoted")
    return lines


@click.command("retrain")
@click.option("--dry-run", is_flag=True, help="Train and compare, register as a candidate, do not promote.")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True),
              help="Corpus folder or JSONL files (default: data/corpus).")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the registry row as JSON.")
@with_appcontext
def retrain(dry_run: bool, corpus: tuple[str, ...], seed: int, as_json: bool) -> None:
    """Train a candidate on the corpus plus officers' decisions; promote it only if not worse."""
    from fraudwatch.services import retrain as retraining

    def progress(step: str, fraction: float) -> None:
        click.echo(f"[{fraction:4.0%}] {step}", err=True)

    try:
        row = retraining.retrain(_actor(), corpus=[Path(c) for c in corpus] or None, dry_run=dry_run,
                                 seed=seed, progress=progress)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    click.echo(f"model {row['version']}: {row['status']}" + (" (promoted)" if row["promoted"] else ""))
    click.echo(f"  decisions: {row.get('decisions')}")
    click.echo("\n".join(_comparison_lines(row.get("comparison"))))


@click.group("models")
def models() -> None:
    """The model registry: list versions, promote one, roll back."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def list_versions(as_json: bool) -> None:
    """Versions, newest first, with their status and metrics."""
    from fraudwatch.services import model_admin

    rows = model_admin.list_versions()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no registered versions (MODEL_DIR serves); run `fraudwatch retrain`")
    for row in rows:
        click.echo(f"{row['version']:24} {row['status']:9} created {row['created_at'] or '-'} by {row['created_by']}"
                   f"  promoted {row['promoted_at'] or '-'}")
        if row["summary"]:
            click.echo(f"  {row['summary']}")
        click.echo("\n".join(_comparison_lines(row["comparison"])))
        if row["note"]:
            click.echo(f"  note: {row['note']}")


@models.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even a version its comparison rejected.")
@with_appcontext
def promote(version: str, force: bool) -> None:
    """Make VERSION the active model (the active one is retired)."""
    from fraudwatch.services import model_admin

    _run(lambda: model_admin.promote(version, _actor(), force=force), "promoted")


@models.command("rollback")
@with_appcontext
def rollback() -> None:
    """Re-activate the version that was active before the active one."""
    from fraudwatch.services import model_admin

    _run(lambda: model_admin.rollback(_actor()), "active again")


def _run(action, done: str) -> None:
    try:
        row = action()
    except DomainError as exc:
        click.echo(f"error ({exc.code}): {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"model {row['version']} {done}; running processes switch within the poll interval")


COMMANDS = [retrain, models]
