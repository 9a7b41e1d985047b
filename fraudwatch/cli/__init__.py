"""The `fraudwatch` command: a Flask CLI group; every command module lists its COMMANDS.

`fraudwatch X` and `flask --app fraudwatch X` run the same commands.
"""
from __future__ import annotations

import importlib

import click
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


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """fraudwatch: report, look up and classify scams that impersonate tax services."""
