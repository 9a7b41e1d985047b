"""Screenshots of public reports on the console's report page: the list with the text OCR
read (a template global the report page includes) and the image itself, served to signed-in
officers only, as the re-encoded PNG stored with it (`X-Content-Type-Options: nosniff`,
inline, a CSP that allows nothing to run, never cached)."""
from __future__ import annotations

from flask import Response, abort

from fraudwatch.console import bp
from fraudwatch.console.report_page import ROUTE
from fraudwatch.console.session import login_required
from fraudwatch.infra.extensions import db
from fraudwatch.storage import attachments as store

IMAGE_TYPES = ("image/png", "image/jpeg")


@bp.app_template_global()
def report_screenshots(report_id: int) -> list:
    """The screenshots of a report (without their bytes), oldest first."""
    return store.attachments_of(db.session, report_id)


@bp.get(f"{ROUTE}/attachments/<int(min=1, max=9223372036854775807):attachment_id>")
@login_required()
def report_attachment(report_id: int, attachment_id: int):
    """One screenshot of one report, as stored (re-encoded, without metadata)."""
    row = store.get_attachment(db.session, report_id, attachment_id)
    if row is None:
        abort(404)
    media_type = row.media_type if row.media_type in IMAGE_TYPES else "application/octet-stream"
    extension = {"image/png": "png", "image/jpeg": "jpg"}.get(media_type, "bin")
    disposition = "inline" if media_type in IMAGE_TYPES else "attachment"
    return Response(row.data, mimetype=media_type, headers={
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'{disposition}; filename="report-{report_id}-{attachment_id}.{extension}"',
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'self'",
        "Cache-Control": "private, no-store",
    })
