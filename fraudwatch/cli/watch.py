"""`fraudwatch watch-domains FILE`: match a list of newly registered domains (one a line,
`#` comments) against every watch list; an alert for each watched domain's lookalike or
exact match not alerted before."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import with_appcontext

MAX_LINE = 1024


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            yield line[:MAX_LINE]


@click.command("watch-domains")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def watch_domains(file: str, as_json: bool) -> None:
    """Match newly registered domains (one a line) against the watch lists; print what was done."""
    from fraudwatch.messages.records import IngestFileError
    from fraudwatch.services import watch_match
    from fraudwatch.services.imports.files import check_file

    try:
        path = check_file(file)
    except IngestFileError as exc:
        raise click.ClickException(str(exc)) from None
    read, invalid, created = watch_match.match_domain_list(_lines(path))
    result = {"read": read, "invalid": invalid, "alerts": len(created)}
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(f"{read} domain(s) read, {invalid} invalid, {len(created)} new alert(s)")


COMMANDS = [watch_domains]
