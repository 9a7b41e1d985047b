"""Running a chaos session (see tests/chaos.py): `fraudwatch serve` on SQLite with its
embedded Redis, or on a private PostgreSQL with a private Redis; reports posted throughout;
faults injected in turn; then the verdict on every report a client tried to submit."""
from __future__ import annotations

import itertools
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import httpx
import sqlalchemy as sa

from fraudwatch.infra.extensions import make_engine
from tests.chaos import Poster, PrivatePostgres, PrivateRedis, children
from tests.served import free_port

log = logging.getLogger(__name__)
TOKEN = re.compile(r"chaos-[0-9a-f]{32}")


@dataclass
class Verdict:
    """What became of the reports of a chaos session."""

    sent: int
    created: int  # answered 201
    refused: int  # answered with an error status, or no answer at all
    non_json_errors: int
    internal_errors: int  # answered 500: a fault the service should have answered 503 (or handled)
    refusals: dict  # status (or exception name) -> count
    stored: int  # of the 201s
    processed: int  # of the 201s
    lost: int  # 201 but not stored
    stuck: int  # 201, stored, not processed within the grace period after recovery
    stored_despite_error: int  # the client saw an error, but the report was kept (at least once)
    max_seconds_to_process: float
    drained_after_recovery: float
    faults: dict

    def ok(self) -> bool:
        """No loss, nothing stuck, every error a JSON document or a broken connection."""
        return (self.lost == 0 and self.stuck == 0 and self.non_json_errors == 0 and self.internal_errors == 0
                and self.created > 0)


class ChaosService:
    """`fraudwatch serve` on a backend, and the faults that can be done to it."""

    def __init__(self, backend: str, folder: Path, model_dir: str | None = None, rq_workers: int = 2) -> None:
        self.backend, self.folder, self.port = backend, folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self.postgres = PrivatePostgres() if backend == "postgresql" else None
        self.redis = PrivateRedis(folder / "redis") if backend == "postgresql" else None
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update(FRAUDWATCH_INSTANCE=str(folder / "instance"), FRAUDWATCH_RATELIMIT="off")
        if model_dir:
            env["FRAUDWATCH_MODEL_DIR"] = model_dir
        if self.postgres:
            env.update(DATABASE_URL=self.postgres.url, REDIS_URL=self.redis.url)
        self.env, self.rq_workers = env, rq_workers
        self.database_url = self.postgres.url if self.postgres else f"sqlite:///{folder / 'instance' / 'fraudwatch.db'}"
        self.serve: subprocess.Popen | None = None
        self.faults: dict[str, int] = {}

    def start(self) -> None:
        """Start the backend services and `serve`; wait until it is ready."""
        if self.postgres:
            self.postgres.start()
            self.redis.start()
        self.serve = subprocess.Popen(
            [sys.executable, "-m", "fraudwatch", "serve", "--port", str(self.port), "--no-train",
             "--web-workers", "2", "--rq-workers", str(self.rq_workers)], env=self.env,
            stdout=(self.folder / "serve.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not self.ready():
            if self.serve.poll() is not None:
                raise RuntimeError("serve exited:\n" + self.log()[-3000:])
            time.sleep(0.3)

    def ready(self) -> bool:
        """/readyz answers 200 (database and Redis reachable)."""
        try:
            return httpx.get(self.base + "/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        """What serve and its children printed."""
        return (self.folder / "serve.log").read_text(errors="replace")

    def _pick(self, word: str, depth: int = 1) -> int | None:
        procs = children(self.serve.pid)
        if depth == 2:
            masters = [p for p, c in procs.items() if "gunicorn" in c]
            procs = children(masters[0]) if masters else {}
        found = [p for p, c in procs.items() if word in c]
        return found[0] if found else None

    def fault(self, name: str) -> None:
        """Inject one fault by name (see FAULTS)."""
        self.faults[name] = self.faults.get(name, 0) + 1
        if name == "web worker":
            pid = self._pick("gunicorn", depth=2) or self._pick("gunicorn")
        elif name == "rq worker":
            pid = self._pick("fraudwatch worker")
        elif name == "web server":
            pid = self._pick("gunicorn")
            if pid:
                os.killpg(pid, signal.SIGKILL)
            return
        elif name == "redis":
            return self._redis_fault()
        elif name == "postgresql":
            self.postgres.crash()
            time.sleep(3)
            self.postgres.start()
            return
        else:
            raise ValueError(name)
        if pid:
            os.kill(pid, signal.SIGKILL)

    def _redis_fault(self) -> None:
        if self.redis:  # standalone: its supervisor (here, us) brings it back after a moment
            self.redis.kill()
            time.sleep(2)
            self.redis.start()
            return
        pidfile = self.folder / "instance" / "redis" / "redis.pid"
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)  # embedded: serve's watchdog restarts it
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        """Stop serve (Ctrl-C) and the backend services."""
        if self.serve is not None and self.serve.poll() is None:
            self.serve.send_signal(signal.SIGINT)
            try:
                self.serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.serve.pid, signal.SIGKILL)
        if self.redis:
            self.redis.kill()
        if self.postgres:
            self.postgres.destroy()


FAULTS = {"sqlite": ["web worker", "rq worker", "redis", "web server"],
          "postgresql": ["web worker", "rq worker", "redis", "postgresql", "web server"]}


def run(backend: str, folder: Path, *, seconds: float, every: float, rate: float = 5.0, grace: float = 60.0,
        model_dir: str | None = None) -> Verdict:
    """A chaos session: `seconds` of faults (one every `every` s) under load, then the verdict."""
    service = ChaosService(backend, folder, model_dir)
    try:
        service.start()
        poster = Poster(service.base, rate=rate)
        poster.start()
        faults = itertools.cycle(FAULTS[backend])
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(every)
            service.fault(next(faults))
        poster.stop()
        recovered = time.monotonic()
        return judge(service, poster, recovered, grace)
    finally:
        service.stop()


def judge(service: ChaosService, poster: Poster, recovered: float, grace: float) -> Verdict:
    """Wait up to `grace` seconds for every 201 to be processed, then count."""
    created = [o for o in poster.outcomes if o.status == 201]
    drained = None
    rows: dict[str, tuple] = {}
    while time.monotonic() < recovered + grace:
        rows = _rows(service.database_url)
        if all(rows.get(o.token, (None, None, None))[1] is not None for o in created):
            drained = time.monotonic() - recovered
            break
        time.sleep(1)
    stored = [o for o in created if o.token in rows and rows[o.token][0] == o.report_id]
    processed = [o for o in stored if rows[o.token][1] is not None]
    refused = [o for o in poster.outcomes if o.status != 201]
    spans = [(rows[o.token][1] - rows[o.token][2]).total_seconds() for o in processed]
    return Verdict(sent=len(poster.outcomes), created=len(created), refused=len(refused),
                   non_json_errors=sum(1 for o in refused if o.error and o.error.startswith("non-JSON")),
                   internal_errors=sum(1 for o in refused if o.status == 500),
                   refusals=dict(Counter(str(o.status or o.error) for o in refused)),
                   stored=len(stored), processed=len(processed), lost=len(created) - len(stored),
                   stuck=len(stored) - len(processed), stored_despite_error=sum(1 for o in refused if o.token in rows),
                   max_seconds_to_process=round(max(spans, default=0.0), 1),
                   drained_after_recovery=round(drained, 1) if drained is not None else -1.0,
                   faults=dict(service.faults))


def _rows(database_url: str) -> dict[str, tuple]:
    """token -> (report id, processed_at, created_at) of every report of the session."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text("SELECT id, message_text, processed_at, created_at FROM reports"))
            out = {}
            for report_id, text, processed_at, created_at in result:
                found = TOKEN.search(text or "")
                if found:
                    out[found.group()] = (report_id, _aware(processed_at), _aware(created_at))
            return out
    except sa.exc.DBAPIError:
        return {}
    finally:
        engine.dispose()


def _aware(value):
    from datetime import datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
