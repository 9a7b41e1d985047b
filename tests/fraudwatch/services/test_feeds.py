"""Feed import: bulk indicators from TSV/CSV/text, bad lines skipped, lookups see them."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from fraudwatch.cli import main
from fraudwatch.services.feeds import import_feed, read_values


def test_tsv_feed_is_imported_and_looked_up(app, client, tmp_path):
    feed = tmp_path / "feed.tsv"
    feed.write_text("first_seen_utc\turl\n"
                    "2026-01-01T00:00:00+00:00\thttps://irs-refund-claim.top/login?utm_source=x\n"
                    "2026-01-01T00:00:00+00:00\tjavascript:alert(1)\n"
                    "2026-01-01T00:00:00+00:00\thttps://sites.google.com/view/hmrc-refund\n"
                    "2026-01-01T00:00:00+00:00\t" + "h" * 9000 + "\n"
                    "broken line without a tab\n"
                    "2026-01-01T00:00:00+00:00\thttps://irs-refund-claim.top/login?utm_source=x\n", encoding="utf-8")
    with app.app_context():
        stats = import_feed(feed, source="testfeed", with_domains=True, processes=1)
    assert stats.read == 5 and stats.invalid == 2 and stats.new == 3
    answer = client.get("/api/v1/lookup", query_string={"type": "url", "value": "https://irs-refund-claim.top/login"}).get_json()
    assert answer["status"] == "suspected"
    assert any(e["kind"] == "feed" and "testfeed" in e["detail"] for e in answer["evidence"])
    google = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "google.com"}).get_json()
    assert google["status"] == "unknown"


def test_plain_text_and_csv_columns(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("a.example\n\nb.example\n", encoding="utf-8")
    assert list(read_values(plain)) == ["a.example", "b.example"]
    table = tmp_path / "gov.csv"
    table.write_text('Domain name,Domain type\nirs.gov,Federal\n"x,y.gov",City\n', encoding="utf-8")
    assert list(read_values(table)) == ["irs.gov", "x,y.gov"]


def test_binary_junk_is_counted_not_fatal(app, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\xff\xfe" * 1000 + b"\nhttps://ok-scam.top/a\n")
    with app.app_context():
        stats = import_feed(junk, processes=1)
    assert stats.new == 1 and stats.invalid >= 1


def test_cli_import(app, tmp_path, monkeypatch):
    feed = tmp_path / "f.txt"
    feed.write_text("https://hmrc-rebate.top/x\n", encoding="utf-8")
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config["REDIS_URL"],
           "FRAUDWATCH_INSTANCE": app.instance_path}
    runner = CliRunner()
    result = runner.invoke(main, ["import-indicators", str(feed), "--source", "manual", "--processes", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 new indicators" in result.output
    bad = runner.invoke(main, ["import-indicators", str(feed), "--source", ""], env=env)
    assert bad.exit_code == 2
    missing = runner.invoke(main, ["import-indicators", str(tmp_path / "nope.txt")], env=env)
    assert missing.exit_code == 2


@pytest.mark.parametrize("status", ["official", "bogus"])
def test_feeds_cannot_mark_official(app, tmp_path, status):
    feed = tmp_path / "f.txt"
    feed.write_text("irs.gov\n", encoding="utf-8")
    with app.app_context(), pytest.raises(ValueError):
        import_feed(feed, kind="domain", status=status, processes=1)


def test_a_large_feed_commits_in_batches_and_gives_back_a_normal_connection(app, client, tmp_path, monkeypatch):
    import fraudwatch.services.feeds as feeds
    from fraudwatch.infra.extensions import SQLITE_CACHE_KIB, db

    monkeypatch.setattr(feeds, "COMMIT_ROWS", 7)  # several commits for a small file
    feed = tmp_path / "many.txt"
    feed.write_text("".join(f"https://refund-{i}.tax-claim.top/p\n" for i in range(50)), encoding="utf-8")
    with app.app_context():
        stats = import_feed(feed, processes=2, chunk_size=5)
        assert stats.read == 50 and stats.new == 50
        if db.engine.dialect.name == "sqlite":
            pragma = db.session.connection().exec_driver_sql
            assert pragma("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
            assert pragma("PRAGMA wal_autocheckpoint").scalar() == 1000
    answer = client.get("/api/v1/lookup", query_string={"type": "url", "value": "https://refund-49.tax-claim.top/p"})
    assert answer.get_json()["status"] == "suspected"
