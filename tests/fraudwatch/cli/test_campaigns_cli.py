"""`fraudwatch campaigns rebuild`: groups the reports already stored, prints its throughput,
is idempotent, and refuses bad options before touching anything."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Campaign, Report

LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 http://refund-{n}.top/r 办理，逾期作废。"


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def grouping(app) -> tuple[list[tuple[int, int | None]], int]:
    with app.app_context():
        rows = db.session.execute(sa.select(Report.id, Report.campaign_id).order_by(Report.id)).all()
        return [tuple(r) for r in rows], db.session.scalar(sa.select(sa.func.count()).select_from(Campaign))


def test_rebuild_groups_stored_reports_and_running_it_again_changes_nothing(app, client, cli):
    for n in (1, 2, 3, 4, 5):
        assert client.post("/api/v1/reports", json={"message_text": LURE.format(n=n)}).status_code == 201
    assert client.post("/api/v1/reports", json={"message_text": "今晚的会议改到明天"}).status_code == 201
    result = cli.invoke(args=["campaigns", "rebuild", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "rebuilt: 6 reports, 5 in campaigns" in result.output and "reports/s" in result.output
    first = grouping(app)
    assert first[1] == 1 and first[0][-1][1] is None and len({c for _, c in first[0][:5]}) == 1
    assert cli.invoke(args=["campaigns", "rebuild", "--quiet"]).exit_code == 0
    assert grouping(app) == first
    again = cli.invoke(args=["campaigns", "rebuild", "--reset", "--quiet"])
    assert again.exit_code == 0 and grouping(app)[1] == 1


@pytest.mark.parametrize("args", [["--batch", "0"], ["--batch", "x"], ["--batch", "99999999999"], ["--nope"],
                                  ["--batch", "<script>"]])
def test_bad_options_are_refused(app, cli, args):
    result = cli.invoke(args=["campaigns", "rebuild", *args])
    assert result.exit_code == 2 and "rebuilt" not in result.output
