"""Sign-in (password, then a TOTP code for users who have one), sign-out and the language
switch of the console. Failed attempts are throttled per account and per address
(fraudwatch/infra/login_throttle.py) and every outcome is audited."""
from __future__ import annotations

import time

from flask import abort, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _

from fraudwatch.console import bp
from fraudwatch.console.nav import home_of
from fraudwatch.console.session import audit, current_user, forget, login_required, remember, safe_next
from fraudwatch.infra import login_throttle
from fraudwatch.infra.extensions import db
from fraudwatch.storage import people
from fraudwatch.storage.models import User
from fraudwatch.storage.transactions import in_transaction
from fraudwatch.web.i18n import LANGUAGES
from fraudwatch.web.i18n import SESSION_KEY as LANGUAGE_KEY

MAX_NAME = 120
CODE_STEP_SECONDS = 300  # the code must follow the password within this time


@bp.get("/login")
def login():
    """The sign-in form (a signed-in user goes on to `next`)."""
    target = safe_next(request.args.get("next"))
    if current_user() is not None:
        return redirect(target)
    return render_template("console/login.html", next=target, username="")


@bp.post("/login")
def login_post():
    """Check the name and password; sign in (or ask for the code) and go on to `next`."""
    form = request.form
    target = safe_next(form.get("next"))
    name, password = form.get("username", "").strip(), form.get("password", "")
    if not name or not password:
        return _login_page(target, name, _("Enter your user name and password."), 400)
    if len(name) > MAX_NAME or len(password) > people.MAX_PASSWORD:
        return _login_page(target, "", _("Wrong user name or password."), 400)
    shown = printable(name)
    if (wait := login_throttle.throttled(shown, request.remote_addr)):
        return _throttled(shown, wait)
    user = people.find_person(db.session, name)
    if not people.verify_password(user, password) or not user.active or user.role not in people.SIGN_IN_ROLES:
        return _failed(shown, user, target)
    if user.totp_secret:
        people.rehash_if_needed(user, password)
        cookie.update(pending_uid=user.id, pending_epoch=user.session_epoch, pending_at=int(time.time()),
                      pending_next=target)
        return redirect(url_for("console.login_code"))
    if user.role == "admin" and current_app.config["REQUIRE_ADMIN_TOTP"]:
        return _login_page(target, name, _("Administrators need a second factor; ask another administrator "
                                           "to run `fraudwatch set-totp` for you."), 403)
    return _signed_in(user, target, password)


def _failed(shown: str, user: User | None, target: str):
    login_throttle.record_failure(shown, request.remote_addr)
    in_transaction(db.session, lambda: audit("login_failed", "user", user.id if user else None,
                                             {"name": shown}, actor=shown))
    return _login_page(target, shown, _("Wrong user name or password."), 200)


def _throttled(shown: str, wait: int):
    in_transaction(db.session, lambda: audit("login_throttled", "user", None, {"name": shown}, actor=shown))
    minutes = max(1, (wait + 59) // 60)
    message = _("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes)
    page = render_template("console/login.html", next=url_for("console.index"), username="", error=message)
    return page, 429, {"Retry-After": str(wait)}


def _signed_in(user: User, target: str, password: str | None = None):
    def sign_in() -> None:
        if password is not None:
            people.rehash_if_needed(user, password)
        people.record_sign_in(db.session, user)
        audit("login", "user", user.id, actor=user.name)

    in_transaction(db.session, sign_in)
    login_throttle.clear_account(user.name)
    remember(user)
    return redirect(target)


def printable(text: str) -> str:
    """`text` with control characters and lone surrogates replaced (for the audit trail)."""
    cleaned = "".join(c if c.isprintable() else "\ufffd" for c in text[:MAX_NAME])
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def _login_page(target: str, name: str, error: str, status: int):
    return render_template("console/login.html", next=target, username=name[:MAX_NAME], error=error), status


def _pending_user() -> User | None:
    """The user who gave the right password moments ago in this browser and owes a code."""
    uid, epoch, since = cookie.get("pending_uid"), cookie.get("pending_epoch"), cookie.get("pending_at")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (uid, epoch, since)):
        return None
    if time.time() - since > CODE_STEP_SECONDS:
        return None
    user = people.get_user(db.session, uid)
    ok = user is not None and user.active and user.session_epoch == epoch and user.totp_secret
    return user if ok else None


@bp.get("/login/code")
def login_code():
    """The second step: the six-digit code of the user's authenticator app."""
    if _pending_user() is None:
        return redirect(url_for("console.login"))
    return render_template("console/login_code.html")


@bp.post("/login/code")
def login_code_post():
    """Check the code; sign in."""
    user = _pending_user()
    if user is None:
        return redirect(url_for("console.login"))
    if (wait := login_throttle.throttled(user.name, request.remote_addr)):
        forget()
        return _throttled(user.name, wait)
    code = request.form.get("code", "").strip().replace(" ", "")
    if not people.verify_totp(user, code) or not login_throttle.first_use_of_code(user.id, code):
        login_throttle.record_failure(user.name, request.remote_addr)
        in_transaction(db.session, lambda: audit("login_failed", "user", user.id, {"name": user.name, "step": "code"},
                                                 actor=user.name))
        return render_template("console/login_code.html", error=_("Wrong code.")), 200
    return _signed_in(user, safe_next(cookie.get("pending_next")))


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
@login_required(*people.SIGN_IN_ROLES)
def index():
    """The console's home page is the queue, riskiest first (the other pages are in the menu);
    enterprises and editors land on their own pages (console/nav.set_home)."""
    from fraudwatch.console.queue_page import queue  # the queue module registers on this blueprint

    home = home_of(current_user())
    if home is not None:
        return redirect(url_for(home))
    return queue()
