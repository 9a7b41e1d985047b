"""fraudwatch: report, look up and classify scams that impersonate tax services.

Importing the package imports nothing else: the pure libraries inside it
(`fraudwatch.indicators`, `fraudwatch.messages`, `fraudwatch.data`) are used by
`classifiers/` and `crawlers/` without Flask, SQLAlchemy or Redis. The app is built only by
`create_app` (`fraudwatch.app`)."""
from __future__ import annotations

__version__ = "0.1.0"


def create_app(test_config: dict | None = None):
    """Build the Flask app (see `fraudwatch.app.create_app`)."""
    from fraudwatch.app import create_app as build

    return build(test_config)
