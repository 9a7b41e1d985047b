"""The statistics page: reports per week, by scam pattern, impersonated authority, channel and
region, confirmed vs dismissed per week and the time to triage, each as an SVG chart drawn here
(public/charts.py) with its data table and a CSV download, from the snapshot the workers keep
(services/statistics.py). Codes are shown with the site's labels in the visitor's language."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

from flask import Response, abort, render_template

from fraudwatch.public import bp, nav
from fraudwatch.public.cache import cached_page
from fraudwatch.public.charts import bar_chart, column_chart
from fraudwatch.services import statistics
from fraudwatch.services.regions import PROVINCES
from fraudwatch.web.findings import authority_name
from fraudwatch.web.i18n import catalog, select_locale
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.labels import label

nav.add_page("public.stats", _l("Statistics"), order=40)

UNKNOWN = _l("not known")
OTHERS = _l("all others")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _t(message: str) -> str:
    return catalog().ugettext(message)


def _name(kind: str, code: str | None) -> str:
    """A dimension's value as the visitor reads it."""
    if code is None:
        return _t(UNKNOWN)
    if code == statistics.OTHER:
        return _t(OTHERS)
    if kind == "authority":
        return authority_name(code, select_locale())
    if kind == "region":
        names = PROVINCES.get(code)
        return code if names is None else names[0 if select_locale() == "zh" else 1]
    return label(kind, code)


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _weekly(body: dict) -> tuple[list[str], list[list]]:
    return [_t(_l("Week from")), _t(_l("Reports"))], [[w["week"], w["reports"]] for w in body["weeks"]]


def _outcomes(body: dict) -> tuple[list[str], list[list]]:
    return ([_t(_l("Week from")), _t(_l("Confirmed")), _t(_l("Dismissed"))],
            [[w["week"], w["confirmed"], w["dismissed"]] for w in body["weeks"]])


def _triage(body: dict) -> tuple[list[str], list[list]]:
    return ([_t(_l("Week from")), _t(_l("Reports decided")), _t(_l("Median hours")),
             _t(_l("90th percentile hours"))],
            [[w["week"], w["decided"], _hours(w["median_hours"]), _hours(w["p90_hours"])]
             for w in body["triage"]["weeks"]])


def _by(kind: str, heading: str) -> Callable[[dict], tuple[list[str], list[list]]]:
    def table(body: dict) -> tuple[list[str], list[list]]:
        return [_t(heading), _t(_l("Reports"))], [[_name(kind, code), count] for code, count in body[kind]]
    return table


# chart key -> (title, description, table of the snapshot, kind: "columns" or "bars")
CHARTS: dict[str, tuple[str, str, Callable, str]] = {
    "weekly": (_l("Reports per week"), _l("How many reports arrived each week."), _weekly, "columns"),
    "outcomes": (_l("Confirmed and dismissed per week"),
                 _l("Of the reports that arrived each week, how many officers have confirmed as scams and how "
                    "many they dismissed."), _outcomes, "columns"),
    "patterns": (_l("Reports by scam pattern"), _l("What kind of scam each report is, as the classifier read it."),
                 _by("category", _l("Scam pattern")), "bars"),
    "authorities": (_l("Reports by impersonated authority"),
                    _l("Which tax authority the message pretended to come from."),
                    _by("authority", _l("Impersonated authority")), "bars"),
    "channels": (_l("Reports by channel"), _l("How the scam reached the person who reported it."),
                 _by("channel", _l("Channel")), "bars"),
    "regions": (_l("Reports by region"), _l("Where the reporter lives, when they said so."),
                _by("region", _l("Region")), "bars"),
    "triage": (_l("Time to triage"), _l("Hours from a report's arrival to an officer's first decision on it "
                                        "(confirmed, dismissed or duplicate): median and 90th percentile, by week "
                                        "of arrival."), _triage, "columns"),
}


def _chart(key: str, body: dict) -> dict:
    title, desc, table, kind = CHARTS[key]
    columns, rows = table(body)
    title, desc = _t(title), _t(desc)
    if kind == "bars":
        svg = bar_chart(key, title, desc, [(row[0], row[1]) for row in rows])
    else:
        labels = [row[0][5:] for row in rows]  # MM-DD of each week
        series = [(columns[c], [_float(row[c]) for row in rows]) for c in range(1 + (key == "triage"), len(columns))]
        svg = column_chart(key, title, desc, labels, series)
    return {"key": key, "title": title, "desc": desc, "svg": svg, "columns": columns, "rows": rows,
            "weekly": kind == "columns"}


def _float(value) -> float:
    return float(value) if value not in ("", None) else 0.0


@bp.get("/stats")
@cached_page()
def stats():
    """The statistics page: every chart with its table and CSV download."""
    body, computed_at = statistics.current()
    charts = [_chart(key, body) for key in CHARTS]
    return render_template("public/stats.html", charts=charts, body=body, updated=_when(computed_at),
                           start=body["start"][:10], triage=body["triage"])


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@bp.get("/stats/<key>.csv")
def stats_csv(key: str):
    """One chart's data as CSV (UTF-8 with a byte order mark, for spreadsheets)."""
    if key not in CHARTS:
        abort(404)
    body, _ = statistics.current()
    columns, rows = CHARTS[key][2](body)
    response = Response(to_csv(columns, rows), mimetype="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="fraudwatch-{key}-{select_locale()}.csv"'
    return response


def to_csv(columns: list[str], rows: list[list]) -> str:
    """A CSV text with a byte order mark; a text cell that a spreadsheet would read as a formula
    starts with an apostrophe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [columns, *rows]:
        writer.writerow([_defused(cell) for cell in row])
    return out.getvalue()


def _defused(cell) -> object:
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_START) else cell
