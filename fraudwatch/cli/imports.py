"""`fraudwatch import`: the command group that brings files in by hand.

- `import messages FILES...`: .eml, mbox, SMS CSV/JSONL exports stored as reports.
- `import indicators FILE`: a list of URLs, domains, phones... loaded as indicators.

`ingest` and `import-indicators`, the old names, still run these (hidden, with a note on
stderr) because scripts and benchmarks call them. Outgoing feeds are not imports.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fraudwatch.indicators import INDICATOR_TYPES


@click.group("import")
def import_group() -> None:
    """Import messages as reports, or indicator lists as indicators."""


@import_group.command("messages")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON result per message.")
@click.option("--workers", type=int, default=0, show_default=True,
              help="Local workers to classify the reports and crawl their URLs now (0: leave it "
                   "to the service's workers).")
@with_appcontext
def import_messages(files: tuple[str, ...], as_json: bool, workers: int) -> None:
    """Import .eml, mbox, or SMS CSV/JSONL exports as reports (source `import`).

    Every file is checked first: when one is missing, empty, binary or of an unknown
    format, nothing is imported and the exit status is 2."""
    from fraudwatch.messages.records import IngestFileError
    from fraudwatch.services.imports.messages import check_files

    try:
        check_files(files)
        counts = _import_messages(files, as_json)
    except IngestFileError as exc:
        _file_error(exc, as_json)
    if not as_json:
        click.echo(f"{counts['stored']} report(s) stored, {counts['duplicates']} duplicate(s), "
                   f"{counts['errors']} message(s) with errors")
    if workers > 0:
        from fraudwatch.cli.crawl import run_workers

        run_workers(workers)


def _import_messages(files: tuple[str, ...], as_json: bool) -> dict[str, int]:
    from fraudwatch.services.imports.messages import import_file

    counts = {"stored": 0, "duplicates": 0, "errors": 0}
    for file in files:
        for result in import_file(file):
            kind = "errors" if result.error else "duplicates" if result.duplicate_of else "stored"
            counts[kind] += 1
            if as_json:
                click.echo(json.dumps(result.__dict__, ensure_ascii=False))
            elif result.error:
                click.echo(f"{result.source}: {result.error['code']}: {result.error['message']}", err=True)
    return counts


def _file_error(exc, as_json: bool) -> None:
    """Report a file that cannot be imported and exit 2 (JSON on stdout with --json)."""
    if as_json:
        click.echo(json.dumps({"error": {"code": exc.code, "message": str(exc)}}, ensure_ascii=False))
    else:
        click.echo(f"error: {exc.code}: {exc}", err=True)
    sys.exit(2)


@import_group.command("indicators")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "kind", type=click.Choice(INDICATOR_TYPES), default="url", show_default=True)
@click.option("--source", default="feed", show_default=True, help="Name shown in lookup evidence.")
@click.option("--status", type=click.Choice(["suspected", "confirmed_fraud"]), default="suspected", show_default=True)
@click.option("--column", help="Column holding the values (TSV/CSV with a header); default: guessed.")
@click.option("--note", help="A note kept with each indicator (e.g. the list's licence).")
@click.option("--domains/--no-domains", default=False, show_default=True,
              help="Also mark the registrable domain of each URL (never for shared domains).")
@click.option("--processes", default=2, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def import_indicators(path: Path, kind: str, source: str, status: str, column: str | None, note: str | None,
                      domains: bool, processes: int) -> None:
    """Import indicators from a text, TSV or CSV file; bad lines are counted and skipped."""
    from fraudwatch.messages.records import IngestFileError
    from fraudwatch.services.imports.indicators import import_indicators as run_import

    if not source.strip() or len(source) > 32:
        raise click.BadParameter("must be 1 to 32 characters", param_hint="--source")

    def show(stats) -> None:
        click.echo(f"\r{stats.read:,} read, {stats.new:,} new, {stats.invalid:,} invalid, "
                   f"{stats.rate:,.0f} lines/s", nl=False, err=True)

    try:
        stats = run_import(path, kind=kind, source=source.strip(), status=status, column=column, note=note,
                           with_domains=domains, processes=processes, region=current_app.config["PHONE_REGION"],
                           progress=show)
    except IngestFileError as exc:
        _file_error(exc, as_json=False)
    click.echo("", err=True)
    click.echo(f"imported {stats.read:,} lines: {stats.new:,} new indicators, {stats.invalid:,} invalid, "
               f"{stats.seconds:.1f} s ({stats.rate:,.0f} lines/s)")


def deprecated_alias(old: str, command: click.Command, new: str) -> click.Command:
    """A hidden command `old` taking `command`'s arguments: prints a one-line note to stderr,
    then runs `command` (kept for scripts and benchmarks written against the old name)."""

    @click.pass_context
    def run(ctx: click.Context, **kwargs) -> None:
        click.echo(f"note: `fraudwatch {old}` is deprecated, use `fraudwatch {new}`", err=True)
        ctx.invoke(command, **kwargs)

    return click.Command(old, callback=run, params=command.params, hidden=True,
                         help=f"Deprecated name of `fraudwatch {new}`.")


COMMANDS = [
    import_group,
    deprecated_alias("ingest", import_messages, "import messages"),
    deprecated_alias("import-indicators", import_indicators, "import indicators"),
]
