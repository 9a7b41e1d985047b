"""A command run on a database that was never migrated (or is behind the code) says in one
line how to migrate it (exit 1), instead of a traceback; other database errors are one line too."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from fraudwatch.cli import database_failure, main

pytestmark = pytest.mark.backend("sqlite")


def test_a_command_on_an_unmigrated_database_says_to_migrate(tmp_path, redis_url):
    feed = tmp_path / "openphish.txt"
    feed.write_text("https://ato-gov-au.example-bad.top/mygov/\n", encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "REDIS_URL": redis_url,
           "FRAUDWATCH_INSTANCE": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["import", "feed", str(feed), "--format", "openphish", "--source", "t"],
                                env=env)
    assert result.exit_code == 1, result.output
    assert "run `fraudwatch db-upgrade` first" in result.output and "Traceback" not in result.output
    assert "no such table" in result.output


def test_other_database_errors_are_one_line():
    error = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused\nby the server"))
    assert database_failure(error) == "database error: connection refused by the server"
    missing = sa.exc.ProgrammingError("SELECT", {}, Exception('relation "import_runs" does not exist'))
    assert database_failure(missing).endswith("run `fraudwatch db-upgrade` first")
