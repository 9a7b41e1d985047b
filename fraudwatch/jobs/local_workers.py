"""Local crawl workers: forked RQ workers that run until the whole crawl is done.

`fraudwatch crawl --workers N`, `fraudwatch import messages --workers N` and bench/crawl.py use
`run_local_workers`; in production, `fraudwatch worker` processes on any number of
machines listen to the same queues instead. Local workers serve the bulk queues only (an
import's reports, seed crawls) at a lower CPU priority (BULK_WORKER_NICE): a service
running on the same machine keeps its live reports to itself, and its CPU.
"""
from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from fraudwatch.infra import metrics
from fraudwatch.jobs.workers import BULK_ROLES
from fraudwatch.services.outbox import get_queue, queue_names


def crawl_idle(roles: tuple[str, ...] = BULK_ROLES) -> bool:
    """True when no job of these queues is queued, running or waiting for a retry."""
    for q in (get_queue(name) for name in queue_names(roles)):
        started = StartedJobRegistry(queue=q)
        started.cleanup()
        if q.count or started.count or ScheduledJobRegistry(queue=q).count:
            return False
    return True


def _worker_process(make_app: Callable[[], Flask], results, max_idle: float) -> None:
    """A local worker: run jobs until the whole crawl is idle, then report peak memory."""
    import resource
    import time

    from fraudwatch.jobs.workers import build_worker, lower_priority

    app = make_app()
    lower_priority(app.config["BULK_WORKER_NICE"])
    waiting_since = time.monotonic()
    while True:
        # with_scheduler: a burst worker also enqueues retries whose backoff has passed
        if build_worker(app, BULK_ROLES).work(burst=True, with_scheduler=True, logging_level="WARNING"):
            waiting_since = time.monotonic()
        with app.app_context():
            if crawl_idle():
                break
        if time.monotonic() - waiting_since > max_idle:
            break  # jobs held by a dead worker: left to RQ's abandoned-job handling
        time.sleep(0.05)
    results.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    metrics.mark_process_dead(os.getpid())


def run_local_workers(count: int, make_app: Callable[[], Flask], max_idle: float = 180.0) -> list[int]:
    """Run `count` worker processes here until the crawl is done; their peak RSS in KiB.
    Each forked process builds its app with `make_app()` (the caller's factory: the jobs
    layer does not import the app it runs in)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker_process, args=(make_app, results, max_idle), daemon=False)
             for _ in range(max(1, count))]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    peaks = []
    while not results.empty():
        peaks.append(results.get_nowait())
    return peaks
