"""Erasing a reporter's personal data (issue #8): `erase_reporter(contact, actor=...)`.

Where the app keeps a reporter's contact: `reports.reporter_contact`; and, since people
paste their own messages, the texts of their reports (message, description, the fields they
filled, the classifier's verdict), those reports' history (`status_changes.reason`), crawl
evidence and job errors, the indicators extracted from them (their own e-mail or phone), the
audit trail, the screenshots sent with them (deleted whole: a picture is not scrubbed), and
the appeals they filed as the owner of a listed value (their name, contact, address and
explanation: the appeal and its decision stay, about the listed value). One
transaction changes all of it: the contact column is emptied, each
occurrence in a text becomes MARKER, an indicator that names the contact is deleted when
only this reporter's reports link to it (else it is unlinked from them and recounted), and
after the commit the lookup cache of every scope touched and the crawler's cached scans of
the URLs involved are dropped from Redis. Other reporters' reports are not touched, even
where they mention the contact. The app writes no log files:
it logs to stdout/stderr (kept by the process supervisor) and never logs a contact.

Contacts compare as e-mail addresses (case-insensitive, normalised like indicators), as
phone numbers (E.164: '+86 139 0000 1111' is '13900001111') or, anything else, exactly.
"""
from __future__ import annotations

import functools
import hmac
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from urllib.parse import quote

import phonenumbers
from flask import current_app

from fraudwatch.exceptions import Invalid
from fraudwatch.indicators import normalize_email, normalize_phone
from fraudwatch.infra import cache, redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.services.validation import clean_string
from fraudwatch.storage import attachments as attachment_store
from fraudwatch.storage import erasure as store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.indicators import recount_indicators
from fraudwatch.storage.models import Indicator
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
MARKER = "[erased]"
REPORT_TEXTS = ("message_text", "description", "url", "domain", "phone", "email", "company", "bank_account")
EVIDENCE_TEXTS = ("url", "final_url", "title", "excerpt", "signals", "verdict", "error", "forms")
_EDGE = {"email": "A-Za-z0-9._%+-", "phone": "0-9", "other": "A-Za-z0-9_"}  # a spelling must not touch these


def _key(kind: str, text: str, region: str) -> str | None:
    """The comparable form of `text` as a contact of `kind`, or None when it is not one."""
    try:
        if kind == "email":
            return normalize_email(text).value if "@" in text else None
        if kind == "phone":
            return normalize_phone(text, region).value if "@" not in text else None
    except ValueError:
        return None
    return text.strip()


@dataclass(frozen=True)
class Contact:
    """A reporter's contact: its kind, comparable key and the spellings looked for in texts."""

    kind: str  # email, phone or other
    key: str  # lower-case e-mail, E.164 phone, or the text itself
    region: str
    spellings: frozenset[str] = field(default_factory=frozenset)

    def matches(self, stored: str | None) -> bool:
        """True when a stored reporter contact is this contact."""
        return bool(stored) and _key(self.kind, stored, self.region) == self.key

    def with_spellings(self, texts: Iterable[str | None]) -> Contact:
        """The same contact, also looked for as written in `texts` (the stored contacts)."""
        return replace(self, spellings=self.spellings | {t.strip() for t in texts if t and t.strip()})

    @functools.cached_property
    def _pattern(self) -> re.Pattern:
        edge, parts = _EDGE[self.kind], []
        for text in sorted(self.spellings, key=lambda s: (-len(s), s)):
            left = f"(?<![{edge}])" if re.match(f"[{edge}]", text[0]) else ""
            right = f"(?![{edge}])" if re.match(f"[{edge}]", text[-1]) else ""
            if self.kind == "email":
                right = r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"  # a longer domain, not a full stop
            parts.append(left + re.escape(text) + right)
        return re.compile("|".join(parts) or "(?!)", re.IGNORECASE if self.kind == "email" else 0)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the contact is written in `text`, as merged (start, end) spans."""
        found = [m.span() for m in self._pattern.finditer(text)]
        if self.kind == "phone":
            for match in phonenumbers.PhoneNumberMatcher(text, self.region, leniency=phonenumbers.Leniency.POSSIBLE):
                if phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164) == self.key:
                    found.append((match.start, match.end))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def scrub(self, value: object, *, whole: bool = False) -> tuple[object, int]:
        """`value` (a text or JSON) with the contact replaced by MARKER, and how many times;
        with `whole`, only strings that are nothing but the contact are replaced."""
        if isinstance(value, str):
            spans = ([(0, len(value))] if self.matches(value) or value.strip() in self.spellings else []) \
                if whole else self.spans(value)
            out, last = [], 0
            for start, end in spans:
                out += [value[last:start], MARKER]
                last = end
            return "".join(out) + value[last:], len(spans)
        if isinstance(value, list):
            pairs = [self.scrub(v, whole=whole) for v in value]
            return [v for v, _ in pairs], sum(n for _, n in pairs)
        if isinstance(value, dict):
            pairs = {k: self.scrub(v, whole=whole) for k, v in value.items()}
            return {k: v for k, (v, _) in pairs.items()}, sum(n for _, n in pairs.values())
        return value, 0

    def digest(self, secret: str) -> str:
        """HMAC-SHA-256 of the contact keyed with `secret`: the audit trail's name for it."""
        return hmac.new(secret.encode(), f"{self.kind}:{self.key}".encode(), "sha256").hexdigest()


def parse_contact(raw: object, region: str) -> Contact:
    """A contact as given on the command line, cleaned like a stored one (raises Invalid)."""
    errors: dict[str, str] = {}
    text = clean_string(raw, "reporter_contact", errors)
    if errors:
        raise Invalid(f"CONTACT {errors['reporter_contact']}", fields={"contact": errors["reporter_contact"]})
    if text is None:
        raise Invalid("CONTACT is empty", fields={"contact": "required"})
    kind, key = next(((k, v) for k in ("email", "phone") if (v := _key(k, text, region))), ("other", text))
    spellings = {text, key}
    if kind == "email":
        spellings.add(quote(key, safe=""))  # in a URL's query: victim%40example.com
    if kind == "phone":
        number = phonenumbers.parse(key)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        spellings |= {str(number.national_number), re.sub(r"\D", "", national)}
    return Contact(kind, key, region, frozenset(spellings))


@dataclass
class Erasure:
    """What an erasure changed (or, in a dry run, would change)."""

    reports: int = 0
    history: int = 0
    indicators: int = 0
    evidence: int = 0
    jobs: int = 0
    audit_events: int = 0
    attachments: int = 0  # screenshots deleted (they may show the reporter's own data)
    appeals: int = 0  # appeals whose appellant was this contact: their personal fields erased
    dry_run: bool = False
    cache_dropped: bool = True  # False when Redis could not be reached: cached lookups expire by TTL


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, to roll it back with its counts."""

    def __init__(self, result: Erasure) -> None:
        super().__init__("dry run")
        self.result = result


def erase_reporter(raw: str, *, actor: str, dry_run: bool = False) -> Erasure:
    """Remove a reporter's contact everywhere the app keeps it, in one transaction, and
    record it in the audit trail (a keyed digest of the contact, never the contact)."""
    contact = parse_contact(raw, current_app.config["PHONE_REGION"])
    actor = (actor or "").strip()
    if not 0 < len(actor) <= 120:
        raise Invalid("the actor must be 1 to 120 characters", fields={"actor": "1 to 120 characters"})
    digest = contact.digest(current_app.config["SECRET_KEY"])

    def work() -> tuple[Erasure, set[str], set[str]]:
        result, scopes, urls = _erase(contact)
        if dry_run:
            raise _DryRun(result)
        detail = {k: v for k, v in asdict(result).items() if k not in ("dry_run", "cache_dropped")}
        add_audit_event(db.session, actor=actor, action="erase_reporter", target_type="reporter",
                        detail={**detail, "contact_kind": contact.kind, "contact_sha256": digest})
        return result, scopes, urls

    try:
        result, scopes, urls = in_transaction(db.session, work)  # run again if it loses a deadlock
    except _DryRun as dry:
        db.session.rollback()
        return replace(dry.result, dry_run=True)
    except BaseException:
        db.session.rollback()
        raise
    result.cache_dropped = cache.invalidate(scopes)
    _forget_scans(urls)
    return result


def _forget_scans(urls: set[str]) -> None:
    """Drop the crawler's cached scans of these URLs (kept in Redis for the revisit window)."""
    keys = []
    for url in urls:
        try:
            keys.append(redis_keys.crawl_result(url))
        except ValueError:  # not a URL the crawler could have fetched
            continue
    try:
        if keys:
            redis_store.client.delete(*keys)
    except Exception as exc:  # noqa: BLE001 - they expire with CRAWL_REVISIT_SECONDS anyway
        log.warning("cached scans of %d erased URL(s) not dropped (they expire): %s", len(keys), exc)


def _erase(contact: Contact) -> tuple[Erasure, set[str], set[str]]:
    """Change every row; return the counts, the lookup scopes and the URLs to forget."""
    session = db.session
    ids = store.reports_with_contact(session, contact.matches)
    reports = store.lock_reports(session, ids)
    contact = contact.with_spellings(report.reporter_contact for report in reports)
    for report in reports:
        report.reporter_contact = None
        _scrub(contact, report, REPORT_TEXTS + ("verdict",))
    result = Erasure(reports=len(reports))
    result.history = sum(_scrub(contact, row, ("reason",)) for row in store.history_of(session, ids))
    evidence = store.evidence_of(session, ids)
    urls = {u for row in evidence for u in (row.url, row.final_url) if u and contact.spans(u)}
    result.evidence = sum(_scrub(contact, row, EVIDENCE_TEXTS) for row in evidence)
    result.jobs = sum(_scrub(contact, row, ("last_error",)) for row in store.jobs_of(session, ids))
    result.audit_events = sum(_scrub(contact, row, ("detail",), whole=contact.kind == "other")
                              for row in store.audit_events(session))
    result.attachments = attachment_store.delete_for_reports(session, ids)
    result.appeals = _erase_appeals(contact)
    result.indicators, scopes, named_urls = _drop_indicators(contact, ids)
    store.write_changes(session)
    return result, scopes, urls | named_urls


def _erase_appeals(contact: Contact) -> int:
    """The appellant's name, contact, address and explanation leave their appeals (the appeal,
    what it is about and its decision stay: the listing's history)."""
    appeals = store.appeals_with_contact(db.session, contact.matches)
    for appeal in appeals:
        appeal.owner_name, appeal.contact_email, appeal.contact_phone = MARKER, MARKER, None
        appeal.explanation, appeal.address = MARKER, None
    return len(appeals)


def _scrub(contact: Contact, row: object, names: tuple[str, ...], *, whole: bool = False) -> bool:
    """Scrub these columns of an ORM row in place; True when any changed. A text that grows
    (a contact shorter than MARKER) is cut to its column's length."""
    changed = False
    for name in names:
        value, hits = contact.scrub(getattr(row, name), whole=whole)
        if hits:
            length = getattr(type(row).__table__.c[name].type, "length", None)
            setattr(row, name, value[:length] if length and isinstance(value, str) else value)
            changed = True
    return changed


def _names_contact(contact: Contact, indicator: Indicator) -> bool:
    """An indicator that is the contact, or (e-mail, phone) holds it, as a URL's query may."""
    if indicator.value == contact.key or contact.kind == "other":
        return indicator.value == contact.key
    return bool(contact.spans(indicator.value) or contact.spans(indicator.display))


def _drop_indicators(contact: Contact, report_ids: list[int]) -> tuple[int, set[str], set[str]]:
    """Delete the indicators naming the contact that only these reports link to; unlink the
    others from these reports and recount them. Returns (how many, scopes touched, URLs)."""
    session = db.session
    named = [i for i in store.linked_indicators(session, report_ids) if _names_contact(contact, i)]
    if not named:
        return 0, set(), set()
    store.lock_for_delete(session, [i.id for i in named])
    shared = store.linked_elsewhere(session, [i.id for i in named], report_ids)
    doomed = [i for i in named if i.id not in shared and i.source == "report"]
    kept = [i.id for i in named if i not in doomed]
    scopes = {i.scope for i in named}
    store.delete_indicators(session, doomed)
    store.unlink(session, report_ids, kept)
    scopes |= recount_indicators(session, kept)
    return len(named), scopes, {i.value for i in named if i.type == "url"}

