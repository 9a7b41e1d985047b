"""Feed imports end to end on both databases: `fraudwatch import feed` through click's runner,
indicators with the source's name, confidence and status, sightings of indicators seen again,
the import run recorded (counts, reasons, samples, errors), `sources` commands and the API."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import ImportRun, ImportSource, Indicator, Sighting
from tests.fraudwatch.imports import feedfiles as ff

URLHAUS_ROWS = 20_005


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def _invoke(cli, *args: str):
    return cli.invoke(args=[str(a) for a in args])


def _runs(app) -> list[ImportRun]:
    with app.app_context():
        runs = db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id)).all()
        db.session.expunge_all()
        return runs


def test_a_urlhaus_csv_of_20005_rows_imports_with_its_bad_rows_counted(app, cli, tmp_path):
    bad = '"1","2026-11-29","http://192.168.1.1/mozi.m","online"\n"2","2026-11-29"\n'
    rows = "".join(ff.urlhaus_row(n, f"http://h{n}.tax-refund.example.com/{n}") for n in range(URLHAUS_ROWS - 2))
    path = tmp_path / "csv.txt"
    path.write_text(ff.URLHAUS_HEAD + rows + bad, encoding="utf-8")
    result = _invoke(cli, "import", "feed", path, "--source", "urlhaus", "--confidence", "0.7",
                     "--licence", "CC0 (abuse.ch URLhaus terms)", "--status", "confirmed_fraud")
    assert result.exit_code == 0, result.output
    assert f"{URLHAUS_ROWS:,} rows, {URLHAUS_ROWS - 2:,} imported ({URLHAUS_ROWS - 2:,} new, 0 sightings), 2 bad" \
        in result.output
    assert "1 private address" in result.output and "1 no url column" in result.output
    assert f"line {URLHAUS_ROWS + 8}: private address: http://192.168.1.1/mozi.m" in result.output
    run = _runs(app)[-1]
    assert (run.source, run.format, run.confidence, run.rows, run.imported, run.bad) == (
        "urlhaus", "urlhaus_csv", 0.7, URLHAUS_ROWS, URLHAUS_ROWS - 2, 2)
    assert run.bad_reasons == {"private address": 1, "no url column": 1} and run.finished_at and not run.error
    assert run.licence.startswith("CC0")
    with app.app_context():
        one = db.session.scalar(sa.select(Indicator).where(Indicator.value == "http://h7.tax-refund.example.com/7"))
        assert (one.source, one.status, one.confidence) == ("urlhaus", "confirmed_fraud", 0.7)


def test_an_indicator_seen_again_gets_a_sighting(app, cli, tmp_path):
    path = tmp_path / "openphish.txt"
    path.write_text(ff.openphish(3), encoding="utf-8")
    assert _invoke(cli, "import", "feed", path, "--source", "openphish", "--format", "openphish").exit_code == 0
    path.write_text(ff.openphish(4), encoding="utf-8")
    result = _invoke(cli, "import", "feed", path, "--source", "openphish", "--json")
    answer = json.loads(result.output)
    assert (answer["format"], answer["rows"], answer["new"], answer["sighted"]) == ("openphish", 4, 1, 3)
    with app.app_context():
        sightings = db.session.scalars(sa.select(Sighting)).all()
        assert {(s.source, s.ref) for s in sightings} == {("import:openphish", str(answer["run_id"]))}
        assert len(sightings) == 3


@pytest.mark.parametrize("which", ["urlhaus_json", "phishtank", "phishtank_json", "stix", "misp"])
def test_each_format_through_the_command(app, cli, tmp_path, which):
    if which == "misp":
        path, count = ff.misp_feed(tmp_path / "misp"), 11  # 8 of the first event, 3 of the second
    else:
        text = {"urlhaus_json": ff.urlhaus_json_api(3), "phishtank": ff.phishtank_csv(3),
                "phishtank_json": ff.phishtank_json(3), "stix": ff.stix_bundle()}[which]
        path, count = tmp_path / f"{which}.feed", {"stix": 5}.get(which, 3)
        path.write_text(text, encoding="utf-8")
    result = _invoke(cli, "import", "feed", path, "--source", which, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["format"] == which and answer["imported"] == count, answer
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Indicator)
                                 .where(Indicator.source == which)) >= count - 2  # MISP: 2 values in both events


@pytest.mark.backend("sqlite")
def test_a_whole_file_of_another_format_is_an_error_recorded_on_its_run(app, cli, tmp_path):
    page = tmp_path / "urlhaus.csv"
    page.write_text("<!DOCTYPE html><html><title>Rate limited</title></html>", encoding="utf-8")
    result = _invoke(cli, "import", "feed", page, "--source", "urlhaus", "--format", "urlhaus_csv")
    assert result.exit_code == 2 and "wrong_format" in result.output
    assert _runs(app)[-1].error.startswith("wrong_format: not a urlhaus_csv feed")
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"hello": "world"}', encoding="utf-8")
    assert _invoke(cli, "import", "feed", unknown, "--source", "x").exit_code == 2
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\x00" * 100)
    assert "binary_file" in _invoke(cli, "import", "feed", binary, "--source", "x", "--format", "stix").output
    assert _invoke(cli, "import", "feed", page, "--source", "x" * 33).exit_code == 2
    assert _invoke(cli, "import", "feed", page, "--source", "a b").exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "manifest.json" in _invoke(cli, "import", "feed", empty, "--source", "misp").output


def test_sources_commands(app, cli):
    add = ["sources", "add", "urlhaus", "https://urlhaus.abuse.ch/downloads/csv_recent/", "--format", "urlhaus_csv",
           "--confidence", "0.8", "--licence", "CC0", "--interval", "600"]
    assert _invoke(cli, *add).exit_code == 0
    assert _invoke(cli, *add).exit_code == 2  # the name is taken
    assert _invoke(cli, "sources", "add", "bad", "file:///etc/passwd", "--format", "openphish").exit_code == 2
    listed = json.loads(_invoke(cli, "sources", "list", "--json").output)
    assert (listed["name"], listed["format"], listed["confidence"], listed["interval_seconds"], listed["enabled"]) == (
        "urlhaus", "urlhaus_csv", 0.8, 600, True)
    assert _invoke(cli, "sources", "remove", "urlhaus").exit_code == 0
    assert _invoke(cli, "sources", "remove", "urlhaus").exit_code == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportSource)) == 0


def test_the_api_lists_runs_to_officers_only(app, client, cli, make_user, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(ff.phishtank_csv(2, "1,not a url,x\n"), encoding="utf-8")
    for _ in range(3):
        _invoke(cli, "import", "feed", path, "--source", "phishtank")
    officer = make_user("officer-a", "officer")
    page = client.get("/api/v1/imports/runs?limit=2", headers=officer)
    assert page.status_code == 200, page.json
    runs = page.json["runs"]
    assert len(runs) == 2 and runs[0]["id"] > runs[1]["id"] and page.json["next_before"] == runs[1]["id"]
    assert runs[0]["bad_reasons"] == {"not a URL": 1}
    assert runs[0]["samples"] == [{"line": 4, "reason": "not a URL", "text": "not a url"}]
    rest = client.get(f"/api/v1/imports/runs?before={runs[1]['id']}&source=phishtank", headers=officer).json
    assert len(rest["runs"]) == 1 and rest["next_before"] is None
    assert client.get("/api/v1/imports/runs").status_code == 401
    assert client.get("/api/v1/imports/runs", headers=make_user("ent", "enterprise")).status_code == 403
    for bad in ("limit=0", "limit=201", "before=-1", "source=" + "x" * 33, "source=a%00b", "source=a%20b", "x=1", "limit=1&limit=2"):
        assert client.get(f"/api/v1/imports/runs?{bad}", headers=officer).status_code == 400, bad
