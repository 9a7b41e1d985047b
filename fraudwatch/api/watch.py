"""Watch lists through the API (enterprise users, officers, admins; each sees only their own):
entries, alert channels (a webhook's secret is answered once, when it is made), a test
delivery, alerts and the delivery log. Another owner's entry or channel is a 404."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from fraudwatch.api import bp
from fraudwatch.api.operations import ok, operation
from fraudwatch.services import alert_log, alerts, watch
from fraudwatch.services.contract import Answer, Body, Query, bounded_text, column_max
from fraudwatch.storage.models import Alert, AlertChannel, AlertDelivery, WatchEntry
from fraudwatch.web.auth import current

OWNERS = watch.OWNER_ROLES
TAGS = ("watch",)
ENTRY_ROUTE = f"/watch/entries/<int(min=1, max={column_max(WatchEntry.__table__.c.id)}):entry_id>"
CHANNEL_ROUTE = f"/watch/channels/<int(min=1, max={column_max(AlertChannel.__table__.c.id)}):channel_id>"
PageSize = Annotated[int, Field(ge=1, le=200)]


class EntryIn(Body):
    """Something to watch: a domain, brand, company name or phone."""

    kind: Literal[watch.KINDS]
    value: bounded_text(watch.MAX_VALUE, min_length=1, description="normalised: registrable domain, folded name, E.164")
    label: bounded_text(watch.MAX_LABEL) | None = None


class EntryOut(Answer):
    """A watch entry."""

    id: int
    kind: Literal[watch.KINDS]
    value: str
    match_key: str
    label: str | None
    active: bool
    created_at: str | None


class EntryList(Answer):
    """A page of entries, oldest first."""

    entries: list[EntryOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")


class EntryQuery(Query):
    """Paging of the entries."""

    limit: PageSize = 100
    after: Annotated[int, Field(ge=0, le=column_max(WatchEntry.__table__.c.id))] = 0


class ChannelIn(Body):
    """Where alerts go: a webhook URL or an e-mail address."""

    kind: Literal[watch.CHANNEL_KINDS]
    target: bounded_text(watch.MAX_URL, min_length=1, description="http(s) URL (webhook) or e-mail address")


class ChannelOut(Answer):
    """An alert channel; `secret` only in the answer that created a webhook."""

    id: int
    kind: Literal[watch.CHANNEL_KINDS]
    target: str
    active: bool
    created_at: str | None
    secret: str | None = Field(None, description="the webhook's signing secret, shown once")


class ChannelList(Answer):
    """The channels."""

    channels: list[ChannelOut]


class TestSent(Answer):
    """The test delivery queued (see the delivery log)."""

    delivery_id: int


class DeliveryOut(Answer):
    """One delivery of an alert (or a test) to a channel, with its attempts."""

    id: int
    alert_id: int | None
    channel_id: int
    channel_kind: str
    target: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None
    last_error: str | None
    created_at: str | None
    delivered_at: str | None
    next_attempt_at: str | None


class AlertOut(Answer):
    """An alert: the entry matched, why, by what, and its deliveries."""

    id: int
    entry_id: int
    reason: str
    subject_type: str
    subject_id: int | None
    subject: str
    detail: dict[str, Any]
    created_at: str
    deliveries: list[DeliveryOut]


class AlertList(Answer):
    """Alerts, newest first."""

    alerts: list[AlertOut]
    next_before: int | None


class DeliveryList(Answer):
    """The delivery log, newest first."""

    deliveries: list[DeliveryOut]
    next_before: int | None


class LogQuery(Query):
    """Paging of alerts or deliveries (newest first)."""

    limit: PageSize = 50
    before: Annotated[int, Field(ge=1, le=column_max(Alert.__table__.c.id))] | None = None


class DeliveryQuery(LogQuery):
    """Paging of the delivery log."""

    before: Annotated[int, Field(ge=1, le=column_max(AlertDelivery.__table__.c.id))] | None = None


def _owner():
    return watch.owner(current().name)


@bp.get("/watch/entries")
@operation("List your watch entries", query=EntryQuery, roles=OWNERS, tags=TAGS,
           responses={200: ok(EntryList, "your entries, oldest first")})
def list_watch_entries(query: EntryQuery):
    """A page of the caller's entries."""
    found = watch.list_entries(_owner(), query.limit + 1, query.after)
    more, found = len(found) > query.limit, found[:query.limit]
    return {"entries": [watch.entry_json(e) for e in found], "next_after": found[-1].id if more else None}


@bp.post("/watch/entries")
@operation("Watch a domain, brand, company name or phone", body=EntryIn, roles=OWNERS, tags=TAGS, errors=(409,),
           responses={201: ok(EntryOut, "watched")},
           description="The value is normalised (a domain to its registrable domain, a name to its folded letters "
                       "and digits, a phone to E.164); a value that does not normalise, control characters, or more "
                       f"than {watch.MAX_ENTRIES} entries are a 400; the same thing twice is a 409.")
def add_watch_entry(body: EntryIn):
    """Add an entry to the caller's watch list."""
    return watch.entry_json(watch.add_entry(_owner(), body.kind, body.value, body.label)), 201


@bp.delete(ENTRY_ROUTE)
@operation("Stop watching an entry", roles=OWNERS, tags=TAGS, responses={204: ok(None, "removed")})
def remove_watch_entry(entry_id: int):
    """Remove one of the caller's entries (404 for anyone else's)."""
    watch.remove_entry(_owner(), entry_id)
    return "", 204


@bp.get("/watch/channels")
@operation("List your alert channels", roles=OWNERS, tags=TAGS, responses={200: ok(ChannelList, "your channels")})
def list_watch_channels():
    """The caller's channels (secrets are never shown again)."""
    return {"channels": [watch.channel_json(c) for c in watch.list_channels(_owner())]}


@bp.post("/watch/channels")
@operation("Add a webhook or e-mail channel", body=ChannelIn, roles=OWNERS, tags=TAGS,
           responses={201: ok(ChannelOut, "added; a webhook's `secret` is shown this once")},
           description="A webhook target is an http(s) URL without credentials; where it points is checked by the "
                       f"crawler's address guard at each delivery. At most {watch.MAX_CHANNELS} channels (400).")
def add_watch_channel(body: ChannelIn):
    """Add a channel; a webhook's signing secret is made and answered once."""
    channel, secret = watch.add_channel(_owner(), body.kind, body.target)
    return watch.channel_json(channel, secret), 201


@bp.delete(CHANNEL_ROUTE)
@operation("Remove an alert channel", roles=OWNERS, tags=TAGS, responses={204: ok(None, "removed")})
def remove_watch_channel(channel_id: int):
    """Remove one of the caller's channels (404 for anyone else's)."""
    watch.remove_channel(_owner(), channel_id)
    return "", 204


@bp.post(f"{CHANNEL_ROUTE}/test")
@operation("Send a test message to a channel", roles=OWNERS, tags=TAGS,
           responses={202: ok(TestSent, "queued; follow it in the delivery log")})
def test_watch_channel(channel_id: int):
    """Queue a test delivery to one of the caller's channels."""
    return {"delivery_id": alerts.send_test(watch.get_channel(_owner(), channel_id))}, 202


@bp.get("/watch/alerts")
@operation("List your alerts", query=LogQuery, roles=OWNERS, tags=TAGS,
           responses={200: ok(AlertList, "alerts, newest first, with their deliveries")})
def list_watch_alerts(query: LogQuery):
    """The caller's alerts."""
    found, more = alert_log.alerts_page(_owner(), query.limit, query.before)
    return {"alerts": found, "next_before": more}


@bp.get("/watch/deliveries")
@operation("The delivery log of your alerts and tests", query=DeliveryQuery, roles=OWNERS, tags=TAGS,
           responses={200: ok(DeliveryList, "deliveries, newest first")})
def list_watch_deliveries(query: DeliveryQuery):
    """Every delivery to the caller's channels, with attempts, answer and error."""
    found, more = alert_log.deliveries_page(_owner(), query.limit, query.before)
    return {"deliveries": found, "next_before": more}
