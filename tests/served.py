"""A served instance for tests that need real processes: gunicorn serving the app on a free
port of 127.0.0.1 and, when asked, `fraudwatch worker` processes, on the test's database and
Redis (a unique key prefix and queue per instance). Used by the concurrency and chaos tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from fraudwatch.infra.webserver import HOOKS, WORKER_CLASS
from fraudwatch.storage.migrate import upgrade


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedInstance:
    """gunicorn + optional RQ workers on given services; `stop()` (or `with`) ends them all."""

    def __init__(self, database_url: str, redis_url: str, instance: Path, **env: str) -> None:
        self.instance = Path(instance)
        self.instance.mkdir(parents=True, exist_ok=True)
        (self.instance / "metrics").mkdir(exist_ok=True)  # PROMETHEUS_MULTIPROC_DIR of its processes
        tag = uuid.uuid4().hex[:10]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                    "FRAUDWATCH_INSTANCE": str(self.instance), "FRAUDWATCH_REDIS_PREFIX": f"fwtest:{tag}:",
                    "FRAUDWATCH_RQ_QUEUE": f"fwtest-{tag}", "FRAUDWATCH_RATELIMIT": "off",
                    "FRAUDWATCH_MODEL_DIR": str(self.instance / "models" / "current"),
                    "PROMETHEUS_MULTIPROC_DIR": str(self.instance / "metrics"), **env}
        self.database_url, self.redis_url, self.tag = database_url, redis_url, tag
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        upgrade(database_url)

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.instance / log, "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen([sys.executable, *args], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=self.instance)

    def start_web(self, workers: int = 2, threads: int = 4, worker_class: str = WORKER_CLASS) -> None:
        """Start gunicorn (the worker `serve` runs, unless told otherwise) and wait for /healthz."""
        self.web = self._spawn(["-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                                "--worker-class", worker_class, "--threads", str(threads),
                                "--graceful-timeout", "5", "--config", HOOKS, "--no-control-socket",
                                "fraudwatch:create_app()"], "web.log")
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        """Wait for /healthz, failing with the server's log if it never answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.web is not None and self.web.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the served instance did not start:\n" + self.log("web.log")[-3000:])

    def start_worker(self) -> subprocess.Popen:
        """Start one `fraudwatch worker` process."""
        proc = self._spawn(["-m", "fraudwatch", "worker"], f"worker-{len(self.workers)}.log")
        self.workers.append(proc)
        return proc

    def app(self):
        """An in-process app on this instance's database, Redis prefix and queue."""
        from tests.conftest import make_test_app

        return make_test_app(self.database_url, self.redis_url, self.instance / "in-process",
                             REDIS_PREFIX=self.env["FRAUDWATCH_REDIS_PREFIX"], RQ_QUEUE=self.env["FRAUDWATCH_RQ_QUEUE"],
                             RATELIMIT_ENABLED=False)

    def spawn_python(self, code: str, log: str) -> subprocess.Popen:
        """Run `python -c code` in this instance's environment (counted with the workers)."""
        proc = self._spawn(["-c", code], log)
        self.workers.append(proc)
        return proc

    def log(self, name: str) -> str:
        """The text a process of this instance wrote so far."""
        path = self.instance / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop every process of this instance (SIGTERM, then SIGKILL)."""
        procs = [p for p in [self.web, *self.workers] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def __enter__(self) -> ServedInstance:
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
