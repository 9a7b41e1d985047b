"""Indicator import: bulk indicators from TSV/CSV/text, bad lines skipped, bad files refused,
lookups see them (the command itself: tests/fraudwatch/cli/test_import.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.messages.records import IngestFileError
from fraudwatch.services.imports.indicators import import_indicators, read_values
from fraudwatch.storage.models import Indicator


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
        stats = import_indicators(feed, source="testfeed", with_domains=True, processes=1)
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


def test_undecodable_lines_are_counted_not_fatal(app, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\xff\xfe\x80" * 1000 + b"\nhttps://ok-scam.top/a\n")
    with app.app_context():
        stats = import_indicators(junk, processes=1)
    assert stats.new == 1 and stats.invalid >= 1


@pytest.mark.parametrize("content, code", [
    (b"", "empty"),
    (b"\n \n", "empty"),
    (b"https://ok-scam.top/a\n" + bytes(range(256)) * 4, "binary_file"),
])
def test_an_empty_or_binary_file_is_refused_and_nothing_is_stored(app, tmp_path, content, code):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with app.app_context():
        with pytest.raises(IngestFileError) as refused:
            import_indicators(bad, processes=1)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Indicator)) == 0
    assert refused.value.code == code


@pytest.mark.parametrize("status", ["official", "bogus"])
def test_an_import_cannot_mark_official(app, tmp_path, status):
    feed = tmp_path / "f.txt"
    feed.write_text("irs.gov\n", encoding="utf-8")
    with app.app_context(), pytest.raises(ValueError):
        import_indicators(feed, kind="domain", status=status, processes=1)


def test_a_large_feed_commits_in_batches_and_gives_back_a_normal_connection(app, client, tmp_path, monkeypatch):
    import fraudwatch.services.imports.indicators as indicators
    from fraudwatch.infra.extensions import SQLITE_CACHE_KIB

    monkeypatch.setattr(indicators, "COMMIT_ROWS", 7)  # several commits for a small file
    feed = tmp_path / "many.txt"
    feed.write_text("".join(f"https://refund-{i}.tax-claim.top/p\n" for i in range(50)), encoding="utf-8")
    with app.app_context():
        stats = import_indicators(feed, processes=2, chunk_size=5)
        assert stats.read == 50 and stats.new == 50
        if db.engine.dialect.name == "sqlite":
            pragma = db.session.connection().exec_driver_sql
            assert pragma("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
            assert pragma("PRAGMA wal_autocheckpoint").scalar() == 1000
    answer = client.get("/api/v1/lookup", query_string={"type": "url", "value": "https://refund-49.tax-claim.top/p"})
    assert answer.get_json()["status"] == "suspected"
