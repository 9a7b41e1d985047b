"""Workers: the RQ worker that runs each job in a fresh app context and keeps its lease
alive, the loop that outlives Redis outages, and the pending-job pump.

A job's RQ execution is given a lease of JOB_LEASE_SECONDS and renewed every quarter of it
by a thread of the worker while the job runs; if the worker dies (kill -9, OOM, power), the
lease runs out and the pump (fraudwatch.services.outbox) has RQ take the job back, within about
JOB_LEASE_SECONDS + 5 s instead of RQ's default of the job timeout plus a minute.

Workers serve queue roles (infra/redis_keys.QUEUE_ROLES: live, live-crawl, bulk, crawl)
in that priority order: a worker on all of them always takes live work first. A worker
that serves bulk roles lowers its CPU priority (BULK_WORKER_NICE) so the bulk work it
runs cannot starve live work on the same machine of CPU."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import redis
from flask import Flask
from rq import SimpleWorker

from fraudwatch.infra import logs, metrics
from fraudwatch.infra.redis_keys import QUEUE_ROLES
from fraudwatch.jobs import periodic
from fraudwatch.services import outbox

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0
LIVE_ROLES = ("live", "live-crawl")  # what a dedicated live worker serves
BULK_ROLES = ("bulk", "crawl")  # what `import messages --workers` and `crawl --workers` serve


class AppWorker(SimpleWorker):
    """Runs jobs in this process (the model stays loaded) inside a fresh app context."""

    flask_app: Flask | None = None
    lease_seconds = 15

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:  # RQ hook
        """The lease of a running job's execution (renewed by `_keep_alive`)."""
        return self.lease_seconds

    def perform_job(self, job, queue_, *args, **kwargs):  # RQ hook
        """Run the job within an app context of `flask_app`, renewing its lease meanwhile; its
        log records carry the id of the request that enqueued it (job meta), if any."""
        execution = args[0] if args else kwargs.get("execution")
        done = threading.Event()
        keeper = threading.Thread(target=self._keep_alive, args=(job, execution, done), name="fw-lease", daemon=True)
        keeper.start()
        running = metrics.get().jobs_running
        running.inc()
        token = logs.set_request_id(logs.sane_request_id((job.meta or {}).get("request_id")))
        try:
            with self.flask_app.app_context():
                return super().perform_job(job, queue_, *args, **kwargs)
        finally:
            logs.reset_request_id(token)
            running.dec()
            done.set()
            keeper.join()

    def _keep_alive(self, job, execution, done: threading.Event) -> None:
        while not done.wait(self.lease_seconds / 4):
            try:
                self.maintain_heartbeats(job, execution)
            except (redis.RedisError, OSError) as exc:  # the job goes on; the pump may run it again
                log.warning("could not renew the lease of job %s: %s", job.id, exc)


def parse_roles(text: str | None) -> tuple[str, ...]:
    """Queue roles from `live,live-crawl` (or `all`/None: every queue); always served in
    priority order whatever order they are named in. ValueError names an unknown one."""
    if text is None or text.strip() in ("", "all"):
        return QUEUE_ROLES
    named = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in named if name not in QUEUE_ROLES]
    if unknown or not named:
        raise ValueError(f"unknown queue {', '.join(map(repr, unknown)) or repr(text)}: "
                         f"choose among {', '.join(QUEUE_ROLES)} (or all)")
    return tuple(role for role in QUEUE_ROLES if role in named)


def takes_bulk(roles: tuple[str, ...]) -> bool:
    """True when a worker on these roles runs bulk work (imports, seed crawls)."""
    return any(role in BULK_ROLES for role in roles)


def lower_priority(increment: int) -> None:
    """Give this process a lower CPU priority (a bulk worker leaves the CPU to live work)."""
    if increment > 0:
        try:
            os.nice(increment)
        except OSError as exc:  # not allowed here: run at the priority we have
            log.warning("could not lower the CPU priority: %s", exc)


def build_worker(app: Flask, roles: tuple[str, ...] = QUEUE_ROLES) -> AppWorker:
    """A worker on the app's queues of these roles, dequeuing in priority order: it takes
    its next job from the first of its queues that has one (RQ's order)."""
    from fraudwatch.infra.extensions import redis_store

    with app.app_context():
        connection = redis_store.worker_client()
        queues = [outbox.get_queue(name, connection) for name in outbox.queue_names(roles)]
    # RQ's own housekeeping (abandoned crawl jobs, jobs stuck between queue and worker)
    # every minute instead of every ten; report jobs are watched closer by the pump.
    worker = AppWorker(queues, connection=connection, maintenance_interval=60)
    worker.flask_app = app
    worker.lease_seconds = app.config["JOB_LEASE_SECONDS"]
    return worker


def run_worker(app: Flask, *, burst: bool = False, roles: tuple[str, ...] = QUEUE_ROLES) -> None:
    """Work until stopped (SIGTERM/SIGINT) or, with `burst`, until the queues are empty.
    When Redis goes away RQ's work loop ends; this starts a new worker after a pause
    (1 s, doubling up to 30 s) instead of exiting, so the process outlives the outage."""
    try:
        _work_until_stopped(app, burst, roles)
    finally:
        metrics.mark_process_dead(os.getpid())


def _work_until_stopped(app: Flask, burst: bool, roles: tuple[str, ...]) -> None:
    stop = threading.Event()
    pause = 1.0
    while not stop.is_set():
        started = time.monotonic()
        worker = None
        try:
            worker = build_worker(app, roles)
            worker.work(burst=burst, with_scheduler=not burst, logging_level="INFO")
        except (redis.RedisError, OSError) as exc:
            log.warning("worker lost Redis (%s); starting again in %.0f s", exc, pause)
        if burst or (worker is not None and worker._shutdown_requested_date is not None):
            return  # done, or asked to stop (RQ's signal handlers noted it)
        for signum in (signal.SIGTERM, signal.SIGINT):  # RQ's handlers belong to the worker that ended
            signal.signal(signum, lambda *_: stop.set())
        if time.monotonic() - started > 10:
            pause = 1.0  # it ran a good while: this is a new outage
        stop.wait(pause)
        pause = min(MAX_BACKOFF, pause * 2)


def pump_forever(app: Flask, stop: threading.Event, every: float = 5.0) -> None:
    """Enqueue pending jobs, and run the periodic tasks that are due (jobs/periodic.py), every
    `every` seconds until `stop` is set."""
    while not stop.is_set():
        try:
            with app.app_context():
                count = outbox.pump()
                periodic.run_due(background=True)
            if count:
                log.info("pump: enqueued %d pending job(s)", count)
        except (redis.RedisError, OSError) as exc:
            log.warning("pump: Redis unavailable (%s); retrying", exc)
        except Exception:  # noqa: BLE001 - the pump must survive a dead database too
            log.exception("pump failed; retrying")
        stop.wait(every)


def start_pump(app: Flask, every: float = 5.0) -> threading.Event:
    """Run the pump in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=pump_forever, args=(app, stop, every), name="fw-pump", daemon=True).start()
    return stop
