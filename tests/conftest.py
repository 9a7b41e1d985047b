"""Shared fixtures: a real Redis (REDIS_URL, else an embedded redis-server) and a real
database (SQLite always, PostgreSQL too when TEST_DATABASE_URL is set), and an app built
from the factory for each test with its own Redis key prefix and queue."""
from __future__ import annotations

import os
import shutil
import uuid

import pytest
import redis as redis_lib
import sqlalchemy as sa

from fraudwatch import create_app
from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis
from fraudwatch.infra.extensions import db, make_engine
from fraudwatch.storage.migrate import upgrade
from fraudwatch.storage.models import Base

BACKENDS = ["sqlite", "postgresql"]
pytest_plugins = ["tests.crawlers.farm.fixtures", "tests.classifiers.model_fixtures"]  # fake tax sites, fixture model


def pytest_configure(config) -> None:
    """One tag per test run, shared with its xdist workers (they inherit the environment),
    so that two runs on one machine use different PostgreSQL databases."""
    os.environ.setdefault("FW_TEST_RUN", uuid.uuid4().hex[:8])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The Redis the tests use: REDIS_URL, else an embedded server for the session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    folder = tmp_path_factory.mktemp("redis")
    yield ensure_embedded_redis(folder, persist=False)
    stop_embedded_redis(folder)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id):
    """A migrated PostgreSQL database of this test worker, or None without TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    name = f"fw_test_{os.environ['FW_TEST_RUN']}_{worker_id}".replace("-", "_")
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_collection_modifyitems(config, items) -> None:
    """A test (or a parameter) marked `backend("sqlite")` runs on that database only: its other
    `database_url` variants are deselected (for runs whose backend changes nothing they test)."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("backend")
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("database_url")
        (dropped if marker and backend is not None and backend != marker.args[0] else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template, postgres_url):
    """A fresh database: SQLite copied from the template, or PostgreSQL truncated."""
    if request.param == "sqlite":
        path = tmp_path / "fraudwatch.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant skipped")
    _truncate(postgres_url)
    return postgres_url


def make_test_app(database_url: str, redis_url: str, instance, **overrides):
    """An app on the given services with a unique Redis prefix and queue."""
    tag = uuid.uuid4().hex[:12]
    config = {"TESTING": True, "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url,
              "REDIS_URL": redis_url, "REDIS_PREFIX": f"fwtest:{tag}:", "RQ_QUEUE": f"fwtest-{tag}",
              "MODEL_DIR": str(instance / "models" / "current")}
    config.update(overrides)
    return create_app(config)


def cleanup_redis(app) -> None:
    """Delete what a test app wrote to Redis (its prefix and its RQ queues)."""
    try:
        client = redis_lib.Redis.from_url(os.environ.get("REDIS_URL") or app.config["REDIS_URL"])
        for pattern in (app.config["REDIS_PREFIX"] + "*", f"*{app.config['RQ_QUEUE']}*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
    except redis_lib.RedisError:
        pass


@pytest.fixture
def app(database_url, redis_url, tmp_path):
    """The app under test, built by the factory."""
    application = make_test_app(database_url, redis_url, tmp_path / "instance")
    yield application
    cleanup_redis(application)
    db.dispose(application)


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create a user with a token; returns the Authorization header."""
    from fraudwatch.storage import users

    def make(name: str = "officer1", role: str = "officer", rate_limit: str | None = None) -> dict:
        with app.app_context():
            user = users.create_user(db.session, name, role, rate_limit)
            token = users.create_token(db.session, user)
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def officer(make_user):
    """Authorization header of an officer."""
    return make_user("officer-a", "officer")


def run_jobs(app) -> None:
    """Run every queued job now (a burst worker in this process)."""
    from fraudwatch.jobs.workers import build_worker

    build_worker(app).work(burst=True, logging_level="WARNING")


@pytest.fixture(scope="session")
def trained_model_dir(model_dir):
    """The classifier model trained once per session on the small fixture corpus."""
    return model_dir


@pytest.fixture
def app_with_model(database_url, redis_url, tmp_path, trained_model_dir):
    """The app with a trained classifier model."""
    application = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir))
    yield application
    cleanup_redis(application)
    db.dispose(application)
