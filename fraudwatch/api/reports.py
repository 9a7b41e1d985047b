"""POST /api/v1/reports: anyone may report; enterprises and officers too, with their token."""
from __future__ import annotations

from flask import current_app

from fraudwatch.api import bp
from fraudwatch.api.answers import ReportCreated
from fraudwatch.api.operations import ok, operation
from fraudwatch.services.reporting import submit_report
from fraudwatch.services.validation import ReportIn
from fraudwatch.web.auth import current
from fraudwatch.web.limits import per_caller

CREATED_LINKS = {
    name: {"operationId": operation_id, "parameters": {"report_id": "$response.body#/id"},
           "description": f"{what} (officers)"}
    for name, operation_id, what in (("GetReport", "get_report", "read the report"),
                                     ("ChangeStatus", "change_status", "change its status"),
                                     ("MergeInto", "merge_reports", "merge duplicates into it"))}


@bp.post("/reports")
@per_caller("ANON_REPORT_LIMIT")
@operation("Report a suspected scam", body=ReportIn, form=True, tags=("reports",),
           responses={201: ok(ReportCreated, "stored", links=CREATED_LINKS, headers={"Location": {
               "required": True, "description": "the report's URL (for officers)",
               "schema": {"type": "string"}}})},
           description="JSON or form data (where empty fields count as not given). A value that is not a "
                       "valid URL, domain, phone number... or a `received_at` in the future is a 400.")
def create_report(body: ReportIn):
    """Store a report and answer 201 with its id and the indicators found in it."""
    principal = current()
    submitted_by = principal.name if principal.kind != "anonymous" else None
    answer = submit_report(body, source="api", submitted_by=submitted_by)
    current_app.logger.info("report %s stored (%d indicators)", answer["id"], len(answer["indicators"]))
    return answer, 201, {"Location": f"/api/v1/reports/{answer['id']}"}
