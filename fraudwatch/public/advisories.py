"""Advisories on the public site (written by editors, console/editor_page.py) and the feeds
of advisories and confirmed examples (Atom and RSS 2.0, in the language of `?lang`)."""
from __future__ import annotations

from flask import Response, abort, render_template

from fraudwatch.infra.extensions import db
from fraudwatch.public import bp, nav
from fraudwatch.public.cache import cached_page
from fraudwatch.services import advisories, publishing
from fraudwatch.storage.models import utcnow
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.i18n import select_locale

FEED_ENTRIES = 50
FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}

nav.add_page("public.advisories_page", _l("Advisories"), order=30)
nav.add_indexed(lambda: [("public.advisory", {"slug": a.slug}) for a in advisories.published(db.session, limit=500)])


@bp.get("/advisories")
@cached_page()
def advisories_page():
    """Published advisories, those in the page's language first."""
    language = select_locale()
    rows = advisories.published(db.session, limit=100)
    mine = [a for a in rows if a.language == language]
    others = [a for a in rows if a.language != language]
    return render_template("public/advisories.html", mine=mine, others=others)


@bp.get("/advisories/<slug>")
@cached_page()
def advisory(slug: str):
    """One published advisory."""
    found = advisories.by_slug(db.session, slug) if advisories.valid_slug(slug) else None
    if found is None:
        abort(404)
    return render_template("public/advisory.html", advisory=found)


@bp.get("/feeds/advisories.<kind>")
@cached_page()
def advisories_feed(kind: str):
    """The latest advisories in the page's language as Atom or RSS."""
    if kind not in FEED_TYPES:
        abort(404)
    rows = advisories.published(db.session, select_locale(), limit=FEED_ENTRIES)
    return _feed(kind, "advisories", rows)


@bp.get("/feeds/examples.<kind>")
@cached_page()
def examples_feed(kind: str):
    """The latest confirmed examples of every pattern as Atom or RSS."""
    if kind not in FEED_TYPES:
        abort(404)
    return _feed(kind, "examples", publishing.published(db.session, limit=FEED_ENTRIES))


def _feed(kind: str, name: str, rows: list) -> Response:
    body = render_template(f"public/feed.{kind}.xml", name=name, rows=rows, updated=utcnow())
    return Response(body, mimetype=FEED_TYPES[kind])
