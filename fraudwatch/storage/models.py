"""Database tables (SQLAlchemy 2.x declarative); the schema itself is made by Alembic."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

# needs_info: the officer asked the reporter (or a colleague) for more information
REPORT_STATUSES = ("new", "triaging", "needs_info", "confirmed", "dismissed", "duplicate")
CHANNELS = ("sms", "email", "web", "phone_call", "im", "other")
# editor: writes the public site's advisories and chooses the examples it publishes
ROLES = ("officer", "admin", "enterprise", "editor")
# How a report names an indicator: in a field (`reported`), in its text (`extracted`), through a
# report merged into it (`merged`), or through the crawl of its URLs: where a URL led after
# redirects and that page's domain (`landing`), where a scam page's form sends what it asks for
# (`collector`).
LINK_ROLES = ("reported", "extracted", "merged", "landing", "collector")
CRAWL_LINK_ROLES = ("landing", "collector")  # found by a crawl: never crawled for the report themselves
# How a scam page names an indicator: its own URL or domain (`page`), a form target (`collector`).
EVIDENCE_ROLES = ("page", "collector")


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention Alembic can follow."""

    metadata = sa.MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})


class Report(Base):
    """Something a person or an import reported as a suspected scam."""

    __tablename__ = "reports"
    # The console's queue: keyset pages in risk order, also within one value of each filter the
    # queue has (see storage/queue.py; migration 0006 made the per-filter ones).
    __table_args__ = (sa.Index("ix_reports_queue", "queue_rank", "id"),
                      *(sa.Index(f"ix_reports_{column}_queue", column, "queue_rank", "id") for column in (
                          "status", "source", "channel", "verdict_label", "verdict_authority",
                          "verdict_category", "assigned_to")))
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(sa.String(16), default="other")
    source: Mapped[str] = mapped_column(sa.String(16), default="api")
    message_text: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    domain: Mapped[str | None] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    company: Mapped[str | None] = mapped_column(sa.String(300))
    bank_account: Mapped[str | None] = mapped_column(sa.String(64))
    description: Mapped[str | None] = mapped_column(sa.Text)
    reporter_contact: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(16), default="new", index=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id", ondelete="SET NULL"))
    submitted_by: Mapped[str | None] = mapped_column(sa.String(64))
    verdict: Mapped[dict | None] = mapped_column(JSONType)
    verdict_label: Mapped[str | None] = mapped_column(sa.String(16))
    scam_score: Mapped[float | None] = mapped_column(sa.Float)
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Triage (console): the verdict's authority and category as columns to filter on, the
    # model version that gave the verdict, how risky the report is (`risk`, 0-100) and its
    # place in the queue (`queue_rank`: risk with recency, imports below live reports).
    verdict_authority: Mapped[str | None] = mapped_column(sa.String(32))
    verdict_category: Mapped[str | None] = mapped_column(sa.String(32))
    model_version: Mapped[str | None] = mapped_column(sa.String(64))
    reporter_count: Mapped[int] = mapped_column(default=1, server_default="1")
    risk: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    risk_base: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")  # risk but indicators
    queue_rank: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    assigned_to: Mapped[str | None] = mapped_column(sa.String(120))
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True)
    # a report from the public site's form: the receipt number its reporter follows it by
    receipt: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    region: Mapped[str | None] = mapped_column(sa.String(32))  # province/state, given or read off the phone

    history: Mapped[list[StatusChange]] = relationship(
        back_populates="report", order_by="StatusChange.id", cascade="all, delete-orphan")
    links: Mapped[list[ReportIndicator]] = relationship(back_populates="report", cascade="all, delete-orphan")


class StatusChange(Base):
    """One change of a report's status: who, when, why."""

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    report: Mapped[Report] = relationship(back_populates="history")


class Indicator(Base):
    """One normalised (type, value): a URL, domain, phone, e-mail, company or bank account."""

    __tablename__ = "indicators"
    __table_args__ = (sa.UniqueConstraint("type", "value", name="uq_indicators_type_value"),
                      sa.Index("ix_indicators_type_match_key", "type", "match_key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(2100))
    match_key: Mapped[str] = mapped_column(sa.String(2100))
    display: Mapped[str] = mapped_column(sa.String(2100))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    scope: Mapped[str] = mapped_column(sa.String(2100))
    status: Mapped[str] = mapped_column(sa.String(16), default="suspected")
    source: Mapped[str] = mapped_column(sa.String(32), default="report")
    note: Mapped[str | None] = mapped_column(sa.Text)
    report_count: Mapped[int] = mapped_column(default=0)
    # kept in step as links are added and linked reports change status (storage/indicators.py)
    confirmed_count: Mapped[int] = mapped_column(default=0, server_default="0")  # linked reports confirmed
    open_count: Mapped[int] = mapped_column(default=0, server_default="0")  # linked reports not decided yet
    queue_tier: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")  # in reports' risk
    max_score: Mapped[float | None] = mapped_column(sa.Float)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # lifecycle (issue #13): the confidence a source gave it (None: derived from status and
    # source), how often it was seen again, and when an accepted appeal took it off the lists
    confidence: Mapped[float | None] = mapped_column(sa.Float)
    sighting_count: Mapped[int] = mapped_column(default=0, server_default="0")
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    links: Mapped[list[ReportIndicator]] = relationship(back_populates="indicator")


class ReportIndicator(Base):
    """A report mentions an indicator (role: one of LINK_ROLES)."""

    __tablename__ = "report_indicators"
    # an indicator's reports newest first, and a chunk after a report id, are index ranges
    __table_args__ = (sa.Index("ix_report_indicators_indicator_report", "indicator_id", "report_id"),)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16), default="reported")
    report: Mapped[Report] = relationship(back_populates="links")
    indicator: Mapped[Indicator] = relationship(back_populates="links")


class PendingJob(Base):
    """Follow-up work recorded with the data it concerns, so no job is lost when Redis is down."""

    __tablename__ = "pending_jobs"
    __table_args__ = (sa.Index("ix_pending_jobs_open", "done_at", "enqueued_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    target_id: Mapped[int] = mapped_column()
    # the queue role it is put on (`live` or `bulk`, see infra/redis_keys.QUEUE_ROLES), so
    # that the pump puts it back where it belongs
    queue: Mapped[str] = mapped_column(sa.String(16), default="live", server_default="live")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())  # retry backoff: not enqueued before
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last attempt began
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # given up after MAX_ATTEMPTS


class AuditEvent(Base):
    """An action on people's data or the system, kept for accountability: who, what, when."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(32))
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[int | None] = mapped_column()
    detail: Mapped[dict | None] = mapped_column(JSONType)
    address: Mapped[str | None] = mapped_column(sa.String(64))  # where the request came from


class Evidence(Base):
    """What a crawl of a URL found (final URL, status, hash, title, signals, verdict)."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("indicators.id", ondelete="SET NULL"), index=True)
    url: Mapped[str] = mapped_column(sa.Text)
    final_url: Mapped[str | None] = mapped_column(sa.Text)
    http_status: Mapped[int | None] = mapped_column()
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str | None] = mapped_column(sa.Text)
    excerpt: Mapped[str | None] = mapped_column(sa.Text)
    signals: Mapped[list | None] = mapped_column(JSONType)
    verdict: Mapped[dict | None] = mapped_column(JSONType)
    error: Mapped[dict | None] = mapped_column(JSONType)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the page's forms: action (target URL), method, what they ask for, whether cross-domain
    forms: Mapped[list | None] = mapped_column(JSONType)


class EvidenceIndicator(Base):
    """A page judged scam names an indicator: its URL or domain (`page`) or a form target
    (`collector`). What makes an indicator suspected on crawl evidence, and what its lookup
    shows of the page."""

    __tablename__ = "evidence_indicators"
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(sa.String(16))


class User(Base):
    """An officer, an admin or an enterprise customer."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    rate_limit: Mapped[str | None] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # People sign in to the console: a memory-hard hash (argon2id), an optional TOTP secret,
    # their language, and an epoch that ends every session when bumped (sign-out everywhere,
    # password change, deactivation).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """An API token or key; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    label: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user: Mapped[User] = relationship(back_populates="tokens")


class ReportNote(Base):
    """An officer's note on a report."""

    __tablename__ = "report_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Campaign(Base):
    """Reports grouped because they share an indicator, a collecting domain or near-identical text."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # what groups it, e.g. "domain:etax-cn.top"
    kind: Mapped[str] = mapped_column(sa.String(16))  # indicator | collector | text
    title: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(16), default="open", server_default="open")
    report_count: Mapped[int] = mapped_column(default=0, server_default="0")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    authorities: Mapped[list | None] = mapped_column(JSONType)
    patterns: Mapped[list | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportBand(Base):
    """One MinHash band of a report's text: reports sharing a band have near-identical text."""

    __tablename__ = "report_bands"
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class ModelVersion(Base):
    """A trained classifier in the registry: where it is, how it scored, whether it is in use.

    Exactly one version has status `active` once any has been promoted; web and worker
    processes follow it (services/model_registry.py)."""

    __tablename__ = "model_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(64), unique=True)
    path: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="candidate")  # candidate|active|retired|rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    metrics: Mapped[dict | None] = mapped_column(JSONType)
    comparison: Mapped[dict | None] = mapped_column(JSONType)  # candidate vs the active model, same data
    note: Mapped[str | None] = mapped_column(sa.Text)


class Attachment(Base):
    """A file sent with a report: a screenshot, re-encoded (its metadata gone), and the text OCR
    read in it (`ocr_status`: pending, done, failed or unavailable when no OCR engine is installed)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="screenshot")
    media_type: Mapped[str] = mapped_column(sa.String(32))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    ocr_text: Mapped[str | None] = mapped_column(sa.Text)
    ocr_status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublishedExample(Base):
    """A confirmed report shown on the public site as an example of its scam pattern: its text
    redacted and its links defanged when published (`state`: published or withdrawn, by an
    editor or because the report is no longer confirmed)."""

    __tablename__ = "published_examples"
    # a pattern page: its published examples, newest first
    __table_args__ = (sa.Index("ix_published_examples_pattern_state_id", "pattern", "state", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    pattern: Mapped[str] = mapped_column(sa.String(32))
    authority: Mapped[str | None] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16), default="published")
    chosen_by: Mapped[str] = mapped_column(sa.String(120))  # "auto" or the editor
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Advisory(Base):
    """A short advisory an editor writes for the public site, in one language (Markdown, kept
    with its sanitised HTML); `status`: draft, published or withdrawn."""

    __tablename__ = "advisories"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(200))
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    pattern: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    author: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class WatchEntry(Base):
    """Something an enterprise or a tax office owns or cares about (kind: domain, brand,
    company or phone), matched by `match_key` against what reports, crawls and feeds bring."""

    __tablename__ = "watch_entries"
    __table_args__ = (sa.UniqueConstraint("owner_id", "kind", "match_key", name="uq_watch_entries_owner_kind_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(300))
    match_key: Mapped[str] = mapped_column(sa.String(300), index=True)
    label: Mapped[str | None] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertChannel(Base):
    """Where a watcher's alerts go: a webhook (signed with `secret`) or an e-mail address."""

    __tablename__ = "alert_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # webhook | email
    target: Mapped[str] = mapped_column(sa.String(2100))
    secret: Mapped[str | None] = mapped_column(sa.String(128))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Alert(Base):
    """A watch entry matched something new; `dedupe_key` makes each match alert once."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("watch_entries.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(32))  # match | lookalike | confirmed
    subject_type: Mapped[str] = mapped_column(sa.String(16))  # report | indicator | evidence | feed | domain_list
    subject_id: Mapped[int | None] = mapped_column()
    subject: Mapped[str] = mapped_column(sa.String(2100))
    dedupe_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    detail: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AlertDelivery(Base):
    """One alert (or a test message, without an alert) sent to one channel, with its attempts."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("alert_channels.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SiteSnapshot(Base):
    """Figures the public site shows, computed by a job (statistics over every report) and read
    by pages in one row."""

    __tablename__ = "site_snapshots"
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    body: Mapped[dict] = mapped_column(JSONType)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedEntry(Base):
    """An indicator as the outgoing feeds last published it. One writer (the feed sweep) keeps
    these in step with the indicators and gives every change the next `seq`, so `seq` is the
    incremental feeds' cursor: entries with a higher seq changed after it. `listed` false is a
    removal (dismissed, delisted, expired) that incremental readers still need to hear of."""

    __tablename__ = "feed_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(unique=True)  # no foreign key: a removal outlives its row
    feed: Mapped[str] = mapped_column(sa.String(16))  # confirmed | suspected
    type: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(2100))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    confidence: Mapped[float] = mapped_column(sa.Float, default=0.0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    campaign_id: Mapped[int | None] = mapped_column(index=True)  # a campaign's STIX objects, MISP event
    authority: Mapped[str | None] = mapped_column(sa.String(32))
    listed: Mapped[bool] = mapped_column(default=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    __table_args__ = (sa.Index("ix_feed_entries_feed_listed_seq", "feed", "listed", "seq"),)


class Sighting(Base):
    """An indicator seen again: in a report, a crawl or an import. Refreshes its decay."""

    __tablename__ = "sightings"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(sa.String(32))  # report | crawl | import:<name>
    ref: Mapped[str | None] = mapped_column(sa.String(200))  # report id, evidence id, import run id
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    __table_args__ = (sa.Index("ix_sightings_indicator_seen", "indicator_id", "seen_at"),)


class Appeal(Base):
    """The owner of a listed domain, phone, company... disputes the listing."""

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(sa.String(24), unique=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(2100))
    indicator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("indicators.id", ondelete="SET NULL"), index=True)
    owner_name: Mapped[str] = mapped_column(sa.String(300))
    contact_email: Mapped[str] = mapped_column(sa.String(320))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(64))
    explanation: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open | accepted | rejected
    submitted_by: Mapped[str | None] = mapped_column(sa.String(64))  # API user, or None from the public form
    address: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(sa.String(120))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)


class Takedown(Base):
    """Taking a confirmed URL or domain down: who to tell, and whether it still serves the scam."""

    __tablename__ = "takedowns"
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open | notified | down | back
    abuse_contacts: Mapped[list | None] = mapped_column(JSONType)  # [{"party", "contact", "source"}]
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    down_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_check: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TakedownNotice(Base):
    """One notification of a takedown: to the registrar, the host or a CERT, and what came of it."""

    __tablename__ = "takedown_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    takedown_id: Mapped[int] = mapped_column(sa.ForeignKey("takedowns.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(sa.String(16))  # registrar | host | cert
    contact: Mapped[str] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(16), default="sent")  # sent | acknowledged | acted | refused
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImportSource(Base):
    """A feed fraudwatch pulls on a schedule (URLhaus, PhishTank, OpenPhish, MISP, STIX)."""

    __tablename__ = "import_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    format: Mapped[str] = mapped_column(sa.String(16))  # urlhaus_csv, urlhaus_json, phishtank, openphish, misp, stix
    url: Mapped[str] = mapped_column(sa.String(2100))
    status: Mapped[str] = mapped_column(sa.String(16), default="suspected")  # what its rows are listed as
    confidence: Mapped[float] = mapped_column(sa.Float, default=0.5)
    licence: Mapped[str | None] = mapped_column(sa.String(300))
    interval_seconds: Mapped[int] = mapped_column(default=3600)
    enabled: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(sa.String(300))
    last_modified: Mapped[str | None] = mapped_column(sa.String(64))
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImportRun(Base):
    """One import of a file or one pull of a source: rows read, imported and refused, why and a
    sample of the refused ones."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(64), index=True)
    format: Mapped[str] = mapped_column(sa.String(16))
    confidence: Mapped[float | None] = mapped_column(sa.Float)
    licence: Mapped[str | None] = mapped_column(sa.String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rows: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    bad: Mapped[int] = mapped_column(default=0)
    bad_reasons: Mapped[dict | None] = mapped_column(JSONType)  # reason -> count
    samples: Mapped[list | None] = mapped_column(JSONType)  # [{"line", "reason", "text"}], a few
    not_modified: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(sa.Text)
