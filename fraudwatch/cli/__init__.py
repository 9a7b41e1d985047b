"""The `fraudwatch` command: a Flask CLI group; every command module lists its COMMANDS.

`fraudwatch X` and `flask --app fraudwatch X` run the same commands.
"""
from __future__ import annotations

import importlib

import click
import sqlalchemy as sa
from flask.cli import FlaskGroup

COMMAND_MODULES = ("service", "users", "imports", "model", "registry", "crawl", "data", "campaigns", "watch",
                   "stats")


def register_commands(app) -> None:
    """Add every command of every CLI module to `app.cli`."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"fraudwatch.cli.{name}")
        for command in getattr(module, "COMMANDS", []):
            app.cli.add_command(command)


def _create_app():
    from fraudwatch.app import create_app

    app = create_app()
    register_commands(app)
    return app


_NOT_MIGRATED = ("no such table", "does not exist", "undefinedtable")


def database_failure(exc: sa.exc.SQLAlchemyError) -> str:
    """One line for a database error no command phrased itself: a database without the tables
    (never migrated, or behind the code) says how to migrate it."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
    if any(mark in text.lower() for mark in _NOT_MIGRATED):
        return f"the database is not at this version's schema ({text}): run `fraudwatch db-upgrade` first"
    return f"database error: {text}"


class _Group(FlaskGroup):
    """Flask's group, with a database error left unhandled by a command said in one line
    (exit 1), not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except sa.exc.SQLAlchemyError as exc:
            raise click.ClickException(database_failure(exc)) from None


@click.group(cls=_Group, create_app=_create_app, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """fraudwatch: report, look up and classify scams that impersonate tax services."""
