"""GET /healthz (the process answers) and GET /readyz (database and Redis reachable)."""
from __future__ import annotations

from flask import Blueprint

from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.storage.health import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Database and Redis both answer; 503 with the failing part otherwise."""
    checks = {}
    try:
        ping(db.session)
        db.session.rollback()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        redis_store.client.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503
