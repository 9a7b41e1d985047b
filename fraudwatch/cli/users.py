"""Users and tokens: `create-user`, `create-token`, `revoke-token`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from fraudwatch.infra.extensions import db
from fraudwatch.storage import users
from fraudwatch.storage.models import ROLES


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--rate-limit", help="Enterprise keys: e.g. '600/minute;20000/day'.")
@click.option("--with-token/--no-token", default=True, help="Also print a first token.")
@with_appcontext
def create_user(name: str, role: str, rate_limit: str | None, with_token: bool) -> None:
    """Create an officer, admin or enterprise user (and print its first token)."""
    if rate_limit:
        _check_limit(rate_limit)
    try:
        user = users.create_user(db.session, name, role, rate_limit)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    token = users.create_token(db.session, user, "first token") if with_token else None
    db.session.commit()
    click.echo(f"created {role} '{user.name}'")
    if token:
        click.echo(f"token (shown once, store it now): {token}")


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


COMMANDS = [create_user, create_token, revoke_token]
