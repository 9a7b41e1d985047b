"""The console's model registry page (`/console/models`, admins only): every version with its
metrics and the comparison that decided it, and forms to retrain (a job on the bulk queue),
promote a version and roll back. A refused request (unknown version, already active, rejected
without "promote anyway", unusable folder, nothing to roll back) is the page again with the
reason and status 404/409; nothing changes then. Promotions and rollbacks are audited by the
service (with this request's address)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import DomainError, NotFound
from fraudwatch.services import model_admin
from fraudwatch.services import retrain as retraining

add_nav("console.models", _l("Models"), roles=("admin",), order=80)
MAX_VERSION_FIELD = 200
REFUSALS = {
    "unknown_version": _l("There is no such model version."),
    "already_active": _l("This version is already active."),
    "rejected_version": _l("Its comparison rejected this version; tick \"promote anyway\" if you mean it."),
    "model_unusable": _l("The model folder of this version cannot be loaded."),
    "no_active_model": _l("No version is active: there is nothing to roll back."),
    "nothing_to_roll_back": _l("There is no earlier version to roll back to."),
    "changed": _l("The active model changed meanwhile; try again."),
}


def _page(error: str | None = None, status: int = 200):
    versions = model_admin.list_versions()
    return render_template("console/models.html", versions=versions, job=retraining.open_job_state(),
                           has_active=any(v["status"] == "active" for v in versions), error=error), status


def _refused(exc: DomainError):
    status = 404 if isinstance(exc, NotFound) else 409
    return _page(str(REFUSALS.get(exc.code, _("The request was refused."))), status)


@bp.get("/models")
@login_required("admin")
def models():
    """The registry: versions, metrics, comparisons, and the forms."""
    return _page()


@bp.post("/models/retrain")
@login_required("admin")
def models_retrain():
    """Queue a retrain (one at a time) and come back to the page."""
    job_id, created = retraining.start_retrain(current_user().name)
    message = (_("Retrain queued as job %(id)s.", id=job_id) if created
               else _("A retrain is already under way (job %(id)s).", id=job_id))
    flash(message, "ok")
    return redirect(url_for("console.models"), 303)


@bp.post("/models/promote")
@login_required("admin")
def models_promote():
    """Make the posted version active."""
    version = request.form.get("version", "")[:MAX_VERSION_FIELD]
    try:
        row = model_admin.promote(version, current_user().name, force=request.form.get("force") == "1",
                                  address=request.remote_addr)
    except DomainError as exc:
        return _refused(exc)
    flash(_("Version %(version)s is active now; running processes switch to it within a minute.",
            version=row["version"]), "ok")
    return redirect(url_for("console.models"), 303)


@bp.post("/models/rollback")
@login_required("admin")
def models_rollback():
    """Re-activate the version that was active before the active one."""
    try:
        row = model_admin.rollback(current_user().name, address=request.remote_addr)
    except DomainError as exc:
        return _refused(exc)
    flash(_("Rolled back: version %(version)s is active again.", version=row["version"]), "ok")
    return redirect(url_for("console.models"), 303)
