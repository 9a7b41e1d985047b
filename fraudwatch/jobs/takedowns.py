"""Takedown tracking's network side: the periodic sweep and the revisit job.

`sweep` (the periodic task `takedown_revisit`, every TAKEDOWN_SWEEP_SECONDS) opens a takedown
for every confirmed URL and domain that has none (first check due at once), then queues a
`check_job` on the crawl queue for each takedown whose check is due, at most MAX_DUE per
turn, moving its next check TAKEDOWN_REVISIT_SECONDS on (a lost job is queued again then).

`check_job` looks up the registrar's abuse contacts by RDAP while it has none (through the
crawler's guarded fetcher: allowed networks, size and time limits; a refusal is recorded as
`unavailable` and officers add contacts by hand), then fetches the site through the same
fetcher and judges the answer against the evidence it was confirmed on
(`crawlers.revisit.judge_revisit`). A name that does not resolve counts as gone only when the
RDAP bootstrap's host does resolve (the network itself works); otherwise, and for any
refusal, timeout or server error, the check is `unknown` and the status stays.

Setting (app config, optional): TAKEDOWN_RDAP_BOOTSTRAP, the URL of the RDAP bootstrap file
(default IANA's https://data.iana.org/rdap/dns.json)."""
from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app

from crawlers.errors import FetchError
from crawlers.rdap import IANA_DNS_BOOTSTRAP, RdapClient, RdapError
from crawlers.revisit import judge_revisit
from crawlers.scan import scan_page
from fraudwatch.indicators import registrable_domain, shared_site
from fraudwatch.infra.extensions import db
from fraudwatch.jobs.crawling import RETRY, crawl_queue, get_fetcher
from fraudwatch.services import model_registry, takedown_checks
from fraudwatch.storage import takedowns as store
from fraudwatch.storage.models import Evidence, Indicator, utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
MAX_DUE = 200  # checks queued per sweep
CHECK_JOB = "fraudwatch.jobs.takedowns.check_job"


def bootstrap_url() -> str:
    """The RDAP bootstrap file's URL (app config TAKEDOWN_RDAP_BOOTSTRAP, else IANA's)."""
    return current_app.config.get("TAKEDOWN_RDAP_BOOTSTRAP") or IANA_DNS_BOOTSTRAP


def sweep() -> dict:
    """Open missing takedowns and queue the checks that are due; the counts."""
    now = utcnow()
    lease = now + timedelta(seconds=int(current_app.config["TAKEDOWN_REVISIT_SECONDS"]))
    opened = in_transaction(db.session, lambda: store.open_missing(db.session, now))
    due = in_transaction(db.session, lambda: store.claim_due(db.session, now, lease, MAX_DUE))
    if due:
        queue = crawl_queue()
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([queue.prepare_data(CHECK_JOB, args=(i,), retry=RETRY, result_ttl=0,
                                                   failure_ttl=7 * 86400) for i in due], pipeline=pipe)
            pipe.execute()
    if opened or due:
        log.info("takedowns: %d opened, %d checks queued", opened, len(due))
    return {"opened": opened, "queued": len(due)}


def target_url(indicator: Indicator, evidence: Evidence | None) -> str:
    """What a revisit fetches: the URL itself, or for a domain the page it was confirmed on
    (else its home page)."""
    if indicator.type == "url":
        return indicator.value
    if evidence is not None and (urlsplit(evidence.url).hostname or "").lower() == indicator.value:
        return evidence.url
    return f"http://{indicator.value}/"


def _host(indicator: Indicator) -> str:
    return (indicator.host or urlsplit(indicator.value).hostname or indicator.value).lower()


def lookup_contacts(host: str) -> tuple[list[dict], str | None]:
    """(the registrar's abuse contacts by RDAP, None) or ([], why not)."""
    if shared_site(host):
        return [], "shared hosting: notify the host by hand"
    try:
        found = RdapClient(get_fetcher(), bootstrap_url()).domain_contacts(registrable_domain(host) or host)
    except RdapError as exc:
        return [], exc.code
    return [c.as_dict() for c in found], None


def network_up() -> bool:
    """Whether this machine resolves names at all: the RDAP bootstrap's host resolves."""
    host = urlsplit(bootstrap_url()).hostname or ""
    try:
        return bool(host) and bool(get_fetcher().resolver.resolve(host, 443))
    except (FetchError, OSError, ValueError):
        return False


def _classifier():
    try:
        model = model_registry.get_classifier()
    except Exception as exc:  # noqa: BLE001 - a missing or broken model must not stop revisits
        log.warning("classifier unavailable: %s", exc)
        return None
    return None if model is None else model.classify


def _baseline(evidence: Evidence | None) -> dict | None:
    if evidence is None:
        return None
    return {"content_hash": evidence.content_hash, "title": evidence.title, "forms": evidence.forms}


def check(takedown_id: int) -> dict | None:
    """Look up contacts (while there are none), revisit the site, record the check; the check."""
    found = store.get_takedown(db.session, takedown_id)
    if found is None:
        return None
    takedown, indicator = found
    host = _host(indicator)
    if takedown_checks.needs_rdap(takedown):
        contacts, failure = lookup_contacts(host)
        takedown_checks.record_rdap(takedown_id, contacts, failure, utcnow())
    evidence = store.baseline(db.session, indicator.id)
    url = target_url(indicator, evidence)
    result, _page = scan_page(url, get_fetcher(), _classifier(), favicon=False)
    state, reason = judge_revisit(result, _baseline(evidence), network_up)
    outcome = {"state": state, "reason": reason, "url": url[:2100],
               "final_url": (result.get("final_url") or "")[:2100] or None,
               "http_status": result.get("http_status"), "title": (result.get("title") or "")[:300] or None,
               "content_hash": result.get("content_hash"),
               "verdict": (result.get("verdict") or {}).get("label"),
               "baseline_evidence_id": evidence.id if evidence is not None else None}
    takedown_checks.record_check(takedown_id, outcome, utcnow())
    return outcome


def check_job(takedown_id: int) -> dict | None:
    """RQ job: one takedown's check (idempotent: a second run records a second check)."""
    return check(takedown_id)
