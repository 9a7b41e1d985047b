"""`fraudwatch import`: the command group that brings files in by hand.

- `import messages FILES...`: .eml, mbox, SMS CSV/JSONL exports stored as reports.
- `import indicators FILE`: a list of URLs, domains, phones... loaded as indicators.
- `import feed FILE --format ...`: another service's feed (URLhaus, PhishTank, OpenPhish, MISP,
  STIX), recorded as an import run; `sources add|list|remove|pull`: the feeds pulled on a schedule.

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


FEED_FORMATS = ("auto", "urlhaus_csv", "urlhaus_json", "phishtank", "phishtank_json", "openphish", "misp", "stix")


@import_group.command("feed")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FEED_FORMATS), default="auto", show_default=True,
              help="The feed's format (auto: told from its first bytes; a folder is a MISP feed).")
@click.option("--source", required=True, help="The source's name (1-32 characters), kept on each indicator.")
@click.option("--confidence", type=click.FloatRange(0, 1), default=0.5, show_default=True)
@click.option("--licence", help="The feed's licence or terms, recorded with the run and the indicators.")
@click.option("--status", type=click.Choice(["suspected", "confirmed_fraud"]), default="suspected", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The run as JSON.")
@with_appcontext
def import_feed(path: Path, fmt: str, source: str, confidence: float, licence: str | None, status: str,
                as_json: bool) -> None:
    """Import a URLhaus, PhishTank, OpenPhish, MISP or STIX feed file; bad rows are counted with reasons."""
    from fraudwatch.messages.records import IngestFileError
    from fraudwatch.services.imports.feed_runs import FeedSource, file_streams, sniff_path
    from fraudwatch.services.imports.feed_runs import import_feed as run_import

    try:
        fmt = sniff_path(path) if fmt == "auto" else fmt
        feed = FeedSource(source.strip(), fmt, confidence, licence, status)
    except IngestFileError as exc:
        _file_error(exc, as_json)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--source") from None
    try:
        result = run_import(file_streams(path, fmt), feed, region=current_app.config["PHONE_REGION"])
    except IngestFileError as exc:
        _file_error(exc, as_json)
    show_run(result, fmt, as_json)


def show_run(result, fmt: str, as_json: bool) -> None:
    """Print what an import run did: counts, bad rows by reason, samples."""
    if as_json:
        click.echo(json.dumps({"format": fmt, **result.__dict__}, ensure_ascii=False))
        return
    if result.not_modified:
        click.echo(f"run {result.run_id}: not modified since the last pull")
    else:
        click.echo(f"run {result.run_id} ({fmt}): {result.rows:,} rows, {result.imported:,} imported "
                   f"({result.new:,} new, {result.sighted:,} sightings), {result.bad:,} bad, "
                   f"{result.skipped:,} skipped (not indicators)")
    for reason, count in result.bad_reasons.items():
        click.echo(f"  {count:,} {reason}")
    for sample in result.samples:
        click.echo(f"  line {sample['line']}: {sample['reason']}: {sample['text']}")
    if result.error:
        click.echo(f"error: {result.error}", err=True)


@click.group("sources")
def sources_group() -> None:
    """Feeds of other services pulled on a schedule (see `import feed` for the formats)."""


@sources_group.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--format", "fmt", type=click.Choice(FEED_FORMATS[1:]), required=True)
@click.option("--confidence", type=click.FloatRange(0, 1), default=0.5, show_default=True)
@click.option("--licence")
@click.option("--status", type=click.Choice(["suspected", "confirmed_fraud"]), default="suspected", show_default=True)
@click.option("--interval", "interval_seconds", type=click.IntRange(60, 30 * 86400), default=3600,
              show_default=True, help="Seconds between pulls.")
@click.option("--disabled", is_flag=True, help="Add it without pulling it on the schedule.")
@with_appcontext
def sources_add(name: str, url: str, fmt: str, confidence: float, licence: str | None, status: str,
                interval_seconds: int, disabled: bool) -> None:
    """Add a source NAME pulled from URL (http or https)."""
    from fraudwatch.infra.extensions import db
    from fraudwatch.services.imports.feed_runs import FeedSource
    from fraudwatch.storage import imports as store

    try:
        FeedSource(name, fmt, confidence, licence, status)
        if not url.lower().startswith(("http://", "https://")) or len(url) > 2100:
            raise ValueError("the URL must be http or https, at most 2100 characters")
        store.add_source(db.session, name=name, format=fmt, url=url, status=status, confidence=confidence,
                         licence=licence, interval_seconds=interval_seconds, enabled=not disabled)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(f"source {name} added ({fmt}, every {interval_seconds} s)")


@sources_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sources_list(as_json: bool) -> None:
    """Every source with its schedule and last pull."""
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import imports as store

    for s in store.list_sources(db.session):
        row = {"name": s.name, "format": s.format, "url": s.url, "status": s.status, "confidence": s.confidence,
               "licence": s.licence, "interval_seconds": s.interval_seconds, "enabled": s.enabled,
               "last_pull_at": s.last_pull_at.isoformat() if s.last_pull_at else None}
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{s.name}\t{s.format}\t{'on' if s.enabled else 'off'}\tevery {s.interval_seconds} s\t"
                   f"last {row['last_pull_at'] or 'never'}\t{s.url}")


@sources_group.command("remove")
@click.argument("name")
@with_appcontext
def sources_remove(name: str) -> None:
    """Remove a source (its runs stay)."""
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import imports as store

    if not store.remove_source(db.session, name):
        raise click.UsageError(f"no source named {name!r}")
    db.session.commit()
    click.echo(f"source {name} removed")


@sources_group.command("pull")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sources_pull(name: str, as_json: bool) -> None:
    """Pull a source now (due or not), as the schedule would."""
    from fraudwatch.infra.extensions import db
    from fraudwatch.jobs.import_pull import pull_named
    from fraudwatch.storage import imports as store

    try:
        result = pull_named(name)
    except LookupError as exc:
        raise click.UsageError(str(exc)) from None
    show_run(result, store.get_source(db.session, name).format, as_json)
    if result.error:
        sys.exit(1)


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
    sources_group,
    deprecated_alias("ingest", import_messages, "import messages"),
    deprecated_alias("import-indicators", import_indicators, "import indicators"),
]
