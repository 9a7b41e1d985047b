"""Slow periodic tasks (pulls of other services' feeds) run on a thread of their own in the
pump, so that the feed sweep and the other tasks of the same turn are not held behind them; a
slow task still running keeps its turn (not started twice in one process)."""
from __future__ import annotations

import threading

import pytest

from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.infra.redis_keys import periodic_turn
from fraudwatch.jobs import periodic

pytestmark = pytest.mark.backend("sqlite")  # threads and Redis turns; the database plays no part
_GATE = threading.Event()
_SEEN: list[str] = []


def _slow() -> None:
    _SEEN.append(f"slow started, session {db.session is not None}")
    _GATE.wait(30)
    _SEEN.append("slow ended")


def _fast() -> None:
    _SEEN.append("fast")


def _clear(*names: str) -> None:
    for name in names:
        redis_store.client.delete(periodic_turn(name))


def test_a_slow_task_runs_beside_the_turn_and_is_not_started_twice(app, monkeypatch):
    monkeypatch.setitem(periodic.TASKS, "slow_probe", (f"{__name__}:_slow", "PROBE_SECONDS"))
    monkeypatch.setitem(periodic.TASKS, "fast_probe", (f"{__name__}:_fast", "PROBE_SECONDS"))
    monkeypatch.setattr(periodic, "SLOW_TASKS", frozenset({"slow_probe"}))
    app.config["PROBE_SECONDS"] = 60
    _GATE.clear()
    _SEEN.clear()
    with app.app_context():
        _clear("slow_probe", "fast_probe")
        ran = periodic.run_due(["slow_probe", "fast_probe"], background=True)
        assert ran == ["slow_probe", "fast_probe"]
        assert "fast" in _SEEN  # the fast task ran while the slow one waits on its gate
        assert "slow ended" not in _SEEN
        _clear("slow_probe", "fast_probe")  # the next turn comes while the slow one still runs
        assert periodic.run_due(["slow_probe", "fast_probe"], background=True) == ["fast_probe"]
        _GATE.set()
        periodic._running["slow_probe"].join(10)
    assert _SEEN.count("slow started, session True") == 1 and _SEEN[-1] == "slow ended"


def test_without_background_a_slow_task_runs_in_the_call(app, monkeypatch):
    monkeypatch.setitem(periodic.TASKS, "slow_probe", (f"{__name__}:_slow", "PROBE_SECONDS"))
    monkeypatch.setattr(periodic, "SLOW_TASKS", frozenset({"slow_probe"}))
    app.config["PROBE_SECONDS"] = 60
    _GATE.set()
    _SEEN.clear()
    with app.app_context():
        _clear("slow_probe")
        assert periodic.run_due(["slow_probe"]) == ["slow_probe"]
    assert _SEEN == ["slow started, session True", "slow ended"]

