"""`fraudwatch campaigns rebuild`: group every stored report into campaigns (a thin wrapper over
fraudwatch.services.campaigns.rebuild, which streams the reports in batches)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("campaigns")
def campaigns_group() -> None:
    """Campaigns: reports grouped by shared indicators, collectors and near-identical text."""


@campaigns_group.command("rebuild")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Reports per transaction.")
@click.option("--reset", is_flag=True, help="Forget every campaign (and its status) first, then regroup.")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@with_appcontext
def rebuild_command(batch: int, reset: bool, quiet: bool) -> None:
    """Assign every report to its campaign, in id order (idempotent; constant memory)."""
    from fraudwatch.services import campaigns

    def progress(done: campaigns.Rebuilt) -> None:
        if not quiet:
            click.echo(f"{done.reports} reports, {done.reports / max(done.seconds, 1e-9):.0f} reports/s", err=True)

    done = campaigns.rebuild(batch=batch, reset=reset, progress=progress)
    click.echo(f"rebuilt: {done.reports} reports, {done.grouped} in campaigns, {done.seconds:.1f} s "
               f"({done.reports / max(done.seconds, 1e-9):.0f} reports/s)")


COMMANDS = [campaigns_group]
