"""Keeping the one-machine service alive: what `fraudwatch serve` runs and watches.

Each child (the web server, each worker) is restarted when it exits, after a pause that
doubles with each quick failure (1 s up to 30 s: a child dying within 10 s of its start
is crash-looping) and is 1 s again for a child that lived longer; the embedded Redis is
pinged every second and started again when it stops
answering. Only a web server that cannot start at all (its first run ends within a few
seconds without ever accepting a connection: a port in use, a bad setting) stops the
service, since restarting would not help.
In production, systemd (or another process manager) does this for `gunicorn` and
`fraudwatch worker` instead (see the README)."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
MAX_PAUSE = 30.0
HEALTHY_AFTER = 10.0  # a child that lived longer was not crash-looping: its next restart waits 1 s
FIRST_START_GRACE = 5.0


class Child:
    """A child process kept running."""

    def __init__(self, name: str, argv: list[str], env: dict, *, fatal_first_exit: bool = False,
                 ready: Callable[[], bool] | None = None) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.proc: subprocess.Popen | None = None
        self.fatal_first_exit = fatal_first_exit
        self.ready = ready  # a probe: once it answered, an exit is a crash, not a failed start
        self.was_ready = False
        self.quick_failures = 0
        self.starts = 0
        self.started_at = 0.0
        self.restart_at = 0.0

    def start(self) -> None:
        """Start the process (in a session of its own: Ctrl-C reaches only the supervisor)."""
        self.proc = subprocess.Popen(self.argv, env=self.env, start_new_session=True)
        self.started_at, self.starts = time.monotonic(), self.starts + 1

    def check(self, now: float) -> None:
        """Restart the process if it exited and its pause is over; raise if it cannot run."""
        if self.proc is None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.proc.poll()
        if code is None:
            if not self.was_ready and self.ready is not None:
                self.was_ready = self.ready()
            return
        lived = now - self.started_at
        _signal_group(self.proc, signal.SIGKILL)  # what it started and left behind (RQ's scheduler)
        if self.fatal_first_exit and self.starts == 1 and lived < FIRST_START_GRACE and not self.was_ready:
            raise RuntimeError(f"{self.name} could not start (exit code {code}); see its messages above")
        self.quick_failures = 0 if lived > HEALTHY_AFTER else self.quick_failures + 1
        pause = min(MAX_PAUSE, 2.0 ** max(0, self.quick_failures - 1))
        log.warning("%s exited (code %s) after %.0f s; restarting in %.0f s", self.name, code, lived, pause)
        self.proc, self.restart_at = None, now + pause

    def terminate(self) -> None:
        """Ask the process to stop (SIGTERM to its session)."""
        if self.proc is not None and self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        """Wait for the process until `deadline`, then kill its session."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(self.proc, signal.SIGKILL)
            self.proc.wait()


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


class Watchdog:
    """Calls `restart` when `alive` has failed twice in a row, with the same growing pause."""

    def __init__(self, name: str, alive: Callable[[], bool], restart: Callable[[], object]) -> None:
        self.name, self.alive, self.restart = name, alive, restart
        self.misses, self.pause, self.next_try = 0, 1.0, 0.0

    def check(self, now: float) -> None:
        """Probe; restart after two misses (not before the pause since the last try is over)."""
        if self.alive():
            self.misses, self.pause = 0, 1.0
            return
        self.misses += 1
        if self.misses < 2 or now < self.next_try:
            return
        log.warning("%s is not answering; starting it again", self.name)
        try:
            self.restart()
        except Exception as exc:  # noqa: BLE001 - keep watching; try again after the pause
            log.error("could not start %s: %s; next try in %.0f s", self.name, exc, self.pause)
        self.next_try, self.pause = now + self.pause, min(MAX_PAUSE, self.pause * 2)


def supervise(children: list[Child], watchdogs: list[Watchdog], every: float = 0.5) -> None:
    """Start the children and keep them (and what the watchdogs watch) running until
    KeyboardInterrupt (Ctrl-C or SIGTERM: see `interrupt_on_signals`)."""
    for child in children:
        child.start()
    while True:
        time.sleep(every)
        now = time.monotonic()
        for watchdog in watchdogs:
            watchdog.check(now)
        for child in children:
            child.check(now)


def interrupt_on_signals() -> None:
    """Turn SIGTERM (and SIGINT, even when inherited as ignored) into KeyboardInterrupt."""
    def interrupt(*_args) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


def stop_all(children: list[Child], grace: float = 15.0) -> None:
    """SIGTERM every child, then SIGKILL those still running after `grace` seconds."""
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        child.wait(deadline)
