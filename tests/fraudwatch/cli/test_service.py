"""The `fraudwatch` command: users and tokens, migrations, and `serve` end to end."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from fraudwatch.cli import main


@pytest.fixture
def cli(tmp_path):
    """Run `fraudwatch ...` in-process on a fresh SQLite database."""
    env = {"FRAUDWATCH_INSTANCE": str(tmp_path / "inst"), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert run("db-upgrade").exit_code == 0
    return run


def test_users_and_tokens(cli):
    created = cli("create-user", "li.officer", "--role", "officer")
    assert created.exit_code == 0 and "fwo_" in created.output
    token = created.output.strip().split()[-1]
    assert cli("create-user", "li.officer", "--role", "officer").exit_code == 2
    second = cli("create-token", "li.officer", "--label", "laptop")
    assert second.exit_code == 0 and second.output.strip().split()[-1] != token
    assert cli("revoke-token", token[:10]).exit_code == 0
    assert cli("revoke-token", token[:10]).exit_code == 2


@pytest.mark.parametrize("args", [
    ("create-user", "x", "--role", "god"),
    ("create-user", "", "--role", "officer"),
    ("create-user", "n" * 500, "--role", "officer"),
    ("create-user", "acme", "--role", "enterprise", "--rate-limit", "lots"),
    ("create-token", "nobody"),
    ("revoke-token", "fwo_nothing"),
    ("worker", "--burst", "--queues", "live,nope"),
    ("worker", "--burst", "--queues", ","),
    ("worker", "--burst", "--nice", "40"),
    ("serve", "--live-workers", "-1"),
])
def test_bad_cli_input_is_a_usage_error(cli, args):
    result = cli(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_an_unknown_queue_is_named_with_the_known_ones(cli):
    result = cli("worker", "--burst", "--queues", "live,urgent")
    assert result.exit_code == 2
    assert "unknown queue 'urgent'" in result.output and "live, live-crawl, bulk, crawl" in result.output


def test_enterprise_user_with_limit(cli):
    result = cli("create-user", "acme <script>", "--role", "enterprise", "--rate-limit", "600/minute;10000/day")
    assert result.exit_code == 0 and "fwe_" in result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited early"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("serve did not become ready")


def test_serve_runs_web_worker_and_embedded_redis_then_stops(tmp_path):
    """The README's first command ends in `fraudwatch serve`: all embedded, Ctrl-C stops all."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["FRAUDWATCH_INSTANCE"] = str(tmp_path / "instance")
    proc = subprocess.Popen([sys.executable, "-m", "fraudwatch", "serve", "--port", str(port), "--no-train",
                             "--web-workers", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/readyz", proc)
        created = httpx.post(base + "/api/v1/reports", json={"message_text": "退税请点 http://etax-refund.top/x"})
        assert created.status_code == 201
        answer = httpx.get(base + "/api/v1/lookup", params={"type": "domain", "value": "etax-refund.top"}).json()
        assert answer["status"] == "suspected"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = subprocess.run([sys.executable, "-c", _PENDING_CHECK, str(tmp_path / "instance" / "fraudwatch.db")],
                                  capture_output=True, text=True).stdout.strip()
            if done == "0":
                break
            time.sleep(0.5)
        assert done == "0", "the worker did not process the report"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert proc.returncode == 0, output
    assert "stopped" in output
    assert not Path(tmp_path / "instance" / "redis" / "redis.sock").exists()
    with pytest.raises(httpx.HTTPError):
        httpx.get(base + "/healthz", timeout=1)


_PENDING_CHECK = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("select count(*) from pending_jobs where done_at is null").fetchone()[0])
"""


def test_serve_retrains_a_model_that_no_longer_fits(tmp_path, trained_model_dir):
    """A model written by another code version (wrong feature count) is replaced on start."""
    import shutil

    import numpy as np

    from fraudwatch.cli.service import _usable

    stale = tmp_path / "current"
    shutil.copytree(trained_model_dir, stale)
    with np.load(stale / "weights.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["flag_W"] = arrays["flag_W"][..., :-3]
    np.savez(stale / "weights.npz", **arrays)
    assert _usable(trained_model_dir) is True
    assert _usable(stale) is False
    assert _usable(tmp_path / "missing") is False


def test_serve_on_a_port_in_use_stops_at_once_saying_so(tmp_path):
    """gunicorn retries a busy port, then exits; restarting it would loop forever."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env["FRAUDWATCH_INSTANCE"] = str(tmp_path / "instance")
        done = subprocess.run([sys.executable, "-m", "fraudwatch", "serve", "--port", str(port), "--no-train"],
                              env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert not (tmp_path / "instance" / "redis" / "redis.pid").exists()  # nothing was started
