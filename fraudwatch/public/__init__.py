"""Public pages (anonymous; zh, en at ?lang=en): the home page with the check box, and the
check's answer here; every other module of this package adds its pages to the blueprint (loaded
below) and its entries to the menu and the sitemap (public/nav.py).

Pages set no cookie and read the language from the URL only (fraudwatch/web/i18n.py), so a
GET page is the same for every visitor. Errors are pages in the visitor's language."""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from fraudwatch.exceptions import DomainError, Invalid
from fraudwatch.public import nav
from fraudwatch.public.cache import cached_page
from fraudwatch.services import public_check
from fraudwatch.web.errors import APIError
from fraudwatch.web.findings import (
    authority_name,
    channel_name,
    field_label,
    finding_sentence,
    text_language,
    verdict_heading,
)
from fraudwatch.web.i18n import catalog
from fraudwatch.web.i18n import mark as _l
from fraudwatch.web.labels import label
from fraudwatch.web.limits import per_caller

bp = Blueprint("public", __name__)


@bp.app_template_global()
def public_text(name: str, *args):
    """Template helpers of the public pages (findings.py), by name."""
    return {"finding": finding_sentence, "field": field_label, "verdict": verdict_heading,
            "channel": channel_name, "authority": authority_name, "example_channel": _channel_label,
            "text_lang": text_language}[name](*args)


def _channel_label(code: str) -> str:
    return label("channel", code)


@bp.get("/")
@cached_page()
def index():
    """The home page: the check box and how to tell a tax scam."""
    return render_template("public/index.html")


@bp.app_template_global()
def public_menu() -> list:
    """The site's menu entries (public/nav.py)."""
    return nav.menu()


@bp.app_template_global("public_url")
def _absolute(endpoint: str, **values) -> str:
    """A page's address for crawlers: on PUBLIC_URL when set (a Host header cannot choose it)."""
    base = current_app.config["PUBLIC_URL"] or request.url_root.rstrip("/")
    return base + url_for(endpoint, **values)


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the public pages, not the console, the API or the check's answers."""
    lines = ["User-agent: *", "Disallow: /console/", "Disallow: /api/", "Disallow: /check", "Disallow: /report/status",
             f"Sitemap: {_absolute('public.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    """The public pages, each with its zh and en addresses as alternates (hreflang)."""
    urls = [(_absolute(endpoint, **values), _absolute(endpoint, lang="en", **values))
            for endpoint, values in nav.indexed()]
    return Response(render_template("public/sitemap.xml", urls=urls), mimetype="application/xml")


@bp.post("/check")
@per_caller("ANON_LOOKUP_LIMIT")
def check():
    """The check box's answer (a plain form post; nothing is stored)."""
    text = request.form.get("text", "")
    try:
        result = public_check.check(text)
    except Invalid as exc:
        message = _ERRORS.get(exc.reason, _ERRORS["blank"])
        return render_template("public/index.html", text=text[:public_check.MAX_CHARS],
                               check_error=catalog().ugettext(message)), 400
    found = [s for s in map(finding_sentence, result["reasons"]) if s]
    return render_template("public/check.html", text=text, result=result, found=found)


_ERRORS = {  # the check's refusals (services/public_check.py reasons), as the visitor reads them
    "blank": _l("Paste something to check first."),
    "too_long": _l("That is too long: paste at most 5,000 characters."),
    "control": _l("That text holds control characters: paste it as plain text."),
}


@bp.errorhandler(APIError)
def _too_many(exc: APIError):
    status = getattr(exc, "status", 400)
    return render_template("public/error.html", status=status), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """A page in the visitor's language for 404, 405, 413... raised by a public view."""
    status = exc.code or 500
    return render_template("public/error.html", status=status), status


@bp.errorhandler(DomainError)
def _refused(exc: DomainError):
    pending = exc.reason == "stats_pending"
    page = render_template("public/error.html", status=503, pending=pending)
    return page, 503, {"Retry-After": "60"} if pending else {}


def _load_views() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_load_views()
