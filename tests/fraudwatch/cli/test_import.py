"""`fraudwatch import messages|indicators`: the group, its old names, and bad files refused
before anything is stored."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Indicator, Report

SMS_CSV = "sender,date,body\n+447700900123,2025-03-01 10:00:00,HMRC: claim your refund at https://hmrc-rebate.top/x\n"
SMS_JSONL = '{"from": "95566", "content": "【国家税务总局】您有一笔退税待领取，请登录 http://etax-refund.top"}\n'
BAD_FILES = {"empty": b"", "binary": bytes(range(256)) * 8}


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_the_group_lists_both_subcommands_and_hides_the_old_names(cli):
    group = cli.invoke(args=["import", "--help"])
    assert group.exit_code == 0, group.output
    assert "messages" in group.output and "indicators" in group.output
    top = cli.invoke(args=["--help"]).output
    assert " import " in top and "ingest" not in top and "import-indicators" not in top


def test_import_messages_of_several_files(app, cli, tmp_path):
    files = [_write(tmp_path, "sms.csv", SMS_CSV), _write(tmp_path, "sms.jsonl", SMS_JSONL)]
    result = cli.invoke(args=["import", "messages", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert "2 report(s) stored, 0 duplicate(s), 0 message(s) with errors" in result.stdout
    assert _count(app, Report) == 2


def test_import_indicators(app, cli, tmp_path):
    listing = _write(tmp_path, "list.txt", "https://hmrc-rebate.top/x\nnot a url\n")
    result = cli.invoke(args=["import", "indicators", str(listing), "--source", "manual", "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert "imported 2 lines: 1 new indicators, 1 invalid" in result.stdout
    assert cli.invoke(args=["import", "indicators", str(listing), "--source", ""]).exit_code == 2


@pytest.mark.parametrize("old, new, content, expected", [
    ("ingest", "import messages", SMS_CSV, "1 report(s) stored"),
    ("import-indicators", "import indicators", "https://hmrc-rebate.top/x\n", "1 new indicators"),
])
def test_the_old_names_still_work_with_a_note(cli, tmp_path, old, new, content, expected):
    path = _write(tmp_path, "in.csv" if old == "ingest" else "in.txt", content)
    result = cli.invoke(args=[old, str(path)])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert f"`fraudwatch {old}` is deprecated, use `fraudwatch {new}`" in result.stderr
    assert result.stderr.count("deprecated") == 1


@pytest.mark.parametrize("command", [["import", "messages"], ["import", "indicators"], ["ingest"]])
@pytest.mark.parametrize("bad", ["missing", "empty", "binary"])
def test_a_bad_file_is_a_clear_error_and_nothing_is_stored(app, cli, tmp_path, command, bad):
    path = tmp_path / "bad.csv" if bad == "missing" else _write(tmp_path, "bad.csv", BAD_FILES[bad])
    result = cli.invoke(args=[*command, str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    expected = {"missing": ("does not exist", "missing"), "empty": ("empty",), "binary": ("binary_file",)}[bad]
    assert any(word in result.stderr for word in expected), result.stderr
    assert _count(app, Report) == 0 and _count(app, Indicator) == 0


def test_one_bad_file_among_several_stores_nothing(app, cli, tmp_path):
    good = _write(tmp_path, "good.csv", SMS_CSV)
    binary = _write(tmp_path, "export.csv", BAD_FILES["binary"])
    result = cli.invoke(args=["import", "messages", "--json", str(good), str(binary)])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "binary_file"
    assert _count(app, Report) == 0


def test_a_file_of_unknown_format_is_refused_as_json(cli, tmp_path):
    notes = _write(tmp_path, "notes.txt", "just some words\nwith no format at all\n")
    result = cli.invoke(args=["import", "messages", "--json", str(notes)])
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["code"] == "unknown_format"
