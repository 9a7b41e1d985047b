"""Periodic work: tasks run every few seconds or minutes by whichever worker gets there first.

Every worker's pump thread (fraudwatch/jobs/workers.py) calls `run_due` after each pump; a
task runs when its Redis key has expired (SET NX with the task's interval as expiry), so one
worker runs it per interval however many there are, and a dead worker's turn passes to the
next. A task's failure is logged and retried at its next turn; tasks must be idempotent (a
task slower than its interval may overlap the next turn).

TASKS names each task's function by import path (so that this table imports nothing until a
worker runs) and the configuration key of its interval in seconds."""
from __future__ import annotations

import importlib
import logging
import time

import redis
from flask import current_app

from fraudwatch.infra import metrics
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.infra.redis_keys import periodic_turn

log = logging.getLogger(__name__)

# name -> (function "module:attribute", config key of the interval in seconds)
TASKS: dict[str, tuple[str, str]] = {
    "publish_examples": ("fraudwatch.services.publishing:sweep", "PUBLISH_SWEEP_SECONDS"),
    "public_stats": ("fraudwatch.services.statistics:refresh", "STATS_REFRESH_SECONDS"),
    "import_pull": ("fraudwatch.jobs.import_pull:sweep", "IMPORT_SWEEP_SECONDS"),
    "feed_sweep": ("fraudwatch.services.feeds:sweep", "FEED_SWEEP_SECONDS"),
    "takedown_revisit": ("fraudwatch.jobs.takedowns:sweep", "TAKEDOWN_SWEEP_SECONDS"),
}


def _function(path: str):
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def run_due(names: list[str] | None = None) -> list[str]:
    """Run the tasks whose turn has come (within an app context); return their names."""
    ran = []
    for name, (path, interval_key) in TASKS.items():
        if names is not None and name not in names:
            continue
        seconds = max(1, int(current_app.config[interval_key]))
        try:
            if not redis_store.client.set(periodic_turn(name), str(time.time()), nx=True, ex=seconds):
                continue  # another worker's turn, or not yet
        except redis.RedisError as exc:
            log.warning("periodic %s: Redis unavailable (%s)", name, exc)
            return ran
        started = time.monotonic()
        try:
            _function(path)()
            ran.append(name)
            log.debug("periodic %s took %.3f s", name, time.monotonic() - started)
            metrics.periodic_done(name, time.monotonic() - started)
        except Exception:  # noqa: BLE001 - logged; the next turn tries again
            log.exception("periodic task %s failed", name)
            metrics.observe_job(f"periodic_{name}", "error", time.monotonic() - started)
        finally:
            db.session.rollback()  # what the task left open (it commits its own work)
    return ran
