"""Acting on a whole campaign: confirm or dismiss every open report of it with one reason, in
one transaction (reports locked in id order, as the triage actions do), recorded in each
report's history and once in the audit trail; the campaign takes the status.

Only open reports change (new, triaging, needs_info): a report an officer already decided
keeps its decision, and a duplicate follows the report it was merged into."""
from __future__ import annotations

from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.storage import campaign_queries as queries
from fraudwatch.storage import campaigns as campaign_store
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import Campaign
from fraudwatch.storage.transactions import in_transaction

CAMPAIGN_ACTIONS = {"confirm": "confirmed", "dismiss": "dismissed", "reopen": "open"}
REPORT_STATUS = {"confirm": "confirmed", "dismiss": "dismissed"}
OPEN = ("new", "triaging", "needs_info")
LOCK_CHUNK = 500


def act(campaign_id: int, action: str, reason: str, actor: str) -> tuple[Campaign, list[int]]:
    """Confirm, dismiss (or reopen) a campaign and its open reports; the campaign and the ids changed."""
    if action not in CAMPAIGN_ACTIONS:
        raise Invalid("invalid action", fields={"action": f"must be one of {', '.join(CAMPAIGN_ACTIONS)}"})

    def work() -> tuple[list[int], set[str]]:
        campaign = campaign_store.lock_campaign(db.session, campaign_id)
        if campaign is None:
            raise NotFound(f"campaign {campaign_id} does not exist")
        changed = _decide(queries.open_report_ids(db.session, campaign_id, OPEN), action, reason, actor)
        campaign.status = CAMPAIGN_ACTIONS[action]
        add_audit_event(db.session, actor=actor, action=f"campaign.{action}", target_type="campaign",
                        target_id=campaign_id, detail={"reason": reason, "report_ids": changed[:1000],
                                                       "reports_changed": len(changed)})
        indicators = report_store.indicator_ids_of(db.session, changed) if changed else []
        return changed, ind_store.refresh_indicators(db.session, indicators) if indicators else set()

    changed, scopes = in_transaction(db.session, work)
    cache.invalidate(scopes)
    return queries.get_campaign(db.session, campaign_id), changed


def _decide(report_ids: list[int], action: str, reason: str, actor: str) -> list[int]:
    """Give each report (locked, a chunk at a time in id order) the action's status; the ids changed."""
    if action not in REPORT_STATUS:
        return []
    changed = []
    for start in range(0, len(report_ids), LOCK_CHUNK):
        locked = report_store.lock_reports(db.session, report_ids[start:start + LOCK_CHUNK])
        with report_store.status_batch(db.session):
            for report_id in sorted(locked):
                report = locked[report_id]
                if report.status in OPEN and report_store.change_status(
                        db.session, report, REPORT_STATUS[action], actor, f"campaign: {reason}"):
                    changed.append(report_id)
    return changed
