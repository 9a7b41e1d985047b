"""Chaos harness: run `fraudwatch serve` as users do, post reports without pause, and kill
(-9) web workers, RQ workers and Redis, and restart PostgreSQL, on a schedule; then check
that every report answered 201 is stored and processed once the faults stop, and that every
report that was not stored got an error answer (no silent loss).

Used by tests/fraudwatch/test_chaos.py (short form, in CI) and bench/chaos.py (long form).
Everything runs privately: its own Redis server (or the embedded one), its own PostgreSQL
cluster in a temporary folder (run as the `postgres` user), its own ports."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from fraudwatch.infra.embedded import redis_server_binary
from tests.served import free_port

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def children(pid: int) -> dict[int, str]:
    """Direct children of `pid` with their command lines."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
    return out


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


class PrivateRedis:
    """A redis-server of our own on a TCP port, killable and restartable (no persistence:
    a restart loses every queued job, the harshest case for the job pump)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.proc = subprocess.Popen([redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for(lambda: _pings(self.url), 10)

    def kill(self) -> None:
        """SIGKILL the server."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


def _pings(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb as the `postgres` user in a temporary folder)."""

    def __init__(self) -> None:
        if PG_BIN is None or shutil.which("runuser") is None:
            raise RuntimeError("PostgreSQL server binaries (postgresql package) and runuser are needed")
        self.folder = Path(tempfile.mkdtemp(prefix="fw-chaos-pg-", dir="/tmp"))
        shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres",
                           "--no-sync", "-E", "UTF8"])

    def _as_postgres(self, argv: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=self.folder)

    def _ctl(self, *args: str) -> None:
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                           "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
                           "-w", *args])

    def start(self) -> None:
        """Start the server (waits until it accepts connections)."""
        self._ctl("start")

    def crash(self) -> None:
        """Stop at once, as a crash would (immediate mode: recovery at the next start)."""
        self._ctl("-m", "immediate", "stop")

    def destroy(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self._ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_for(predicate, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError("condition not met in time")


@dataclass
class Outcome:
    """One report a client tried to submit."""

    token: str
    sent_at: float
    status: int | None = None  # HTTP status, None when no answer came (connection error)
    report_id: int | None = None
    error: str | None = None


@dataclass
class Poster:
    """Threads posting reports at about `rate` per second to `base`, each with a unique token."""

    base: str
    rate: float = 5.0
    threads: int = 4
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start posting."""
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._workers.append(thread)

    def stop(self) -> None:
        """Stop posting and wait for the requests under way."""
        self._stop.set()
        for thread in self._workers:
            thread.join(timeout=60)

    def _run(self, n: int) -> None:
        pause = self.threads / self.rate
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                token = f"chaos-{uuid.uuid4().hex}"
                outcome = Outcome(token, time.time())
                body = {"message_text": f"【国家税务总局】您有退税待领取，回复 {token}，咨询 1390000{n:04d}", "channel": "sms"}
                try:
                    answer = client.post("/api/v1/reports", json=body)
                    outcome.status = answer.status_code
                    if answer.status_code == 201:
                        outcome.report_id = answer.json()["id"]
                    elif "application/json" not in answer.headers.get("content-type", ""):
                        outcome.error = "non-JSON error: " + answer.text[:100]
                except httpx.HTTPError as exc:
                    outcome.error = type(exc).__name__
                self.outcomes.append(outcome)
                self._stop.wait(pause * random.uniform(0.5, 1.5))
