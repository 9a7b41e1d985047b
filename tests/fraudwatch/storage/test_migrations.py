"""The Alembic migrations build exactly the schema the models declare, on every backend,
and can be walked down and up again."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fraudwatch.infra.extensions import make_engine
from fraudwatch.storage.migrate import alembic_config, current, upgrade
from fraudwatch.storage.models import Base


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    return diff


def test_migrated_schema_matches_the_models(database_url):
    assert _differences(database_url) == []


def test_migrations_go_down_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'walk.db'}"
    upgrade(url)
    head = current(url)
    command.downgrade(alembic_config(url), "base")
    assert current(url) is None
    upgrade(url)
    assert current(url) == head and _differences(url) == []


def test_pending_jobs_from_before_the_queues_were_split_are_live_jobs(tmp_path):
    """0003 gives pending jobs a queue; rows written before it were live reports' jobs."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0002")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO pending_jobs (kind, target_id, created_at, attempts) "
                             "VALUES ('process_report', 7, '2026-11-30 10:00:00', 0)"))
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT kind, target_id, queue FROM pending_jobs")).all() == [
            ("process_report", 7, "live")]
    engine.dispose()


def test_reports_from_before_the_queue_are_ranked_and_their_indicators_counted(tmp_path):
    """0006 scores and ranks reports stored before it; 0007 counts each indicator's confirmed
    and open reports and the tier its reports' risk holds."""
    import json

    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    verdict = json.dumps({"label": "scam", "scam_score": 0.9, "tax_impersonation": True, "authority": "CN-STA"})
    statuses = ["confirmed", "new", "dismissed", "needs_info", "new"]
    with engine.begin() as conn:
        for n, status in enumerate(statuses, start=1):
            conn.execute(sa.text(
                "INSERT INTO reports (id, created_at, channel, source, message_text, status, content_hash, verdict, "
                "verdict_label, scam_score, reporter_count, risk, queue_rank) VALUES (:id, '2026-11-20 10:00:00', "
                "'sms', 'api', 'x', :status, :hash, :verdict, 'scam', 0.9, 1, 0, 0)"),
                {"id": n, "status": status, "hash": f"{n:064x}", "verdict": verdict})
        for k, value in enumerate(("shared.top", "alone.top"), start=1):
            conn.execute(sa.text(
                "INSERT INTO indicators (id, type, value, match_key, display, host, scope, status, source, "
                "report_count, first_seen, last_seen) VALUES (:id, 'domain', :v, :v, :v, :v, :v, :status, 'report', "
                ":count, '2026-11-20 10:00:00', '2026-11-20 10:00:00')"),
                {"id": k, "v": value, "status": "confirmed_fraud" if k == 1 else "suspected", "count": 4 if k == 1 else 1})
        conn.execute(sa.text("INSERT INTO report_indicators (report_id, indicator_id, role) VALUES "
                             "(1, 1, 'extracted'), (2, 1, 'extracted'), (3, 1, 'extracted'), (4, 1, 'extracted'), "
                             "(5, 2, 'extracted')"))
    upgrade(url)
    with engine.connect() as conn:
        counts = conn.execute(sa.text("SELECT id, confirmed_count, open_count, queue_tier FROM indicators ORDER BY id"))
        assert counts.all() == [(1, 1, 2, 2), (2, 0, 1, 0)]
        risks = dict(conn.execute(sa.text("SELECT id, risk FROM reports")).all())
    engine.dispose()
    assert risks[1] == risks[2] == 60 * 0.9 + 10 + 20  # score, tax, the confirmed domain they name
    assert risks[5] == 60 * 0.9 + 10
