"""Sign-in, sign-out and the language switch of the console."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _

from fraudwatch.console import bp
from fraudwatch.console.session import audit, current_user, forget, login_required, remember, safe_next
from fraudwatch.infra.extensions import db
from fraudwatch.storage import people
from fraudwatch.storage.transactions import in_transaction
from fraudwatch.web.i18n import LANGUAGES
from fraudwatch.web.i18n import SESSION_KEY as LANGUAGE_KEY

MAX_NAME = 120


@bp.get("/login")
def login():
    """The sign-in form (a signed-in user goes on to `next`)."""
    target = safe_next(request.args.get("next"))
    if current_user() is not None:
        return redirect(target)
    return render_template("console/login.html", next=target, username="")


@bp.post("/login")
def login_post():
    """Check the name and password; sign in and go on to `next`."""
    form = request.form
    target = safe_next(form.get("next"))
    name, password = form.get("username", "").strip(), form.get("password", "")
    if not name or not password:
        return _login_page(target, name, _("Enter your user name and password."), 400)
    if len(name) > MAX_NAME or len(password) > people.MAX_PASSWORD:
        return _login_page(target, "", _("Wrong user name or password."), 400)
    user = people.find_person(db.session, name)
    if not people.verify_password(user, password) or not user.active or user.role not in people.CONSOLE_ROLES:
        shown = printable(name)
        in_transaction(db.session, lambda: audit("login_failed", "user", user.id if user else None,
                                                 {"name": shown}, actor=shown))
        return _login_page(target, name, _("Wrong user name or password."), 200)

    def sign_in() -> None:
        people.rehash_if_needed(user, password)
        people.record_sign_in(db.session, user)
        audit("login", "user", user.id, actor=user.name)

    in_transaction(db.session, sign_in)
    remember(user)
    return redirect(target)


def printable(text: str) -> str:
    """`text` with control characters and lone surrogates replaced (for the audit trail)."""
    cleaned = "".join(c if c.isprintable() else "\ufffd" for c in text[:MAX_NAME])
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def _login_page(target: str, name: str, error: str, status: int):
    return render_template("console/login.html", next=target, username=name[:MAX_NAME], error=error), status


@bp.post("/logout")
def logout():
    """Sign out: this session and every other session of the user end."""
    user = current_user()
    if user is not None:
        def sign_out() -> None:
            people.end_sessions(db.session, user)
            audit("logout", "user", user.id)

        in_transaction(db.session, sign_out)
    forget()
    return redirect(url_for("console.login"))


@bp.post("/language")
def language():
    """Switch the console's language (zh or en); remembered for a signed-in user."""
    choice = request.form.get("lang", "")
    if choice not in LANGUAGES:
        abort(400, description=_("Unknown language."))
    cookie[LANGUAGE_KEY] = choice
    user = current_user()
    if user is not None:
        in_transaction(db.session, lambda: people.set_language(db.session, user, choice))
    return redirect(safe_next(request.form.get("next")))


@bp.get("/")
@login_required()
def index():
    """The console's home page: where to go from here."""
    return render_template("console/home.html")
