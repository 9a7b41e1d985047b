"""What metrics and request ids cost a request: the hooks' parts timed in a loop, in
prometheus-client's multiprocess mode (values in files, as gunicorn and the workers run them).

Prints microseconds per call; asserts nothing. Run: `.venv/bin/python bench/ops.py [--calls 200000]`.
bench/lookup.py gives the whole request's cost (run it with `--server '... --config
python:fraudwatch.infra.gunicorn_hooks'` for the multiprocess mode)."""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fraudwatch.infra import logs, metrics  # noqa: E402


def per_call(function, calls: int) -> float:
    """Microseconds per call (best of 3 runs)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()
    folder = metrics.use_multiprocess_dir(tempfile.mkdtemp(prefix="fw-bench-ops-"))
    print(f"multiprocess folder: {folder}")
    formatter = logs.JsonFormatter()
    record = logging.LogRecord("fraudwatch.access", logging.INFO, __file__, 1, "%s %s %s",
                               ("GET", "/api/v1/lookup", 200), None)
    record.method, record.path, record.status, record.duration_ms = "GET", "/api/v1/lookup", 200, 1.234
    parts = {
        "observe_request (counter + histogram)": lambda: metrics.observe_request("api.lookup_one", 200, 0.0012),
        "count_lookup_cache (one hit)": lambda: metrics.count_lookup_cache(1, 0),
        "count_page_cache": lambda: metrics.count_page_cache(True),
        "new_request_id": logs.new_request_id,
        "sane_request_id (caller's id)": lambda: logs.sane_request_id("0123456789abcdef0123456789abcdef"),
        "JSON access record (format only)": lambda: formatter.format(record),
    }
    for name, function in parts.items():
        print(f"{name}: {per_call(function, args.calls):.2f} us/call")
    started = time.perf_counter()
    body, _ = metrics.render()
    print(f"render /metrics (this process's files): {(time.perf_counter() - started) * 1000:.1f} ms, "
          f"{len(body):,} bytes")


if __name__ == "__main__":
    main()
