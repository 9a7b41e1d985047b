"""Officer and admin view of the feed imports: the recent import runs (files imported by hand
and scheduled pulls) with their counts, bad rows by reason and samples."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.services.contract import Answer, Query, column_max
from fraudwatch.services.imports import feed_runs
from fraudwatch.storage.models import ImportRun

OFFICERS = ("officer", "admin")
RUN_ID_MAX = column_max(ImportRun.__table__.c.id)
Count = Annotated[int, Field(ge=0)]


class RunsQuery(Query):
    """Which runs: of one source or all, a page of `limit` before the run `before`."""

    source: Annotated[str, Field(pattern=f"^{feed_runs.SOURCE_PATTERN}$")] | None = None
    before: Annotated[int, Field(ge=1, le=RUN_ID_MAX, description="`next_before` of the last page")] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class BadSample(Answer):
    """A refused row: its line (or entry), why, and its text cut to 200 characters."""

    line: int
    reason: str
    text: str


class ImportRunOut(Answer):
    """One import of a feed file or one pull of a source."""

    id: int
    source: str
    format: str
    confidence: float | None
    licence: str | None
    started_at: datetime
    finished_at: datetime | None = Field(description="null while it runs")
    rows: Count
    imported: Count
    bad: Count
    bad_reasons: dict[str, Count] = Field(description="bad rows by reason; `(skipped: not indicators)` counts "
                                                      "entries that are not indicators by design (not in `bad`)")
    samples: list[BadSample]
    not_modified: bool = Field(description="a pull answered 304 Not Modified")
    error: str | None = Field(description="why the whole input was refused or the pull failed")


class RunList(Answer):
    """A page of import runs, newest first."""

    runs: list[ImportRunOut]
    next_before: int | None = Field(description="pass as `before` for the next page; null on the last page")


@bp.get("/imports/runs")
@operation("Recent feed import runs (officers)", query=RunsQuery, roles=OFFICERS, tags=("imports",),
           responses={200: ok(RunList, "runs, newest first")})
def list_runs(query: RunsQuery):
    """Runs with rows read, imported and bad (by reason, with samples), or their error."""
    runs, more = feed_runs.recent_runs(limit=query.limit, source=query.source, before=query.before)
    return {"runs": runs, "next_before": runs[-1]["id"] if more else None}
