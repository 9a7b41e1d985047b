"""`fraudwatch import-indicators FILE`: bulk-load a feed of URLs, domains, phones..."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from fraudwatch.indicators import INDICATOR_TYPES


@click.command("import-indicators")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "kind", type=click.Choice(INDICATOR_TYPES), default="url", show_default=True)
@click.option("--source", default="feed", show_default=True, help="Name shown in lookup evidence.")
@click.option("--status", type=click.Choice(["suspected", "confirmed_fraud"]), default="suspected", show_default=True)
@click.option("--column", help="Column holding the values (TSV/CSV with a header); default: guessed.")
@click.option("--note", help="A note kept with each indicator (e.g. the feed's licence).")
@click.option("--domains/--no-domains", default=False, show_default=True,
              help="Also mark the registrable domain of each URL (never for shared domains).")
@click.option("--processes", default=2, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def import_indicators(path: Path, kind: str, source: str, status: str, column: str | None, note: str | None,
                      domains: bool, processes: int) -> None:
    """Import indicators from a text, TSV or CSV file; bad lines are counted and skipped."""
    from fraudwatch.services.feeds import import_feed

    if not source.strip() or len(source) > 32:
        raise click.BadParameter("must be 1 to 32 characters", param_hint="--source")

    def show(stats) -> None:
        click.echo(f"\r{stats.read:,} read, {stats.new:,} new, {stats.invalid:,} invalid, "
                   f"{stats.rate:,.0f} lines/s", nl=False, err=True)

    stats = import_feed(path, kind=kind, source=source.strip(), status=status, column=column, note=note,
                        with_domains=domains, processes=processes, region=current_app.config["PHONE_REGION"],
                        progress=show)
    click.echo("", err=True)
    click.echo(f"imported {stats.read:,} lines: {stats.new:,} new indicators, {stats.invalid:,} invalid, "
               f"{stats.seconds:.1f} s ({stats.rate:,.0f} lines/s)")


COMMANDS = [import_indicators]
