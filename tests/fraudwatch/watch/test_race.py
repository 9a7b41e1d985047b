"""Two workers matching the same thing at once make one alert and one delivery per channel
(the unique dedupe_key settles it: the second insert waits for the first and does nothing)."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import alerts, watch
from fraudwatch.services.watch_index import Match
from fraudwatch.storage import users
from fraudwatch.storage.models import Alert, AlertDelivery, PendingJob


def test_racing_workers_make_one_alert(app):
    with app.app_context():
        user = users.create_user(db.session, "acme", "enterprise")
        db.session.commit()
        entry = watch.add_entry(user, "domain", "example-corp.com")
        watch.add_channel(user, "email", "a@example-corp.com")
        watch.add_channel(user, "email", "b@example-corp.com")
        match = Match(entry.id, user.id, "lookalike", "domain:examp1e-corp-tax.com", {"domain": "examp1e-corp-tax.com"})
    start, made, errors = threading.Barrier(4), [], []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                made.append(alerts.record([match], "report", 1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(len(ids) for ids in made) == [0, 0, 0, 1]
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Alert))
        deliveries = db.session.scalar(sa.select(sa.func.count()).select_from(AlertDelivery))
        jobs = db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob).where(PendingJob.kind == "deliver_alert"))
    assert (count, deliveries, jobs) == (1, 2, 2)
