"""Periodic work: tasks run every few seconds or minutes by whichever worker gets there first.

Every worker's pump thread (fraudwatch/jobs/workers.py) calls `run_due` after each pump; a
task runs when its Redis key has expired (SET NX with the task's interval as expiry), so one
worker runs it per interval however many there are, and a dead worker's turn passes to the
next. A task's failure is logged and retried at its next turn; tasks must be idempotent (a
task slower than its interval may overlap the next turn).

TASKS names each task's function by import path (so that this table imports nothing until a
worker runs) and the configuration key of its interval in seconds. SLOW_TASKS (pulls of other
services' feeds: network waits and imports of minutes) run, in the pump, on a
thread of their own with its own app context, one at a time per task and process, so that a
slow pull never holds back the feed sweep or the pump's enqueueing behind it."""
from __future__ import annotations

import importlib
import logging
import threading
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
SLOW_TASKS = frozenset({"import_pull"})
_running: dict[str, threading.Thread] = {}  # slow task -> its thread in this process


def _function(path: str):
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def run_due(names: list[str] | None = None, background: bool = False) -> list[str]:
    """Run the tasks whose turn has come (within an app context); return their names. With
    `background` (the pump), SLOW_TASKS are started on a thread of their own and named as run;
    one still running from an earlier turn keeps its turn (the next is skipped)."""
    ran = []
    for name, (path, interval_key) in TASKS.items():
        if names is not None and name not in names:
            continue
        slow = background and name in SLOW_TASKS
        if slow and name in _running and _running[name].is_alive():
            continue
        seconds = max(1, int(current_app.config[interval_key]))
        try:
            if not redis_store.client.set(periodic_turn(name), str(time.time()), nx=True, ex=seconds):
                continue  # another worker's turn, or not yet
        except redis.RedisError as exc:
            log.warning("periodic %s: Redis unavailable (%s)", name, exc)
            return ran
        if slow:
            app = current_app._get_current_object()
            _running[name] = threading.Thread(target=_run_in_context, args=(app, name, path),
                                              name=f"fw-periodic-{name}", daemon=True)
            _running[name].start()
            ran.append(name)
        elif _run(name, path):
            ran.append(name)
    return ran


def _run_in_context(app, name: str, path: str) -> None:
    with app.app_context():
        _run(name, path)


def _run(name: str, path: str) -> bool:
    """Run one task now (in an app context): whether it ran to the end."""
    started = time.monotonic()
    try:
        _function(path)()
        log.debug("periodic %s took %.3f s", name, time.monotonic() - started)
        metrics.periodic_done(name, time.monotonic() - started)
        return True
    except Exception:  # noqa: BLE001 - logged; the next turn tries again
        log.exception("periodic task %s failed", name)
        metrics.observe_job(f"periodic_{name}", "error", time.monotonic() - started)
        return False
    finally:
        db.session.rollback()  # what the task left open (it commits its own work)
