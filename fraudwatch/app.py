"""The app factory: `create_app` builds the Flask app from the configuration, binds the
extensions, registers the blueprints and error handlers. Nothing connects at import time."""
from __future__ import annotations

import gc
import os

from flask import Flask

from fraudwatch.config import instance_path_from_env, load_config
from fraudwatch.infra.jsonio import OrjsonProvider


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app from the environment, overridden by `test_config`."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask("fraudwatch", instance_path=instance_path, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.from_mapping(load_config(instance_path))
    if test_config:
        app.config.update(test_config)
    _check_rate_limits(app)
    if app.config["TRUSTED_PROXIES"]:
        # Behind N proxies (nginx, a load balancer), the caller's address is the one the
        # Nth proxy from the app saw; X-Forwarded-For from anyone else is not believed.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_observability(app)
    _configure_redis(app)
    _init_extensions(app)
    _register_blueprints(app)
    from fraudwatch.web.auth import NoSessionsForTheAPI
    from fraudwatch.web.errors import register_error_handlers
    from fraudwatch.web.security import init_app as add_security_headers

    register_error_handlers(app)
    add_security_headers(app)
    _audit_addresses(app)
    app.session_interface = NoSessionsForTheAPI()
    # Everything loaded so far lives as long as the process: keep it out of the garbage
    # collector's full passes, which otherwise stall requests for tens of milliseconds.
    _warm_up()
    gc.freeze()
    return app


def _configure_observability(app: Flask) -> None:
    """Logs (text or JSON) and the request id, metrics and access log hooks. (The metrics
    folder shared by an instance's processes is set by what starts them: gunicorn's hooks,
    `fraudwatch worker` and `serve`; anything else counts in memory.)"""
    from fraudwatch.infra import logs
    from fraudwatch.web import observe

    if not app.debug and not app.testing:
        logs.configure(app.config["LOG_FORMAT"])
    observe.init_app(app)


def _warm_up() -> None:
    """Build now what the first requests would otherwise build lazily (tldextract's suffix
    trie, the official lists and lookalike tables, phone metadata, the ORM mappers), so that
    gc.freeze() takes it out of the collector's full passes: left to the first requests,
    17,000 trie nodes alone made each full collection of a web worker take 25-70 ms."""
    import sqlalchemy.orm

    from fraudwatch.indicators import normalize
    from fraudwatch.indicators.official import judge_host

    for kind, value in (("url", "https://warm-up.example.com/a?b=1"), ("domain", "warm-up.example.com.cn"),
                        ("email", "warm-up@example.com"), ("phone", "12366"), ("company", "示例有限公司")):
        normalize(kind, value, "CN")
    judge_host("warm-up.example.com")
    sqlalchemy.orm.configure_mappers()


def _audit_addresses(app: Flask) -> None:
    """Audit events written while serving a request record the caller's address."""
    from flask import request

    from fraudwatch.storage.audit import bind_address

    app.before_request(lambda: bind_address(request.remote_addr))
    app.teardown_request(lambda _exc: bind_address(None))


def _check_rate_limits(app: Flask) -> None:
    """Refuse to start with a rate limit setting that does not parse (say which one)."""
    from fraudwatch.infra.ratelimit import parse_limits

    for name in ("ANON_LOOKUP_LIMIT", "ANON_REPORT_LIMIT", "ENTERPRISE_DEFAULT_LIMIT"):
        try:
            parse_limits(app.config[name])
        except ValueError as exc:
            raise ValueError(f"{name} ({app.config[name]!r}): {exc}") from None


def _configure_redis(app: Flask) -> None:
    from fraudwatch.infra.embedded import embedded_url

    if not app.config.get("REDIS_URL"):
        app.config["EMBEDDED_REDIS"] = True
        app.config["REDIS_URL"] = embedded_url(os.path.join(app.instance_path, "redis"))


def _init_extensions(app: Flask) -> None:
    from fraudwatch.infra.extensions import db, redis_store
    from fraudwatch.web import i18n

    db.init_app(app)
    redis_store.init_app(app)
    i18n.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from fraudwatch.api import bp as api_bp
    from fraudwatch.console import bp as console_bp
    from fraudwatch.public import bp as public_bp
    from fraudwatch.web.health import bp as health_bp
    from fraudwatch.web.metrics import bp as metrics_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(console_bp)
