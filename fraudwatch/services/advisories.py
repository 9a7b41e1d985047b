"""Advisories: short notes editors write for the public site, in zh or en, in Markdown.

Markdown is rendered once, when saved (markdown-it-py, CommonMark, raw HTML off), then
sanitised with nh3 to a small set of tags (paragraphs, headings, lists, emphasis, code,
quotes, tables, links): links only to http(s) or mailto, with rel="nofollow noopener
noreferrer"; no images, scripts, styles or attributes beyond a link's href and title. The
page shows the stored HTML; the Markdown is kept for editing. Every change is audited."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import nh3
from markdown_it import MarkdownIt

from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra import page_cache
from fraudwatch.infra.extensions import db
from fraudwatch.services.publishing import SLUGS
from fraudwatch.storage import advisories as store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import Advisory, utcnow
from fraudwatch.storage.transactions import in_transaction

MAX_TITLE = 200
MAX_BODY = 20_000
LANGUAGES = ("zh", "en")
STATUSES = ("draft", "published", "withdrawn")
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])")
TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "a", "br", "hr",
        "table", "thead", "tbody", "tr", "th", "td"}
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def valid_slug(slug: str) -> bool:
    """True when `slug` can be an advisory's address (checked before any query)."""
    return bool(_SLUG.fullmatch(slug))


def render(markdown: str) -> str:
    """Safe HTML of an advisory's Markdown."""
    return render_stored(_markdown.render(markdown))


def _text(fields: dict, name: str, limit: int, *, required: bool = True, multiline: bool = False) -> str | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise Invalid("missing field", fields={name: "required"}, reason="required", params={"field": name})
        return None
    if not isinstance(value, str):
        raise Invalid("wrong type", fields={name: "must be text"}, reason="required", params={"field": name})
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise Invalid("too long", fields={name: f"at most {limit} characters"}, reason="too_long",
                      params={"field": name, "limit": limit})
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in value):
        raise Invalid("control characters", fields={name: "must not contain control characters"},
                      reason="control", params={"field": name})
    return value


def _clean(fields: dict, advisory_id: int | None) -> dict:
    title = _text(fields, "title", MAX_TITLE)
    body = _text(fields, "body", MAX_BODY, multiline=True)
    language = fields.get("language") or "zh"
    if language not in LANGUAGES:
        raise Invalid("unknown language", fields={"language": "must be zh or en"}, reason="language",
                      params={"field": "language"})
    pattern = fields.get("pattern") or None
    if pattern is not None and pattern not in SLUGS:
        raise Invalid("unknown pattern", fields={"pattern": "must be one of the scam patterns"}, reason="pattern",
                      params={"field": "pattern"})
    slug = (fields.get("slug") or "").strip().lower() or None
    if slug is not None and not (isinstance(slug, str) and _SLUG.fullmatch(slug)):
        raise Invalid("bad address", fields={"slug": "3-80 lower-case letters, digits and hyphens"}, reason="slug",
                      params={"field": "slug"})
    return {"title": title, "body": body, "language": language, "pattern": pattern, "slug": slug,
            "advisory_id": advisory_id}


def save(fields: dict, editor: str, advisory_id: int | None = None, address: str | None = None) -> Advisory:
    """Create (no id) or update an advisory from an editor's form; it stays in its status."""
    clean = _clean(fields, advisory_id)
    session = db.session

    def work() -> Advisory:
        now = utcnow()
        advisory = None
        if advisory_id is not None:
            advisory = store.get(session, advisory_id, lock=True)
            if advisory is None:
                raise NotFound(f"advisory {advisory_id} not found")
        slug = clean["slug"] or (advisory.slug if advisory is not None else _new_slug(now))
        if store.slug_taken(session, slug, other_than=advisory_id):
            raise Invalid("address taken", fields={"slug": "another advisory has this address"},
                          reason="slug_taken", params={"field": "slug"})
        fields = {"slug": slug, "title": clean["title"], "language": clean["language"], "pattern": clean["pattern"],
                  "body_markdown": clean["body"], "body_html": render(clean["body"]), "updated_at": now}
        if advisory is None:
            advisory = Advisory(status="draft", author=editor, created_at=now, **fields)
            store.add(session, advisory)
        else:
            for name, value in fields.items():
                setattr(advisory, name, value)
        add_audit_event(session, actor=editor, action="advisory.save", target_type="advisory",
                        target_id=advisory.id, detail={"slug": slug}, address=address)
        return advisory

    advisory = in_transaction(session, work)
    page_cache.bump()  # a published advisory's new words, or its new status, are shown at once
    return advisory


def _new_slug(now: datetime) -> str:
    return f"{now:%Y-%m-%d}-{now:%H%M%S}-{now.microsecond:06d}"


def set_status(advisory_id: int, status: str, editor: str, address: str | None = None) -> Advisory:
    """Publish, withdraw or return an advisory to draft."""
    if status not in STATUSES:
        raise Invalid("unknown status", fields={"status": "must be draft, published or withdrawn"})
    session = db.session

    def work() -> Advisory:
        advisory = store.get(session, advisory_id, lock=True)
        if advisory is None:
            raise NotFound(f"advisory {advisory_id} not found")
        before, advisory.status, advisory.updated_at = advisory.status, status, utcnow()
        if status == "published" and advisory.published_at is None:
            advisory.published_at = advisory.updated_at
        add_audit_event(session, actor=editor, action=f"advisory.{status}", target_type="advisory",
                        target_id=advisory.id, detail={"from": before}, address=address)
        return advisory

    advisory = in_transaction(session, work)
    page_cache.bump()  # a published advisory's new words, or its new status, are shown at once
    return advisory


published = store.published
by_slug = store.by_slug
for_editor = store.for_editor
get = store.get


def render_stored(html: str) -> str:
    """Stored advisory HTML sanitised again with the same rules (defence in depth where shown)."""
    return nh3.clean(html, tags=TAGS, attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")
