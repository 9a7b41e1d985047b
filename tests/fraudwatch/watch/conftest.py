"""Fixtures of the watch-list tests: an app whose webhooks may reach 127.0.0.1 (as the
crawler tests allow it) and whose e-mail goes to a local SMTP server; receivers."""
from __future__ import annotations

import pytest

from fraudwatch.infra.extensions import db
from tests.conftest import cleanup_redis, make_test_app
from tests.fraudwatch.watch.receivers import SmtpServer, WebhookReceiver

LOOKALIKE = "examp1e-corp-tax.com"


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.close()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


def watch_config(smtp_port: int) -> dict:
    """Settings: 127.0.0.1 allowed for webhooks (on any port), the lookalike pinned to it (its
    crawl fails at once), e-mail to the local SMTP server."""
    return {"CRAWL_ALLOW_NETWORKS": ("127.0.0.0/8",), "CRAWL_ALLOWED_PORTS": "any",
            "CRAWL_RESOLVE": (f"{LOOKALIKE}:*:127.0.0.1",), "CRAWL_OBEY_ROBOTS": False,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_TIMEOUT": 5.0, "ALERT_WEBHOOK_TIMEOUT": 5.0}


@pytest.fixture
def watch_app(database_url, redis_url, tmp_path, trained_model_dir, smtp):
    application = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                                **watch_config(smtp.port))
    yield application
    cleanup_redis(application)
    db.dispose(application)
