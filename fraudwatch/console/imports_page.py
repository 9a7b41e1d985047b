"""The console's feed imports page (`/console/imports`, officers and admins): the sources pulled
on a schedule and the recent import runs with their counts, bad rows by reason and samples
(the same runs as GET /api/v1/imports/runs). Read only: sources are managed with
`fraudwatch sources ...`."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import login_required
from fraudwatch.services.imports import feed_runs

add_nav("console.imports", _l("Feed imports"), roles=("officer", "admin"), order=75)
RUNS = 50


@bp.get("/imports")
@login_required("officer", "admin")
def imports():
    """Sources and the latest runs (of one source with ?source=NAME)."""
    source = request.args.get("source", "")
    source = source if feed_runs.SOURCE_NAME.fullmatch(source) else None
    runs, _more = feed_runs.recent_runs(limit=RUNS, source=source)
    return render_template("console/imports.html", runs=runs, sources=feed_runs.sources_json(), source=source)
