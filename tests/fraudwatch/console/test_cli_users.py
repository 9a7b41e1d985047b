"""`fraudwatch create-user --password-stdin`, `set-password`, `set-totp`: a person created on
the command line signs in to the console; bad passwords are refused before anything is stored."""
from __future__ import annotations

import os

import pyotp
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from fraudwatch.cli import main
from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import AuditEvent, User

PASSWORD = "a long enough passphrase"


@pytest.fixture
def cli(database_url, tmp_path):
    """Run `fraudwatch ...` in-process on the test database, with `input` on stdin."""
    env = {"FRAUDWATCH_INSTANCE": str(tmp_path / "inst"), "DATABASE_URL": database_url,
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


def _sign_in(client, name: str, password: str):
    client.get("/console/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    return client.post("/console/login", data={"username": name, "password": password, "csrf_token": token})


def test_created_officer_signs_in(app, client, cli):
    created = cli("create-user", "li.officer", "--role", "officer", "--password-stdin", "--no-token",
                  input=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert "token" not in created.output and PASSWORD not in created.output
    assert _sign_in(client, "li.officer", PASSWORD).headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    changed = cli("set-password", "li.officer", "--password-stdin", input="another long passphrase\r\n")
    assert changed.exit_code == 0, changed.output
    assert client.get("/console/").status_code == 302  # the password change ended the session
    assert _sign_in(app.test_client(), "li.officer", PASSWORD).status_code == 200  # old one refused
    assert _sign_in(app.test_client(), "li.officer", "another long passphrase").status_code == 302
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor == "cli")).all()
    assert actions == ["password_set"]


@pytest.mark.parametrize("stdin,reason", [
    ("", "empty"), ("\n", "empty"), ("short\n", "at least 12"), ("x" * 257, "at most 256"),
    ("x" * 100_000, "at most 256"), ("tab\tinside password", "control"), (b"\xff\xfe not utf-8 at all", "UTF-8")])
def test_bad_passwords_are_refused(app, cli, stdin, reason):
    answer = cli("create-user", "wang", "--role", "admin", "--password-stdin", input=stdin)
    assert answer.exit_code == 2 and reason in answer.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert cli("set-password", "nobody", "--password-stdin", input=PASSWORD).exit_code == 2


def test_totp_second_factor(app, client, cli):
    cli("create-user", "zhao", "--role", "admin", "--password-stdin", input=PASSWORD)
    shown = cli("set-totp", "zhao")
    assert shown.exit_code == 0
    uri = next(line for line in shown.output.splitlines() if line.startswith("otpauth://"))
    totp = pyotp.parse_uri(uri)
    answer = _sign_in(client, "zhao", PASSWORD)
    assert answer.headers["Location"] == "/console/login/code"
    assert client.get("/console/").status_code == 302  # not signed in before the code
    with client.session_transaction() as session:
        token = session["csrf"]
    for bad in ("12345", "abcdef", "1" * 5000, "１２３４５６"):  # a fifth failure would throttle
        wrong = client.post("/console/login/code", data={"code": bad, "csrf_token": token})
        assert wrong.status_code == 200 and client.get("/console/").status_code == 302
    code = totp.now()
    right = client.post("/console/login/code", data={"code": code, "csrf_token": token})
    assert right.status_code == 302 and client.get("/console/").status_code == 200
    replay = app.test_client()  # the same code seen over a shoulder: refused
    assert _sign_in(replay, "zhao", PASSWORD).headers["Location"] == "/console/login/code"
    with replay.session_transaction() as session:
        replay_token = session["csrf"]
    assert replay.post("/console/login/code", data={"code": code, "csrf_token": replay_token}).status_code == 200
    assert replay.get("/console/").status_code == 302
    assert cli("set-totp", "zhao", "--clear").exit_code == 0
    assert _sign_in(app.test_client(), "zhao", PASSWORD).headers["Location"] == "/console/"


def test_code_step_needs_the_password_first(client):
    assert client.get("/console/login/code").headers["Location"] == "/console/login"
    client.get("/console/login")
    with client.session_transaction() as session:
        session.update(pending_uid="1", pending_epoch=0, pending_at=0)
        token = session["csrf"]
    assert client.post("/console/login/code", data={"code": "123456", "csrf_token": token}
                       ).headers["Location"] == "/console/login"


def test_admins_need_totp_when_required(database_url, redis_url, tmp_path, cli):
    from tests.conftest import cleanup_redis, make_test_app

    cli("create-user", "boss", "--role", "admin", "--password-stdin", input=PASSWORD)
    cli("create-user", "worker", "--role", "officer", "--password-stdin", input=PASSWORD)
    app = make_test_app(database_url, redis_url, tmp_path / "i", REQUIRE_ADMIN_TOTP=True)
    try:
        assert _sign_in(app.test_client(), "boss", PASSWORD).status_code == 403
        assert _sign_in(app.test_client(), "worker", PASSWORD).status_code == 302
    finally:
        cleanup_redis(app)
        db.dispose(app)
