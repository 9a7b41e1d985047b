"""The queue's query: the filters and order of the officers' report list, declared once for
GET /api/v1/reports (its OpenAPI document) and the console's filter form (which may not
import the API layer). Unknown parameters and unknown values are errors naming the field."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from classifiers.corpus import CATEGORIES
from fraudwatch.indicators.authorities import load_registry
from fraudwatch.services.contract import DateOrDateTime, Query, column_max
from fraudwatch.services.validation import ChannelName, clean_text_field
from fraudwatch.storage.models import REPORT_STATUSES, Indicator, Report
from fraudwatch.storage.queue import QUEUE_SOURCES, SORTS

REPORT_ID_MAX = column_max(Report.__table__.c.id)
INDICATOR_ID_MAX = column_max(Indicator.__table__.c.id)
LABELS = ("scam", "spam", "legit")
IndicatorId = Annotated[int, Field(ge=1, le=INDICATOR_ID_MAX)]
OfficerName = clean_text_field("officer", description="an officer's user name")
AuthorityCode = Literal[tuple(sorted(load_registry().authorities))]


class ReportQuery(Query):
    """Filters and order of the officers' queue (also the console's filter form): `sort=risk`
    (default, see storage/queue.py), `newest` or `oldest`; `cursor` (from `next_cursor`) pages on."""

    status: Literal[REPORT_STATUSES] | None = None
    channel: ChannelName | None = None
    label: Literal[LABELS] | None = None
    category: Literal[CATEGORIES] | None = None
    authority: AuthorityCode | None = None
    source: Literal[QUEUE_SOURCES] | None = Field(None, description="public (anonymous), enterprise (an account's) "
                                                                     "or import")
    assigned_to: OfficerName | None = None
    q: clean_text_field("q", description="text searched in the report's texts and indicators") | None = None
    since: DateOrDateTime | None = None
    until: DateOrDateTime | None = None
    min_score: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    indicator_id: IndicatorId | None = None
    indicator: clean_text_field("lookup_value", description="an indicator's value") | None = None
    sort: Literal[SORTS] = "risk"
    cursor: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 50
