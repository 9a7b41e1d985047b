"""Chaos benchmark, long form: `fraudwatch serve` under a steady stream of reports while its
parts are killed (-9) in turn, for minutes; prints what became of every report.

Faults, one every `--every` seconds in rotation: a gunicorn worker, an RQ worker, Redis
(the embedded one on SQLite: serve's watchdog restarts it; a private redis-server without
persistence on PostgreSQL: restarted 2 s later, as a process manager would), the whole web
server (serve restarts it), and on PostgreSQL a crash of a private cluster (stop -m
immediate, 3 s down, start). Then up to 60 s for the backlog to drain.

Prints: reports sent, answered 201, refused (by status or exception), stored, processed,
lost (201 but not stored), stuck (201 but not processed 60 s after the last fault), stored
although the client saw an error, the longest time from report to processed, and how long
the backlog took to drain. Asserts nothing.

Run: `.venv/bin/python bench/chaos.py [--minutes 10] [--backend sqlite|postgresql|both]`
(PostgreSQL needs the server binaries and root, to run the private cluster as `postgres`).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.chaos_run import run  # noqa: E402


def _model(folder: Path) -> str:
    """A model trained on the test fixtures (small and quick: this measures the plumbing)."""
    from classifiers.train import train_model

    target = folder / "model"
    train_model([ROOT / "tests" / "classifiers" / "fixtures"], target, progress=lambda *_: None)
    return str(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=15.0, help="seconds between faults")
    parser.add_argument("--rate", type=float, default=5.0, help="reports per second offered")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="fw-chaos-") as tmp:
        folder = Path(tmp)
        model = _model(folder)
        for backend in (["sqlite", "postgresql"] if args.backend == "both" else [args.backend]):
            started = time.monotonic()
            verdict = run(backend, folder / backend, seconds=args.minutes * 60, every=args.every, rate=args.rate,
                          model_dir=model)
            print(f"{backend}: {args.minutes:g} min of faults, one every {args.every:g} s, "
                  f"{args.rate:g} reports/s offered, {time.monotonic() - started:.0f} s in all")
            print(json.dumps({**dataclasses.asdict(verdict), "ok": verdict.ok()}, indent=2))


if __name__ == "__main__":
    main()
