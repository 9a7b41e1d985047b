"""Chaos, short form (bench/chaos.py runs the long one): reports posted without pause while
web workers, RQ workers, the web server and Redis are killed with SIGKILL (and PostgreSQL
is crashed and restarted) in turn. Every report answered 201 must be stored and processed
within 60 s of the last fault, every refusal must be an error answer (a JSON document, or a
connection the fault broke), and no refusal may be a 500."""
from __future__ import annotations

import os

import pytest

from tests.chaos import PG_BIN
from tests.chaos_run import run

SECONDS = float(os.environ.get("FW_CHAOS_SECONDS", "45"))


@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_report_is_lost_or_stuck_under_faults(backend, tmp_path, trained_model_dir):
    if backend == "postgresql" and (PG_BIN is None or os.geteuid() != 0):
        pytest.skip("needs PostgreSQL server binaries and root (to run a private cluster as `postgres`)")
    verdict = run(backend, tmp_path, seconds=SECONDS, every=7, rate=5, model_dir=str(trained_model_dir))
    assert verdict.ok(), verdict
    assert verdict.created >= SECONDS * 2 and sum(verdict.faults.values()) >= 5
