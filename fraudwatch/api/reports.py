"""POST /api/v1/reports: anyone may report; enterprises and officers too, with their token."""
from __future__ import annotations

from flask import current_app

from fraudwatch.api import bp
from fraudwatch.api.body import read_body
from fraudwatch.api.limits import per_caller
from fraudwatch.auth import current
from fraudwatch.reporting import submit_report


@bp.post("/reports")
@per_caller("ANON_REPORT_LIMIT")
def create_report():
    """Store a report and answer 201 with its id and the indicators found in it."""
    payload = read_body(allow_form=True)
    principal = current()
    submitted_by = principal.name if principal.kind != "anonymous" else None
    answer = submit_report(payload, source="api", submitted_by=submitted_by)
    current_app.logger.info("report %s stored (%d indicators)", answer["id"], len(answer["indicators"]))
    return answer, 201, {"Location": f"/api/v1/reports/{answer['id']}"}
