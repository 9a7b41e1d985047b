"""Concurrent reports that share indicators are all stored, on a real server (issue #8 row 2:
9 of 300 concurrent reports sharing a domain failed on PostgreSQL with DeadlockDetected and a
500, and were not stored)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import make_engine
from tests.served import ServedInstance

REPORTS = 300


def _post(base: str, n: int) -> int:
    # every report names the shared domain (as a URL, as a domain and in its text) and a
    # shared phone, plus things of its own, in varying order
    body = {"message_text": f"【国家税务总局】退税{n}元 https://etax-refund.top/claim/{n} 或 https://etax-refund.top/ "
                            f"咨询 13912345678 或 139{n:08d}",
            "domain": "etax-refund.top", "url": f"http://{n}.etax-refund.top/x", "channel": "sms"}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            return client.post("/api/v1/reports", json=body).status_code
    except httpx.HTTPError:  # counted as a failure below, with the others
        return -1


@pytest.mark.slow
def test_300_concurrent_reports_sharing_a_domain_are_all_stored(database_url, redis_url, tmp_path):
    with ServedInstance(database_url, redis_url, tmp_path / "instance") as served:
        served.start_web(workers=3, threads=8)
        with ThreadPoolExecutor(max_workers=48) as pool:
            statuses = list(pool.map(lambda n: _post(served.url, n), range(REPORTS)))
        log = served.log("web.log")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM reports")).scalar()
        shared = conn.execute(sa.text("SELECT report_count FROM indicators WHERE type = 'domain' "
                                      "AND value = 'etax-refund.top'")).scalar()
    engine.dispose()
    assert statuses.count(201) == REPORTS, (sorted(set(statuses)), log[-3000:])
    assert stored == REPORTS and shared == REPORTS  # every link counted: no lost update either
    assert "Traceback" not in log
