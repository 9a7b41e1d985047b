"""Scam pattern pages: how each pattern works and how to tell, with live examples from
confirmed reports, redacted and defanged when they were published (services/publishing.py);
and the latest confirmed examples of every pattern."""
from __future__ import annotations

from flask import abort, render_template, request

from fraudwatch.infra.extensions import db
from fraudwatch.public import bp, nav
from fraudwatch.public.cache import cached_page
from fraudwatch.services import publishing
from fraudwatch.services.vendor_check import official_channels
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.pattern_texts import TEXTS

PAGE = 20  # examples per page

nav.add_page("public.patterns", _l("Scam patterns"), order=10)
nav.add_indexed(lambda: [("public.pattern", {"slug": slug}) for slug in publishing.SLUGS])


@bp.get("/patterns")
@cached_page()
def patterns():
    """Every pattern with its summary and how many confirmed examples it has; the latest examples."""
    counts = publishing.counts_by_pattern(db.session)
    latest = publishing.published(db.session, limit=10)
    return render_template("public/patterns.html", slugs=publishing.SLUGS, texts=TEXTS, counts=counts,
                           latest=latest)


@bp.get("/patterns/<slug>")
@cached_page("before")
def pattern(slug: str):
    """One pattern: how it works, how to tell, what to do, official channels, live examples."""
    text = TEXTS.get(slug)
    if text is None:
        abort(404)
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**62:
        abort(404)
    found = publishing.published(db.session, slug, limit=PAGE + 1, before_id=before)
    channels = [official_channels(code) for code in text.authorities]
    return render_template("public/pattern.html", slug=slug, text=text, examples=found[:PAGE],
                           older=found[PAGE - 1].id if len(found) > PAGE else None, channels=channels)


@bp.app_template_global()
def latest_examples(limit: int = 5) -> list:
    """The newest published examples (the home page shows them)."""
    return publishing.published(db.session, limit=limit)
