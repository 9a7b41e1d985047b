"""The console's watch-list page (`/console/watch`, enterprise users, officers, admins): the
signed-in user's entries (add, remove), alert channels (add a webhook or an e-mail address,
send a test, remove; a webhook's signing secret is shown once, on the page that created it),
recent alerts and the delivery log. Forms post with the session's CSRF token; a refused
form is the page again with the reason (400, 409) and nothing changed; another user's entry
or channel is a 404."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import current_user, login_required
from fraudwatch.exceptions import Conflict, Invalid
from fraudwatch.services import alert_log, alerts, watch
from fraudwatch.services.contract import column_max
from fraudwatch.storage.models import AlertChannel, WatchEntry

OWNERS = watch.OWNER_ROLES
add_nav("console.watch_list", _l("Watch list"), roles=OWNERS, order=60)
ENTRY = f"/watch/entries/<int(min=1, max={column_max(WatchEntry.__table__.c.id)}):entry_id>"
CHANNEL = f"/watch/channels/<int(min=1, max={column_max(AlertChannel.__table__.c.id)}):channel_id>"
SHOWN = 50  # entries, alerts and deliveries on the page
FORM_FIELD_MAX = 4096  # longer form values are refused before any normalisation
FIELD_TEXTS = {
    "kind": _l("Choose a kind from the list."),
    "value": _l("This cannot be watched as the kind chosen: give a domain, a brand or company name (at least 2 "
                "Chinese or 4 Latin letters or digits) or a phone number, at most 300 characters, without control "
                "characters."),
    "label": _l("The label must be at most 120 characters, without control characters."),
    "target": _l("Give an http:// or https:// address without a user name or password, or an e-mail address."),
}
REASON_TEXTS = {
    "watch_duplicate": _l("This is already on your watch list."),
    "watch_full": _l("Your watch list is full."),
    "channels_full": _l("You have the most channels allowed (20)."),
}


def _form(name: str) -> str:
    return request.form.get(name, "")[:FORM_FIELD_MAX]


def _page(status: int = 200, error: str | None = None, secret: str | None = None, form: dict | None = None):
    user = current_user()
    owner = watch.owner(user.name)
    entries = watch.list_entries(owner, SHOWN)
    found_alerts, _more = alert_log.alerts_page(owner, SHOWN)
    deliveries, _more = alert_log.deliveries_page(owner, SHOWN)
    return render_template("console/watch.html", entries=entries, channels=watch.list_channels(owner),
                           alerts=found_alerts, deliveries=deliveries, kinds=watch.KINDS,
                           channel_kinds=watch.CHANNEL_KINDS, error=error, secret=secret, form=form or {},
                           max_entries=watch.MAX_ENTRIES), status


def _refusal(exc: Invalid | Conflict) -> str:
    if exc.reason in REASON_TEXTS:
        return str(REASON_TEXTS[exc.reason])
    return " ".join(str(FIELD_TEXTS[f]) for f in FIELD_TEXTS if f in exc.fields) or _("The form was refused.")


@bp.get("/watch")
@login_required(*OWNERS)
def watch_list():
    """The watch list, channels, recent alerts and the delivery log."""
    return _page()


@bp.post("/watch/entries")
@login_required(*OWNERS)
def watch_add_entry():
    """Add an entry (the page again with the reason when refused)."""
    form = {"kind": _form("kind"), "value": _form("value"), "label": _form("label")}
    try:
        entry = watch.add_entry(watch.owner(current_user().name), form["kind"], form["value"], form["label"] or None)
    except (Invalid, Conflict) as exc:
        return _page(409 if isinstance(exc, Conflict) else 400, _refusal(exc), form=form)
    flash(_("Now watching %(value)s.", value=entry.value), "ok")
    return redirect(url_for("console.watch_list"), 303)


@bp.post(f"{ENTRY}/delete")
@login_required(*OWNERS)
def watch_remove_entry(entry_id: int):
    """Remove one of the user's entries."""
    watch.remove_entry(watch.owner(current_user().name), entry_id)
    flash(_("No longer watched."), "ok")
    return redirect(url_for("console.watch_list"), 303)


@bp.post("/watch/channels")
@login_required(*OWNERS)
def watch_add_channel():
    """Add a channel; a webhook's secret is on the page this once."""
    form = {"channel_kind": _form("kind"), "target": _form("target")}
    try:
        channel, secret = watch.add_channel(watch.owner(current_user().name), form["channel_kind"], form["target"])
    except Invalid as exc:
        return _page(400, _refusal(exc), form=form)
    if secret is None:
        flash(_("Alerts will also be sent to %(target)s.", target=channel.target), "ok")
        return redirect(url_for("console.watch_list"), 303)
    return _page(201, secret=secret)


@bp.post(f"{CHANNEL}/delete")
@login_required(*OWNERS)
def watch_remove_channel(channel_id: int):
    """Remove one of the user's channels."""
    watch.remove_channel(watch.owner(current_user().name), channel_id)
    flash(_("Channel removed."), "ok")
    return redirect(url_for("console.watch_list"), 303)


@bp.post(f"{CHANNEL}/test")
@login_required(*OWNERS)
def watch_test_channel(channel_id: int):
    """Queue a test message to one of the user's channels; it shows in the delivery log."""
    delivery_id = alerts.send_test(watch.get_channel(watch.owner(current_user().name), channel_id))
    flash(_("Test message %(id)s queued: see the delivery log below.", id=delivery_id), "ok")
    return redirect(url_for("console.watch_list") + "#deliveries", 303)
