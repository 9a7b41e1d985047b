"""The supervisor's rule for a web server that stops: a failed start stops serve, a crash
of a server that was up is restarted, however soon after its start (real processes)."""
from __future__ import annotations

import socket
import sys
import time

import pytest

from fraudwatch.infra.supervisor import Child

LISTEN = ("import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); "
          "s.listen(); time.sleep(0.6)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _run_until_exit(child: Child) -> None:
    child.start()
    while child.proc.poll() is None:
        child.check(time.monotonic())
        time.sleep(0.05)


def test_a_server_that_was_up_and_died_soon_is_restarted():
    port = _free_port()
    child = Child("web server", [sys.executable, "-c", LISTEN, str(port)], {}, fatal_first_exit=True,
                  ready=lambda: _accepts(port))
    _run_until_exit(child)  # it accepted connections, then exited 0.6 s after its start
    child.check(time.monotonic())  # not fatal: it is restarted (after its pause)
    assert child.was_ready
    child.check(time.monotonic() + 60)
    assert child.starts == 2
    child.proc.kill()


def test_a_server_that_never_came_up_stops_the_service():
    child = Child("web server", [sys.executable, "-c", "import sys; sys.exit(3)"], {}, fatal_first_exit=True,
                  ready=lambda: False)
    _run_until_exit(child)
    with pytest.raises(RuntimeError, match="could not start"):
        child.check(time.monotonic())
