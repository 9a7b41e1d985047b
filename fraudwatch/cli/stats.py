"""`fraudwatch stats refresh`: recompute the public statistics snapshot now (the workers do it
every STATS_REFRESH_SECONDS; a thin wrapper over fraudwatch.services.statistics.refresh)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("stats")
def stats_group() -> None:
    """The public statistics page's figures."""


@stats_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Compute every figure of /stats and store it as the snapshot the page reads."""
    from fraudwatch.services import statistics

    body = statistics.refresh()
    triage = body["triage"]
    click.echo(f"statistics: {body['total']} reports since {body['start'][:10]}, {triage['decided']} decided "
               f"(median {triage['median_hours']} h, p90 {triage['p90_hours']} h), computed in {body['seconds']} s")


COMMANDS = [stats_group]
