"""Takedown tracking for officers: the list and one takedown (its contacts, notices and
checks), contacts recorded by hand, notices sent to a registrar, host or CERT and what came
of them (each step in the audit trail), and the time-to-takedown figures.

The request models are declared here once: the API (`fraudwatch.api.takedowns`) and the
console page (`fraudwatch.console.takedowns_page`) validate with the same ones."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from fraudwatch.exceptions import NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services.contract import NOT_BLANK, Body, Query, column_max
from fraudwatch.services.statistics import nearest_rank
from fraudwatch.services.validation import drop_control
from fraudwatch.storage import takedowns as store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import Indicator, Takedown, TakedownNotice, utcnow
from fraudwatch.storage.transactions import in_transaction

TAKEDOWN_ID_MAX = column_max(Takedown.__table__.c.id)
NOTICE_ID_MAX = column_max(TakedownNotice.__table__.c.id)
CONTACT_MAX = 320
NOTE_MAX = 1000
MAX_CONTACTS = 30  # contacts kept on one takedown (RDAP's and officers')
Party = Literal[store.NOTICE_PARTIES]
Contact = Annotated[str, Field(min_length=1, max_length=CONTACT_MAX, pattern=NOT_BLANK)]
Note = Annotated[str, Field(max_length=NOTE_MAX)]


class TakedownQuery(Query):
    """Filter of the takedown list (a status, or any) and keyset paging (`before_id`)."""

    status: Literal[store.TAKEDOWN_STATUSES] | None = None
    before_id: Annotated[int, Field(ge=1, le=TAKEDOWN_ID_MAX,
                                    description="`next_before_id` of the previous page")] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class ContactIn(Body):
    """An abuse contact an officer found (e-mail, phone, web form or name)."""

    party: Party
    contact: Contact


class NoticeIn(Body):
    """A notice sent to a registrar, host or CERT."""

    party: Party
    contact: Contact
    note: Note | None = None


class NoticeStatusIn(Body):
    """What came of a notice."""

    status: Literal[store.NOTICE_STATUSES]
    note: Note | None = None


def takedown_or_404(takedown_id: int) -> tuple[Takedown, Indicator]:
    """A takedown and its indicator, or NotFound."""
    found = store.get_takedown(db.session, takedown_id)
    if found is None:
        raise NotFound(f"takedown {takedown_id} does not exist")
    return found


def list_page(query: TakedownQuery) -> tuple[list[tuple[Takedown, Indicator]], bool]:
    """The page of takedowns a list query asks for, and whether there are more."""
    return store.list_takedowns(db.session, store.TakedownFilter(query.status, query.before_id, query.limit))


def stats() -> dict:
    """Takedowns by status, and hours from confirmation to down (median and 90th percentile
    by nearest rank, in tenths of an hour) of the sites that are down."""
    counts = store.status_counts(db.session)
    hist = store.time_to_down(db.session)
    return {"by_status": {s: counts.get(s, 0) for s in store.TAKEDOWN_STATUSES}, "total": sum(counts.values()),
            "down": sum(hist.values()), "median_hours": nearest_rank(hist, 0.5), "p90_hours": nearest_rank(hist, 0.9)}


def _clean(text: str | None) -> str | None:
    cleaned = drop_control(text) if text else None
    return cleaned or None


def _locked(takedown_id: int) -> Takedown:
    found = store.get_takedown(db.session, takedown_id, lock=True)
    if found is None:
        raise NotFound(f"takedown {takedown_id} does not exist")
    return found[0]


def add_contact(takedown_id: int, body: ContactIn, actor: str) -> Takedown:
    """Record an abuse contact found by hand (kept with the RDAP ones), audited."""
    contact = _clean(body.contact) or body.contact

    def work() -> Takedown:
        takedown = _locked(takedown_id)
        entry = {"party": body.party, "contact": contact, "source": "officer", "actor": actor[:120],
                 "at": utcnow().isoformat()}
        kept = [c for c in takedown.abuse_contacts or [] if (c.get("party"), c.get("contact")) != (body.party, contact)]
        takedown.abuse_contacts = ([entry] + kept)[:MAX_CONTACTS]
        add_audit_event(db.session, actor=actor, action="takedown.contact", target_type="takedown",
                        target_id=takedown_id, detail={"party": body.party, "contact": contact})
        return takedown

    return in_transaction(db.session, work)


def add_notice(takedown_id: int, body: NoticeIn, actor: str) -> TakedownNotice:
    """Record a notice sent; an open takedown becomes `notified`. Audited."""
    contact, note = _clean(body.contact) or body.contact, _clean(body.note)

    def work() -> TakedownNotice:
        takedown = _locked(takedown_id)
        notice = store.add_notice(db.session, takedown_id, body.party, contact, note, actor[:120], utcnow())
        if takedown.status == "open":
            takedown.status = "notified"
        add_audit_event(db.session, actor=actor, action="takedown.notice", target_type="takedown",
                        target_id=takedown_id, detail={"notice_id": notice.id, "party": body.party,
                                                       "contact": contact, "note": note})
        return notice

    return in_transaction(db.session, work)


def update_notice(takedown_id: int, notice_id: int, body: NoticeStatusIn, actor: str) -> TakedownNotice:
    """Record what came of a notice (acknowledged, acted, refused), audited."""
    note = _clean(body.note)

    def work() -> TakedownNotice:
        _locked(takedown_id)
        notice = store.lock_notice(db.session, takedown_id, notice_id)
        if notice is None:
            raise NotFound(f"takedown {takedown_id} has no notice {notice_id}")
        before = notice.status
        notice.status, notice.updated_at = body.status, utcnow()
        if note:
            notice.note = ((notice.note + "\n") if notice.note else "") + note
            notice.note = notice.note[-4 * NOTE_MAX:]
        add_audit_event(db.session, actor=actor, action="takedown.notice_status", target_type="takedown",
                        target_id=takedown_id, detail={"notice_id": notice_id, "from": before, "to": body.status,
                                                       "note": note})
        return notice

    return in_transaction(db.session, work)


def notices(takedown_id: int) -> list[TakedownNotice]:
    """A takedown's notices, oldest first."""
    return store.notices_of(db.session, takedown_id)


def checks_of(takedown: Takedown) -> list[dict]:
    """The takedown's checks, newest first (the last one and the history kept with it)."""
    last = takedown.last_check if isinstance(takedown.last_check, dict) else None
    if not last:
        return []
    history = last.get("history") if isinstance(last.get("history"), list) else []
    return [{k: v for k, v in last.items() if k != "history"}] + [h for h in history if isinstance(h, dict)]
