"""fraudwatch: report, look up and classify scams that impersonate tax services.

Importing the package imports nothing else: the pure libraries inside it
(`fraudwatch.indicators`, `fraudwatch.messages`, `fraudwatch.data`) are used by
`classifiers/` and `crawlers/` without Flask, SQLAlchemy or Redis. The app is built only by
`create_app` (`fraudwatch.app`)."""
from __future__ import annotations

from importlib.metadata import version as _version

__version__ = _version("fraudwatch")  # pyproject.toml says it once


def create_app(test_config: dict | None = None):
    """Build the Flask app (`fraudwatch.app.create_app`) with the `fraudwatch` commands on
    its `app.cli`, for `flask --app fraudwatch ...`, gunicorn and tests. The factory itself
    knows nothing of the command line."""
    from fraudwatch.app import create_app as build
    from fraudwatch.cli import register_commands

    app = build(test_config)
    register_commands(app)
    return app
