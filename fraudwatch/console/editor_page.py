"""The editors' pages (`/console/examples`, `/console/advisories`; editors and admins): which
confirmed examples the public site shows (publish, withdraw) and the advisories (write in
Markdown, preview, publish, withdraw). A refused form is the page again with the reason next
to the field and what was typed kept. Changes are audited by the services."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav, set_home
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services import advisories, publishing
from fraudwatch.storage.examples import STATES
from fraudwatch.web.i18n import gettext, mark
from fraudwatch.web.pattern_texts import pattern_title

EDITORS = ("editor", "admin")
add_nav("console.examples", _l("Published examples"), roles=EDITORS, order=70)
add_nav("console.advisories_list", _l("Advisories"), roles=EDITORS, order=71)
set_home("editor", "console.examples")
FIELDS = ("title", "body", "language", "pattern", "slug")
FIELD_ERRORS = {  # services/advisories.py refusals (reason), as the editor reads them
    "required": mark("Required."), "too_long": mark("At most %(limit)s characters."),
    "control": mark("Must not contain control characters."), "language": mark("Choose 中文 or English."),
    "pattern": mark("Choose one of the scam patterns."),
    "slug": mark("Use 3-80 lower-case letters, digits and hyphens."),
    "slug_taken": mark("Another advisory has this address."),
}


bp.add_app_template_global(pattern_title, "pattern_title")
bp.add_app_template_global(publishing.SLUGS, "pattern_slugs")


@bp.app_template_global()
def advisory_html(advisory) -> Markup:
    """An advisory's body, sanitised again where it is shown (it was when saved)."""
    return Markup(advisories.render_stored(advisory.body_html))  # noqa: S704 - nh3-sanitised just now


@bp.get("/examples")
@login_required(*EDITORS)
def examples():
    """Examples by state (published first): the redacted text, its pattern and who chose."""
    state = request.args.get("state", "published")
    if state not in STATES:
        abort(404)
    rows = publishing.for_editor(db.session, (state,))
    return render_template("console/examples.html", rows=rows, state=state, states=STATES)


@bp.post("/examples/<int:example_id>/state")
@login_required(*EDITORS)
def example_state(example_id: int):
    """Publish or withdraw one example, then back to the list it was in."""
    state = request.form.get("state", "")
    back = request.form.get("from") if request.form.get("from") in STATES else "published"
    try:
        publishing.set_state(example_id, state, current_user().name, request.remote_addr)
    except NotFound:
        abort(404)
    except Invalid as exc:
        rows = publishing.for_editor(db.session, (back,))
        return render_template("console/examples.html", rows=rows, state=back, states=STATES,
                               error=next(iter(exc.fields.values()), exc.message)), 409
    return redirect(url_for("console.examples", state=back), 303)


@bp.get("/advisories")
@login_required(*EDITORS)
def advisories_list():
    """Every advisory, last changed first, with its status."""
    return render_template("console/advisories.html", rows=advisories.for_editor(db.session))


@bp.get("/advisories/new")
@login_required(*EDITORS)
def advisory_new():
    """An empty advisory form."""
    return render_template("console/advisory_form.html", advisory=None, form={"language": "zh"}, errors={})


@bp.post("/advisories/new")
@login_required(*EDITORS)
def advisory_create():
    """Save a new advisory as a draft and show it for review."""
    return _save(None)


@bp.get("/advisories/<int:advisory_id>")
@login_required(*EDITORS)
def advisory_edit(advisory_id: int):
    """An advisory's form with its preview."""
    advisory = advisories.get(db.session, advisory_id)
    if advisory is None:
        abort(404)
    form = {"title": advisory.title, "body": advisory.body_markdown, "language": advisory.language,
            "pattern": advisory.pattern or "", "slug": advisory.slug}
    return render_template("console/advisory_form.html", advisory=advisory, form=form, errors={})


@bp.post("/advisories/<int:advisory_id>")
@login_required(*EDITORS)
def advisory_update(advisory_id: int):
    """Save the changes of an advisory (it keeps its status)."""
    return _save(advisory_id)


@bp.post("/advisories/<int:advisory_id>/status")
@login_required(*EDITORS)
def advisory_status(advisory_id: int):
    """Publish, withdraw or return to draft."""
    try:
        advisories.set_status(advisory_id, request.form.get("status", ""), current_user().name, request.remote_addr)
    except NotFound:
        abort(404)
    except Invalid:
        abort(400)
    return redirect(url_for("console.advisory_edit", advisory_id=advisory_id), 303)


def _save(advisory_id: int | None):
    form = {name: request.form.get(name, "") for name in FIELDS}
    try:
        advisory = advisories.save(form, current_user().name, advisory_id, request.remote_addr)
    except NotFound:
        abort(404)
    except Invalid as exc:
        current = advisories.get(db.session, advisory_id) if advisory_id is not None else None
        field = exc.params.get("field", "title")
        message = gettext(FIELD_ERRORS.get(exc.reason, "Required."), limit=f"{exc.params.get('limit', 0):,}")
        return render_template("console/advisory_form.html", advisory=current, form=form,
                               errors={field: message}), 400
    return redirect(url_for("console.advisory_edit", advisory_id=advisory.id), 303)
