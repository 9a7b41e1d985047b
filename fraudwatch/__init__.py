"""fraudwatch: report, look up and classify scams that impersonate tax services.

The app is built only by `create_app`; nothing connects at import time.
"""
from __future__ import annotations

import gc
import logging
import os

from flask import Flask

from fraudwatch.config import instance_path_from_env, load_config

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app from the environment, overridden by `test_config`."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(load_config(instance_path))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_redis(app)
    _init_extensions(app)
    _register_blueprints(app)
    from fraudwatch.cli import register_commands
    from fraudwatch.errors import register_error_handlers

    register_error_handlers(app)
    register_commands(app)
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall requests for tens of milliseconds.
    gc.freeze()
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _configure_redis(app: Flask) -> None:
    from fraudwatch.embedded import embedded_url
    from fraudwatch.extensions import limiter_storage_uri

    if not app.config.get("REDIS_URL"):
        app.config["EMBEDDED_REDIS"] = True
        app.config["REDIS_URL"] = embedded_url(os.path.join(app.instance_path, "redis"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", app.config.get("RATELIMIT_HEADERS", False))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_PREFIX"] + "limits")
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 2})


def _init_extensions(app: Flask) -> None:
    from fraudwatch.extensions import db, limiter, redis_store

    db.init_app(app)
    redis_store.init_app(app)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from fraudwatch.api import bp as api_bp
    from fraudwatch.health import bp as health_bp
    from fraudwatch.public import bp as public_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(public_bp)
