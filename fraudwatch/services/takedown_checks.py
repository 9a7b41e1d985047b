"""What the revisit crawls and the RDAP lookups of a takedown write (the network side is
`fraudwatch.jobs.takedowns`): a check's state moves the takedown's status, and RDAP's
contacts (or the note that RDAP was unavailable) join the contacts officers recorded.

Status moves: open or notified -> down when a check finds the site gone (down_at: that
check); down -> back when a later check finds it serving the scam again (down_at cleared:
the time to takedown counts the last time it went down); back -> down when it goes again.
An `unknown` check (the network refused, a timeout, a server error) changes no status.
A site down for DOWN_FOR_GOOD_DAYS is no longer revisited."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from fraudwatch.infra.extensions import db
from fraudwatch.services.takedowns import MAX_CONTACTS
from fraudwatch.storage import takedowns as store
from fraudwatch.storage.models import Takedown
from fraudwatch.storage.transactions import in_transaction

HISTORY = 20  # earlier checks kept with the last one
DOWN_FOR_GOOD_DAYS = 30
AUTOMATIC_SOURCES = ("rdap", "unavailable")


def next_status(status: str, state: str) -> str:
    """A takedown's status after a check in `state` (serving, gone, unknown)."""
    if state == "gone":
        return "down"
    if state == "serving" and status == "down":
        return "back"
    return status


def _next_check(takedown: Takedown, now: datetime) -> datetime | None:
    if takedown.status == "down" and takedown.down_at is not None \
            and now - takedown.down_at >= timedelta(days=DOWN_FOR_GOOD_DAYS):
        return None
    return now + timedelta(seconds=int(current_app.config["TAKEDOWN_REVISIT_SECONDS"]))


def record_check(takedown_id: int, check: dict, now: datetime) -> Takedown | None:
    """Store a check ({"state", "reason", ...}) and move the status; None when the takedown is gone."""

    def work() -> Takedown | None:
        found = store.get_takedown(db.session, takedown_id, lock=True)
        if found is None:
            return None
        takedown = found[0]
        before = takedown.status
        takedown.status = next_status(before, check["state"])
        if takedown.status == "down" and before != "down":
            takedown.down_at = now
        elif takedown.status == "back":
            takedown.down_at = None
        previous = dict(takedown.last_check) if isinstance(takedown.last_check, dict) else None
        history = previous.pop("history", []) if previous else []
        history = ([previous] if previous else []) + (history if isinstance(history, list) else [])
        takedown.last_check = {**check, "at": now.isoformat(), "status_before": before,
                               "history": history[:HISTORY]}
        takedown.last_checked_at = now
        takedown.next_check_at = _next_check(takedown, now)
        return takedown

    return in_transaction(db.session, work)


def record_rdap(takedown_id: int, contacts: list[dict], failure: str | None, now: datetime) -> None:
    """Replace the RDAP contacts of a takedown with `contacts`, or with one `unavailable`
    entry saying why (`failure`); contacts officers recorded stay first."""
    stamp = now.isoformat()
    found_now = [{**c, "at": stamp} for c in contacts]
    if failure is not None:
        found_now = [{"party": "registrar", "contact": f"RDAP unavailable: {failure}"[:320],
                      "source": "unavailable", "at": stamp}]

    def work() -> None:
        found = store.get_takedown(db.session, takedown_id, lock=True)
        if found is None:
            return
        takedown = found[0]
        kept = [c for c in takedown.abuse_contacts or []
                if isinstance(c, dict) and c.get("source") not in AUTOMATIC_SOURCES]
        takedown.abuse_contacts = (kept + found_now)[:MAX_CONTACTS]

    in_transaction(db.session, work)


def needs_rdap(takedown: Takedown) -> bool:
    """Whether RDAP was never asked, or could not answer last time (asked again at each check)."""
    contacts = [c for c in takedown.abuse_contacts or [] if isinstance(c, dict)]
    return not any(c.get("source") == "rdap" for c in contacts)
