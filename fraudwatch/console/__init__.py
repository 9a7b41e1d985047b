"""The officer console (`/console`): one blueprint for people signed in with a password.

Every module of this package is imported when the blueprint is (`_load_views`), so a page
module attaches its views to `bp` and its menu entry (`nav.add_nav`) by existing; nobody
edits a shared list. Shared by all pages: sign-in state and roles (`session`), CSRF on
every state-changing request (`csrf`), HTML error pages, and the templates under
templates/console/ (base.html: blocks `title` and `content`)."""
from __future__ import annotations

import importlib
import logging
import pkgutil

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from fraudwatch.console.csrf import check_csrf, csrf_token
from fraudwatch.console.nav import nav_for
from fraudwatch.console.refusals import refusal_text
from fraudwatch.console.session import current_user
from fraudwatch.exceptions import DomainError
from fraudwatch.web.errors import DOMAIN_STATUS

log = logging.getLogger(__name__)
bp = Blueprint("console", __name__, url_prefix="/console")
DEV_SECRET_KEY = "dev-only-not-secret"  # config.py's default: anyone can sign console sessions with it


@bp.record_once
def _check_secret(state) -> None:
    config = state.app.config
    if config["SECRET_KEY"] == DEV_SECRET_KEY and not (config.get("TESTING") or state.app.debug):
        log.warning("SECRET_KEY is the development value: anyone can forge console sessions; set SECRET_KEY")


@bp.before_request
def _before() -> None:
    check_csrf()
    current_user()


@bp.app_context_processor
def _globals() -> dict:
    return {"csrf_token": csrf_token}


@bp.context_processor
def _page_globals() -> dict:
    user = current_user()
    return {"current_user": user, "console_nav": nav_for(user)}


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Errors of console pages as a console page (with the reason where one was given)."""
    if exc.code is None or exc.code < 400:
        return exc
    response = exc.get_response()
    headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "Allow")}
    return _error_page(exc.code, _description(exc)), exc.code, headers


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    """not found / invalid / conflict from a service, as a console page."""
    status = next((DOMAIN_STATUS[k] for k in type(exc).__mro__ if k in DOMAIN_STATUS), 400)
    return _error_page(status, refusal_text(exc)), status


# A refused action's answer links back to the page its form is on (view args -> that page).
_FORM_PAGES = {
    "console.report_act": ("console.report_page", "report_id", lambda i: _("Back to report %(id)s", id=i)),
    "console.campaign_act": ("console.campaign", "campaign_id", lambda i: _("Back to campaign %(id)s", id=i)),
}


def _error_page(status: int, description: str | None) -> str:
    """The error page; for htmx, the alert fragment console.js puts next to the form that was
    sent (the officer stays on the page with what they typed)."""
    back_url = back_label = None
    page = _FORM_PAGES.get(request.endpoint or "")
    if page and page[1] in (request.view_args or {}):
        ident = request.view_args[page[1]]
        back_url, back_label = url_for(page[0], **{page[1]: ident}), page[2](ident)
    if request.headers.get("HX-Request"):
        return render_template("console/_error_alert.html", status=status, description=description,
                               back_url=back_url, back_label=_("Reload the page"))
    return render_template("console/error.html", status=status, description=description,
                           back_url=back_url, back_label=back_label)


def _description(exc: HTTPException) -> str | None:
    # Werkzeug's default descriptions are English only; a view's own reason (abort(..., description=))
    # is already translated. The error page shows a translated title for the status either way.
    default = type(exc).description
    return exc.description if exc.description and exc.description != default else None


def _load_views() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_load_views()
