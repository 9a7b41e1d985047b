"""The audit log viewer (`/console/audit`, role admin): every recorded action, newest first,
filtered by actor, action, target and date range, paged by keyset (`before` = an event id).
A parameter that is unknown or does not parse is a 400 naming it, never silently ignored."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import login_required
from fraudwatch.infra.extensions import db
from fraudwatch.storage.audit import AuditFilter, audit_actions, list_audit_events

PAGE = 50
MAX_ID = 2**31 - 1
TEXT_FIELDS = ("actor", "action", "target_type")
FIELDS = (*TEXT_FIELDS, "target_id", "since", "until", "before")
add_nav("console.audit_log", _l("Audit log"), roles=("admin",), order=90)


class BadFilter(ValueError):
    """A query parameter that cannot be used (its name is the first argument)."""


def _id(name: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise BadFilter(name)
    return int(raw)


def _day(name: str, raw: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
    except ValueError:
        raise BadFilter(name) from None


def parse_filters(args) -> tuple[AuditFilter, int | None]:
    """The filter and keyset of a query string (BadFilter naming the first bad parameter)."""
    for name in args:
        if name not in FIELDS or len(args.getlist(name)) > 1:
            raise BadFilter(name)
    values = {name: args.get(name, "").strip() for name in FIELDS}
    for name in TEXT_FIELDS:
        if len(values[name]) > 120 or not values[name].isprintable():
            raise BadFilter(name)
    until = _day("until", values["until"]) + timedelta(days=1) if values["until"] else None
    where = AuditFilter(actor=values["actor"] or None, action=values["action"] or None,
                        target_type=values["target_type"] or None,
                        target_id=_id("target_id", values["target_id"]) if values["target_id"] else None,
                        since=_day("since", values["since"]) if values["since"] else None, until=until)
    return where, (_id("before", values["before"]) if values["before"] else None)


@bp.get("/audit")
@login_required("admin")
def audit_log():
    """The audit trail with its filters."""
    try:
        where, before = parse_filters(request.args)
    except BadFilter as exc:
        name = str(exc)[:40]
        abort(400, description=_("The filter %(name)s is unknown, repeated or not valid.", name=name))
    events, next_before = list_audit_events(db.session, where, before_id=before, limit=PAGE)
    kept = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("console/audit.html", events=events, next_before=next_before, filters=kept,
                           actions=audit_actions(db.session))
