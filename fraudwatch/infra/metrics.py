"""Prometheus metrics (prometheus-client): the metric objects, the counting helpers the hot
paths call, and the multiprocess set-up.

Multiprocess mode: every process of an instance (gunicorn web workers, RQ workers) writes its
values to files in PROMETHEUS_MULTIPROC_DIR (`<instance>/metrics` unless set), and /metrics,
served by any web worker, adds them all up (prometheus_client.multiprocess). prometheus-client
chooses the mode when it is first imported, so this module imports it only when a metric is
first used, after `use_multiprocess_dir` set the variable. `fraudwatch serve` empties the folder
before it starts its children; a gunicorn master removes the files of processes no longer
running when it starts (gunicorn_hooks.py); a process that ends is marked dead
(`mark_process_dead`, which drops its live gauges; its counters stay in the sums).

Test apps (TESTING) and processes started without an instance keep their values in memory.
Every label has a bounded set of values: endpoints are Flask endpoint names (never raw
paths), statuses are classes (2xx...), job kinds and outcomes come from the code."""
from __future__ import annotations

import glob
import os
import re
import shutil
import sys
import threading
from pathlib import Path

from fraudwatch.config import metrics_multiproc_dir, set_metrics_multiproc_dir

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
MAX_ENDPOINTS = 500  # label pairs kept per process (the app has fewer routes)
_PID_FILE = re.compile(r"_(\d+)\.db$")


def metrics_dir(instance_path: str | os.PathLike) -> Path:
    """Where the processes of this instance write their values (the environment's, if set)."""
    return Path(metrics_multiproc_dir() or Path(instance_path) / "metrics")


def use_multiprocess_dir(instance_path: str | os.PathLike) -> Path | None:
    """Make this process (and the processes it starts) write metrics under the instance;
    None when prometheus-client was imported already in single-process mode (too late)."""
    if metrics_multiproc_dir() is None and "prometheus_client" in sys.modules:
        return None
    folder = metrics_dir(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    set_metrics_multiproc_dir(str(folder))
    return folder


def multiprocess() -> bool:
    """True when values live in files shared by the instance's processes."""
    return metrics_multiproc_dir() is not None


def wipe(folder: str | os.PathLike) -> None:
    """Empty the folder (at the start of an instance, before any of its processes runs)."""
    shutil.rmtree(folder, ignore_errors=True)
    Path(folder).mkdir(parents=True, exist_ok=True)


def remove_dead(folder: str | os.PathLike) -> int:
    """Remove the files of processes that are not running (left by an earlier run); how many."""
    removed = 0
    for path in glob.glob(os.path.join(folder, "*.db")):
        match = _PID_FILE.search(path)
        if match and not _running(int(match.group(1))):
            try:
                os.remove(path)
                removed += 1
            except OSError:
                pass
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_process_dead(pid: int) -> None:
    """Drop the live gauges of an ended process (gunicorn's child_exit, a worker's exit)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(pid)


class _Metrics:
    """The metric objects, built once per process on first use."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.requests = Counter("fraudwatch_http_requests_total", "HTTP requests answered by the app",
                                ["endpoint", "status"])
        self.latency = Histogram("fraudwatch_http_request_duration_seconds", "Time the app took to answer",
                                 ["endpoint"], buckets=LATENCY_BUCKETS)
        self.jobs = Histogram("fraudwatch_job_duration_seconds", "Background jobs run, by kind and outcome",
                              ["kind", "outcome"], buckets=JOB_BUCKETS)
        self.jobs_running = Gauge("fraudwatch_jobs_running", "Jobs running now", multiprocess_mode="livesum")
        self.periodic_last = Gauge("fraudwatch_periodic_last_success_timestamp_seconds",
                                   "When each periodic task (feed_sweep...) last ran to the end", ["task"],
                                   multiprocess_mode="max")
        self.verdicts = Counter("fraudwatch_verdicts_total", "Verdicts stored on reports, by label", ["label"])
        self.crawls = Counter("fraudwatch_crawls_total", "URLs crawled, by outcome", ["outcome"])
        cache = Counter("fraudwatch_cache_requests_total", "Cache reads, by cache and result", ["cache", "result"])
        self.lookup_hit, self.lookup_miss = cache.labels("lookup", "hit"), cache.labels("lookup", "miss")
        self.page_hit, self.page_miss = cache.labels("page", "hit"), cache.labels("page", "miss")
        self.by_endpoint: dict[tuple[str, str], tuple] = {}


_metrics: _Metrics | None = None
_building = threading.Lock()


def get() -> _Metrics:
    """The metric objects of this process (built by the first thread that needs them)."""
    global _metrics
    with _building:
        if _metrics is None:
            _metrics = _Metrics()
    return _metrics


def observe_request(endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    m = _metrics or get()
    key = (endpoint, status)
    pair = m.by_endpoint.get(key)
    if pair is None:
        if len(m.by_endpoint) >= MAX_ENDPOINTS:
            m.by_endpoint.clear()
        pair = m.by_endpoint[key] = (m.requests.labels(endpoint, f"{status // 100}xx"), m.latency.labels(endpoint))
    pair[0].inc()
    pair[1].observe(seconds)


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    """A background job ended: its kind, outcome (ok, error, given_up...) and duration."""
    (_metrics or get()).jobs.labels(kind, outcome).observe(seconds)


def periodic_done(task: str, seconds: float) -> None:
    """A periodic task ran to the end: its duration (as job `periodic_<task>`) and the time."""
    m = _metrics or get()
    m.jobs.labels(f"periodic_{task}", "ok").observe(seconds)
    m.periodic_last.labels(task).set_to_current_time()


def count_verdict(label: str) -> None:
    """A verdict was stored on a report."""
    (_metrics or get()).verdicts.labels(label).inc()


def count_crawl(outcome: str) -> None:
    """A crawled URL's outcome (page, retrying, or the fetch's error code)."""
    (_metrics or get()).crawls.labels(outcome).inc()


def count_lookup_cache(hits: int, misses: int) -> None:
    """Lookup cache reads: answers found and not found."""
    m = _metrics or get()
    if hits:
        m.lookup_hit.inc(hits)
    if misses:
        m.lookup_miss.inc(misses)


def count_page_cache(hit: bool) -> None:
    """One public page cache read."""
    m = _metrics or get()
    (m.page_hit if hit else m.page_miss).inc()


def render(*collectors) -> tuple[bytes, str]:
    """The exposition text of every process of the instance (or of this one), plus `collectors`
    (read at scrape time), and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    get()  # every metric is listed, at zero, from the first scrape
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST
