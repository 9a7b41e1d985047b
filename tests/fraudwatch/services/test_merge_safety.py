"""Merging reports can neither build a cycle nor overwrite a confirmed verdict, and the
duplicate walk of a new report ends even on a cycle left in the database (issue #8 row 1:
merging 5 into 4 then 4 into 5 was accepted, and posting either text again then hung a web
worker forever)."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Report


def report(client, text, **extra):
    r = client.post("/api/v1/reports", json={"message_text": text, **extra})
    assert r.status_code == 201
    return r.get_json()["id"]


def merge(client, officer, target, others, reason="same campaign"):
    return client.post(f"/api/v1/reports/{target}/merge", headers=officer,
                       json={"report_ids": others, "reason": reason})


def row(client, officer, report_id):
    return client.get(f"/api/v1/reports/{report_id}", headers=officer).get_json()


def test_merging_back_the_other_way_is_refused(client, officer):
    a, b = report(client, "退税链接 a.example-refund.top"), report(client, "退税链接 b.example-refund.top")
    assert merge(client, officer, a, [b]).status_code == 200
    back = merge(client, officer, b, [a])
    assert back.status_code == 409 and back.get_json()["error"]["code"] == "conflict"
    assert f"merge into report {a}" in back.get_json()["error"]["message"]
    assert row(client, officer, a)["duplicate_of"] is None and row(client, officer, b)["duplicate_of"] == a


def test_a_confirmed_report_is_never_turned_into_a_duplicate(client, officer):
    a, b = report(client, "数电票升级费 请转账 1"), report(client, "数电票升级费 请转账 2")
    r = client.post(f"/api/v1/reports/{b}/status", headers=officer, json={"status": "confirmed", "reason": "fake"})
    assert r.status_code == 200
    refused = merge(client, officer, a, [b])
    assert refused.status_code == 409 and str(b) in refused.get_json()["error"]["message"]
    assert row(client, officer, b)["status"] == "confirmed"
    assert merge(client, officer, b, [a]).status_code == 200  # into the confirmed one is fine
    assert row(client, officer, b)["status"] == "confirmed" and row(client, officer, a)["duplicate_of"] == b


def test_merging_a_group_head_brings_its_duplicates_along(client, officer):
    a, b, c = (report(client, f"税务稽查通知 {n}") for n in "abc")
    assert merge(client, officer, b, [c]).status_code == 200
    assert merge(client, officer, a, [b]).status_code == 200
    assert row(client, officer, c)["duplicate_of"] == a  # chains stay one link long
    assert "was merged into report" in row(client, officer, c)["history"][-1]["reason"]


def test_the_duplicate_walk_ends_on_a_cycle_left_in_the_database(app, client, officer):
    text = "【国家税务总局】退税 cycle-test http://cycle-refund.top/x"
    a = report(client, text)
    b = report(client, text + " 2")
    with app.app_context():  # what the old merge code let officers build
        db.session.execute(sa.update(Report).where(Report.id == a).values(duplicate_of_id=b))
        db.session.execute(sa.update(Report).where(Report.id == b).values(duplicate_of_id=a))
        db.session.commit()
    done = []
    worker = threading.Thread(target=lambda: done.append(client.post("/api/v1/reports", json={"message_text": text})))
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "posting the same text again hung on the duplicate cycle"
    assert done[0].status_code == 201


def test_opposite_merges_at_the_same_moment_cannot_both_win(app, officer):
    """Both checks pass on what each transaction saw before the other committed, unless the
    rows are locked first: then one merge waits, sees the other's result and is refused."""
    clients = [app.test_client() for _ in range(2)]
    outcomes = []
    for round_ in range(5):
        a, b = (report(clients[0], f"同时合并 {round_} {n} http://race-{round_}-{n}.top") for n in "ab")
        barrier = threading.Barrier(2)

        def go(c, target, other, barrier=barrier):
            barrier.wait()
            outcomes.append(merge(c, officer, target, [other]).status_code)

        threads = [threading.Thread(target=go, args=(clients[0], a, b)), threading.Thread(target=go, args=(clients[1], b, a))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        with app.app_context():
            heads = db.session.scalars(sa.select(Report.duplicate_of_id).where(Report.id.in_([a, b]))).all()
        assert sorted(heads, key=str).count(None) == 1, heads  # exactly one head: no cycle
    assert set(outcomes) <= {200, 409} and outcomes.count(200) == 5, outcomes
