"""Administration pages (role admin): users (create, role, deactivate, reactivate) and their
API tokens (create, shown once; revoke; rotate). Every change is audited."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fraudwatch.console import bp
from fraudwatch.console.nav import add_nav
from fraudwatch.console.session import audit, current_user, login_required
from fraudwatch.infra.extensions import db
from fraudwatch.storage import people, users
from fraudwatch.storage.models import ROLES, User
from fraudwatch.storage.transactions import in_transaction

MAX_LABEL = 120
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: a larger one is no row (not a 500)
add_nav("console.admin_users", _l("Users"), roles=("admin",), order=80)


def _user_or_404(user_id: int) -> User:
    user = people.get_user(db.session, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


@bp.get("/admin/users")
@login_required("admin")
def admin_users():
    """Every user with role, state, last sign-in and live tokens; a form to add one."""
    return render_template("console/admin_users.html", people=people.list_people(db.session), roles=ROLES)


@bp.post("/admin/users")
@login_required("admin")
def admin_create_user():
    """Create a user (officers and admins with a console password)."""
    form = request.form
    name, role, password = form.get("name", "").strip(), form.get("role", ""), form.get("password", "")
    if role not in ROLES:
        return _users_page(_("Choose a role."))
    if role != "enterprise" and (problem := people.password_problem(password)):
        return _users_page(_("Password: %(problem)s", problem=_password_reason(problem)))
    if not name or len(name) > 120 or not name.isprintable():
        return _users_page(_("A name has 1 to 120 printable characters."))

    def create() -> User:
        user = users.create_user(db.session, name, role)
        if role != "enterprise":
            people.set_password(db.session, user, password)
        audit("user_create", "user", user.id, {"name": user.name, "role": role})
        return user

    try:
        user = in_transaction(db.session, create)
    except ValueError:
        return _users_page(_("A user with this name exists already."))
    flash(_("User %(name)s created.", name=user.name), "ok")
    return redirect(url_for("console.admin_user", user_id=user.id))


def _password_reason(problem: str) -> str:
    if "at least" in problem:
        return _("at least %(n)s characters", n=people.MIN_PASSWORD)
    if "at most" in problem:
        return _("at most %(n)s characters", n=people.MAX_PASSWORD)
    if "empty" in problem:
        return _("it is empty")
    return _("no control characters")


def _users_page(error: str):
    page = render_template("console/admin_users.html", people=people.list_people(db.session), roles=ROLES,
                           error=error, form=request.form)
    return page, 400


@bp.get("/admin/users/<int:user_id>")
@login_required("admin")
def admin_user(user_id: int):
    """One user: role, state and API tokens."""
    user = _user_or_404(user_id)
    return _user_page(user)


def _user_page(user: User, new_token: str | None = None, status: int = 200):
    page = render_template("console/admin_user.html", person=user, roles=ROLES, new_token=new_token,
                           tokens=people.tokens_of(db.session, user.id), is_self=user.id == current_user().id)
    return page, status


@bp.post("/admin/users/<int:user_id>/role")
@login_required("admin")
def admin_set_role(user_id: int):
    """Change a user's role (not one's own: an admin cannot lock the console out)."""
    user, role = _user_or_404(user_id), request.form.get("role", "")
    if role not in ROLES:
        abort(400, description=_("Choose a role."))
    if user.id == current_user().id:
        abort(409, description=_("You cannot change your own role or deactivate yourself."))
    old = user.role

    def change() -> None:
        people.set_role(db.session, user, role)
        audit("user_role", "user", user.id, {"from": old, "to": role})

    in_transaction(db.session, change)
    flash(_("Role changed."), "ok")
    return redirect(url_for("console.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/active")
@login_required("admin")
def admin_set_active(user_id: int):
    """Deactivate (sessions and tokens stop) or reactivate a user."""
    user, value = _user_or_404(user_id), request.form.get("active", "")
    if value not in ("0", "1"):
        abort(400, description=_("Say whether the user is active."))
    if user.id == current_user().id:
        abort(409, description=_("You cannot change your own role or deactivate yourself."))

    def change() -> None:
        people.set_active(db.session, user, value == "1")
        audit("user_reactivate" if value == "1" else "user_deactivate", "user", user.id)

    in_transaction(db.session, change)
    flash(_("User reactivated.") if value == "1" else _("User deactivated."), "ok")
    return redirect(url_for("console.admin_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/tokens")
@login_required("admin")
def admin_create_token(user_id: int):
    """Make a token for the user; it is shown on this answer only."""
    user, label = _user_or_404(user_id), request.form.get("label", "").strip()
    if len(label) > MAX_LABEL or not label.isprintable():
        abort(400, description=_("A label has at most 120 printable characters."))

    def create() -> str:
        token = users.create_token(db.session, user, label or None)
        audit("token_create", "user", user.id, {"prefix": token[:10], "label": label or None})
        return token

    return _user_page(user, new_token=in_transaction(db.session, create))


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/<any(revoke, rotate):action>")
@login_required("admin")
def admin_token_action(user_id: int, token_id: int, action: str):
    """Revoke a token, or rotate it (revoke and make a new one with its label, shown once)."""
    user = _user_or_404(user_id)

    def change() -> str | None:
        token = people.revoke_token_of(db.session, user.id, token_id) if token_id <= MAX_ID else None
        if token is None:
            abort(404, description=_("No such live token."))
        fresh = users.create_token(db.session, user, token.label) if action == "rotate" else None
        audit(f"token_{action}", "user", user.id, {"prefix": token.prefix, "new_prefix": fresh[:10] if fresh else None})
        return fresh

    fresh = in_transaction(db.session, change)
    if fresh is None:
        flash(_("Token revoked."), "ok")
        return redirect(url_for("console.admin_user", user_id=user.id))
    return _user_page(user, new_token=fresh)
