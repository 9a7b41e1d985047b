"""`fraudwatch serve` heals instead of stopping (issue #8 row 4: when Redis died, the worker
exited and serve then stopped everything). Killed with SIGKILL one after the other: the
worker, the embedded Redis and the web server; serve keeps running, restarts each, and a
report posted after (or during) each fault is processed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.served import free_port


def _children(pid: int) -> dict[int, str]:
    """Direct children of `pid` with their command lines."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return out


def _wait(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _unprocessed(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from reports where processed_at is null").fetchone()[0]


def _report(base: str, text: str) -> int:
    answer = httpx.post(base + "/api/v1/reports", json={"message_text": text}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.mark.slow
def test_serve_restarts_what_dies_and_loses_no_report(tmp_path):
    port, instance = free_port(), tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(FRAUDWATCH_INSTANCE=str(instance), FRAUDWATCH_RATELIMIT="off")
    log = tmp_path / "serve.log"
    serve = subprocess.Popen([sys.executable, "-m", "fraudwatch", "serve", "--port", str(port), "--no-train",
                              "--web-workers", "1"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                             start_new_session=True)
    base, db = f"http://127.0.0.1:{port}", instance / "fraudwatch.db"
    output = lambda: log.read_text(errors="replace")[-4000:]  # noqa: E731
    try:
        assert _wait(lambda: _healthy(base), 90), output()
        processed = lambda: _unprocessed(db) == 0  # noqa: E731
        _report(base, "退税 before any fault")
        assert _wait(processed, 30), output()

        worker = next(p for p, cmd in _children(serve.pid).items() if "fraudwatch worker" in cmd)
        os.kill(worker, signal.SIGKILL)
        _report(base, "退税 while the worker is dead")
        assert _wait(lambda: any("fraudwatch worker" in c and p != worker for p, c in _children(serve.pid).items()), 30)
        assert _wait(processed, 45), "the restarted worker did not process the report"

        redis_pid = int((instance / "redis" / "redis.pid").read_text())
        os.kill(redis_pid, signal.SIGKILL)
        time.sleep(0.5)
        _report(base, "退税 while Redis is dead")  # stored, answered 201, processed later
        assert _wait(lambda: _healthy(base), 45), "the embedded Redis was not restarted"
        assert _wait(processed, 60), "the report posted while Redis was down was not processed"

        web = next(p for p, cmd in _children(serve.pid).items() if "gunicorn" in cmd)
        os.killpg(web, signal.SIGKILL)
        assert _wait(lambda: _healthy(base), 60), "the web server was not restarted\n" + output()
        _report(base, "退税 after the web server came back")
        assert _wait(processed, 30)
        assert serve.poll() is None
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
    assert serve.returncode == 0, output()
    assert "restarting in" in output() and "starting it again" in log.read_text()
    assert _children(serve.pid) == {}
