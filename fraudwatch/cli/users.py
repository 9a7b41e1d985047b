"""Users and tokens: `create-user`, `set-password`, `set-totp`, `create-token`, `revoke-token`.

Passwords are read from stdin (`--password-stdin`), never from the command line (where
other users of the machine can read them in the process list)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from fraudwatch.infra.extensions import db
from fraudwatch.storage import people, users
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import ROLES


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--rate-limit", help="Enterprise keys: e.g. '600/minute;20000/day'.")
@click.option("--with-token/--no-token", default=True, help="Also print a first token.")
@click.option("--password-stdin", is_flag=True, help="Read a console password (12 to 256 characters) from stdin.")
@with_appcontext
def create_user(name: str, role: str, rate_limit: str | None, with_token: bool, password_stdin: bool) -> None:
    """Create an officer, admin or enterprise user (and print its first token)."""
    if rate_limit:
        _check_limit(rate_limit)
    password = _read_password() if password_stdin else None
    try:
        user = users.create_user(db.session, name, role, rate_limit)
        if password is not None:
            people.set_password(db.session, user, password)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    token = users.create_token(db.session, user, "first token") if with_token else None
    db.session.commit()
    click.echo(f"created {role} '{user.name}'")
    if token:
        click.echo(f"token (shown once, store it now): {token}")


def _read_password() -> str:
    """The password on stdin (one line; the line break is not part of it)."""
    try:
        raw = sys.stdin.read(people.MAX_PASSWORD + 3)
    except UnicodeDecodeError:
        raise click.UsageError("the password on stdin is not UTF-8 text") from None
    password = raw[:-1] if raw.endswith("\n") else raw
    password = password[:-1] if password.endswith("\r") else password
    problem = people.password_problem(password)
    if problem:
        raise click.UsageError(f"{problem} (give it on stdin, e.g. from a password manager)")
    return password


def _audit(action: str, user) -> None:
    add_audit_event(db.session, actor="cli", action=action, target_type="user", target_id=user.id)


def _person(name: str):
    user = users.find_user(db.session, name)
    if user is None:
        raise click.UsageError(f"no user named '{name}'; create it with `fraudwatch create-user`")
    return user


@click.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from stdin.")
@with_appcontext
def set_password(name: str, password_stdin: bool) -> None:
    """Set the console password of user NAME (ends the user's console sessions)."""
    user = _person(name)
    password = _read_password()
    people.set_password(db.session, user, password)
    _audit("password_set", user)
    db.session.commit()
    click.echo(f"password of '{user.name}' set; their console sessions have ended")


@click.command("set-totp")
@click.argument("name")
@click.option("--clear", is_flag=True, help="Remove the second factor instead.")
@with_appcontext
def set_totp(name: str, clear: bool) -> None:
    """Give user NAME a new TOTP second factor and print its otpauth:// URI once."""
    user = _person(name)
    if clear:
        people.clear_totp(db.session, user)
        _audit("totp_cleared", user)
        db.session.commit()
        click.echo(f"second factor of '{user.name}' removed")
        return
    uri = people.set_totp(db.session, user)
    _audit("totp_set", user)
    db.session.commit()
    click.echo("add this to the authenticator app (shown once, not stored anywhere readable):")
    click.echo(uri)


def _check_limit(value: str) -> None:
    from fraudwatch.infra.ratelimit import parse_limits

    try:
        parse_limits(value)
    except ValueError as exc:
        raise click.BadParameter(f"invalid rate limit '{value}': {exc}", param_hint="--rate-limit") from None


@click.command("create-token")
@click.argument("name")
@click.option("--label", help="What the token is for.")
@with_appcontext
def create_token(name: str, label: str | None) -> None:
    """Create a new token for user NAME and print it once."""
    user = users.find_user(db.session, name)
    if user is None:
        raise click.UsageError(f"no user named '{name}'; create it with `fraudwatch create-user`")
    token = users.create_token(db.session, user, label)
    db.session.commit()
    click.echo(f"token (shown once, store it now): {token}")


@click.command("revoke-token")
@click.argument("prefix")
@with_appcontext
def revoke_token(prefix: str) -> None:
    """Revoke the token whose first 10 characters are PREFIX."""
    count = users.revoke_token(db.session, prefix)
    db.session.commit()
    if not count:
        raise click.UsageError(f"no live token starts with '{prefix[:10]}'")
    click.echo(f"revoked {count} token(s)")


COMMANDS = [create_user, set_password, set_totp, create_token, revoke_token]
