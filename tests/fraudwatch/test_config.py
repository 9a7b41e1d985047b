"""Settings read from the environment (fraudwatch/config.py, the one place that reads it)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fraudwatch.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def test_web_server_and_hsts_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAUDWATCH_REQUEST_READ_TIMEOUT", "2.5")
    monkeypatch.setenv("FRAUDWATCH_REQUEST_BUFFER_BYTES", "5000")
    monkeypatch.setenv("FRAUDWATCH_HSTS", "on")
    config = load_config(str(tmp_path))
    assert (config["REQUEST_READ_TIMEOUT"], config["REQUEST_BUFFER_BYTES"], config["HSTS"]) == (2.5, 5000, True)
    assert config["REQUEST_BUFFER_TOTAL_BYTES"] == 64 * 1024 * 1024


def test_defaults(monkeypatch, tmp_path):
    for name in ("FRAUDWATCH_REQUEST_READ_TIMEOUT", "FRAUDWATCH_REQUEST_BUFFER_BYTES", "FRAUDWATCH_HSTS"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(tmp_path))
    assert (config["REQUEST_READ_TIMEOUT"], config["REQUEST_BUFFER_BYTES"], config["HSTS"]) == (10.0, None, False)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("FRAUDWATCH_REQUEST_READ_TIMEOUT", "soon", "must be a float"),
    ("FRAUDWATCH_REQUEST_READ_TIMEOUT", "0", "must be positive"),
    ("FRAUDWATCH_REQUEST_BUFFER_BYTES", "-1", "must be positive"),
    ("FRAUDWATCH_REQUEST_BUFFER_TOTAL_BYTES", "1e9", "must be a int"),
    ("FRAUDWATCH_BATCH_LIMIT", "many", "must be a whole number"),
])
def test_a_bad_setting_stops_the_start_naming_itself(monkeypatch, tmp_path, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message) as raised:
        load_config(str(tmp_path))
    assert name in str(raised.value)


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            return True
    return False


def test_settings_are_read_in_one_place():
    """Only config.py reads settings from the environment. The CLI passes the environment
    on to the processes it starts, and backup passes it to pg_dump: copies, not settings."""
    passing_on = {"fraudwatch/cli/service.py", "fraudwatch/storage/backup.py", "fraudwatch/storage/dumps.py"}
    readers = set()
    for package in ("fraudwatch", "classifiers", "crawlers"):
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if name != "fraudwatch/config.py" and name not in passing_on \
                    and _reads_environment(ast.parse(path.read_text(encoding="utf-8"))):
                readers.add(name)
    assert readers == set()
