"""`fraudwatch stats refresh`: stores the statistics snapshot the page reads and prints its summary."""
from __future__ import annotations

from fraudwatch.infra.extensions import db
from fraudwatch.services import statistics
from fraudwatch.storage.models import SiteSnapshot


def test_refresh_stores_the_snapshot(app, client):
    for n in (1, 2, 3):
        assert client.post("/api/v1/reports", json={"message_text": f"退税{n}元待领取", "channel": "sms"}).status_code == 201
    result = app.test_cli_runner().invoke(args=["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "statistics: 3 reports since" in result.output and "0 decided" in result.output
    with app.app_context():
        row = db.session.get(SiteSnapshot, statistics.NAME)
        assert row.body["total"] == 3 and dict(map(tuple, row.body["channel"])) == {"sms": 3}


def test_unknown_options_are_refused(app):
    result = app.test_cli_runner().invoke(args=["stats", "refresh", "--nope"])
    assert result.exit_code == 2 and "No such option" in result.output
