"""`fraudwatch backup` / `restore` on SQLite and PostgreSQL: an instance filled through the
API, the jobs and the crawler is backed up (also while reports arrive), restored into a
fresh database and compared row by row; damaged, missing, newer and misdirected backups
and hostile paths are refused with one clear line."""
from __future__ import annotations

import io
import json
import os
import tarfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from fraudwatch.cli import main
from fraudwatch.infra.extensions import db, make_engine
from fraudwatch.storage.migrate import current, upgrade
from tests.conftest import cleanup_redis, make_test_app, run_jobs

SMS = "【国家税务总局】您有一笔个税退税3280元待领取，请于24小时内登录 {url} 办理，咨询 13812345678"


@pytest.fixture
def source(database_url, redis_url, tmp_path, trained_model_dir, farm):
    """The instance that is backed up: a classifier model and a crawler allowed to reach the farm."""
    app = make_test_app(database_url, redis_url, tmp_path / "source", MODEL_DIR=str(trained_model_dir),
                        **farm.crawl_settings(2.0), ANON_REPORT_LIMIT="100000/minute")
    yield app
    cleanup_redis(app)
    db.dispose(app)


@pytest.fixture
def fresh(database_url, tmp_path, worker_id):
    """Makes empty databases of the test's backend: new SQLite files (not even created), or
    new PostgreSQL databases created here and dropped afterwards."""
    base, made = os.environ.get("TEST_DATABASE_URL", ""), []
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT") if base else None

    def make(tag: str) -> str:
        if database_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / tag / 'fraudwatch.db'}"
        name = f"fw_test_{os.environ['FW_TEST_RUN']}_{worker_id}_{tag}".replace("-", "_")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return base.rsplit("/", 1)[0] + "/" + name

    yield make
    for name in made:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    if admin is not None:
        admin.dispose()


@pytest.fixture
def fresh_url(fresh) -> str:
    """One empty database of the test's backend."""
    return fresh("restore")


def untouched(url: str) -> bool:
    """True when a fresh database was left as made: no SQLite file, no PostgreSQL table."""
    if url.startswith("sqlite"):
        return not Path(url.split("///", 1)[1]).exists()
    return table_rows(url) == {}


def cli(app, *args: str, **env_overrides: str):
    """Run `fraudwatch ...` as an operator would, on the database and Redis keys of `app`."""
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config["REDIS_URL"],
           "FRAUDWATCH_REDIS_PREFIX": app.config["REDIS_PREFIX"], "FRAUDWATCH_INSTANCE": app.instance_path,
           "SECRET_KEY": app.config["SECRET_KEY"], **env_overrides}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def one_line_error(result, *words: str) -> None:
    """A failure is a non-zero exit with one line naming what is wrong, never a traceback."""
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0], lines[0]


def user_token(app, name: str, role: str, rate_limit: str | None = None) -> str:
    from fraudwatch.storage import users

    with app.app_context():
        token = users.create_token(db.session, users.create_user(db.session, name, role, rate_limit), "laptop")
        db.session.commit()
    return token


def post(client, **fields) -> int:
    answer = client.post("/api/v1/reports", json=fields)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def fill(app, farm) -> None:
    """Realistic data through the real code paths: reports with indicators (and a duplicate),
    verdicts and crawl evidence from the jobs, officers' status changes and a merge, users
    and tokens (one revoked), an audit event, and reports whose jobs are still pending."""
    from fraudwatch.storage import audit, users

    client = app.test_client()
    officer = {"Authorization": "Bearer " + user_token(app, "wang.officer", "officer")}
    user_token(app, "acme", "enterprise", "600/minute;20000/day")
    revoked = user_token(app, "old.admin", "admin")
    refund = farm.url("chinatax.gov.cn.refund-tax.top")
    first = post(client, message_text=SMS.format(url=refund), channel="sms", reporter_contact="li@example.com",
                 received_at="2026-11-27T08:30:00+08:00", region="CN")
    post(client, message_text=SMS.format(url=refund), channel="sms")  # a duplicate of the first
    fee = post(client, channel="email", email="service@fapiao-chayan.xyz", company="北京某某税务咨询有限责任公司",
               bank_account="6222 0200 1234 5678", description="要求缴纳税控盘年费 280 元", url=farm.url("fapiao-chayan.xyz"))
    irs = post(client, channel="web", url=farm.url("irs-refund-gov.com"), phone="+1 202 555 0147",
               message_text="Your IRS refund of $1,204.55 is pending: verify your identity",
               reporter_contact="+1 202 555 0100")
    again = post(client, channel="web", message_text="IRS refund again, same page " + farm.url("irs-refund-gov.com"))
    run_jobs(app)
    for report, status, reason in ((first, "triaging", "looking"), (first, "confirmed", "fake e-tax page"),
                                   (fee, "dismissed", "advertising, not a scam")):
        assert client.post(f"/api/v1/reports/{report}/status", headers=officer,
                           json={"status": status, "reason": reason}).status_code == 200
    assert client.post(f"/api/v1/reports/{irs}/merge", headers=officer,
                       json={"report_ids": [again], "reason": "same campaign"}).status_code == 200
    with app.app_context():
        users.revoke_token(db.session, revoked[:10])
        audit.add_audit_event(db.session, actor="ops", action="note", detail={"why": "before backup", "n": [1, 2]})
        db.session.commit()
    post(client, message_text="【税务稽查】您公司存在异常，请加QQ群 12345678 处理", channel="im")
    post(client, domain="etax-chinatax.top", channel="web", description="仿冒电子税务局")


def table_rows(url: str) -> dict[str, list[dict]]:
    """Every row of every table (all columns, by primary key), as the database holds them."""
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        rows = {t.name: [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(*(t.primary_key.columns
                                                                                        or t.columns)))]
                for t in meta.sorted_tables}
    engine.dispose()
    return rows


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def rewrite(path: Path, change) -> None:
    """Rewrite the backup at `path` with `change(manifest)` applied to its manifest."""
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        dump = tar.getmember(manifest["dump"])
        data = tar.extractfile(dump).read()
    change(manifest)
    body = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as tar:
        for name, blob in (("manifest.json", body), (dump.name, data)):
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def test_backup_and_restore_into_a_fresh_database_keep_every_row(source, farm, fresh_url, redis_url, tmp_path):
    fill(source, farm)
    backup = tmp_path / "fraudwatch.fwbak"
    made = cli(source, "backup", str(backup))
    assert made.exit_code == 0, made.output
    before = table_rows(source.config["DATABASE_URL"])
    manifest = manifest_of(backup)
    assert manifest["row_counts"] == {name: len(rows) for name, rows in before.items()}
    assert manifest["backend"] == source.config["DATABASE_URL"].split(":")[0]
    assert manifest["alembic_revision"] == current(source.config["DATABASE_URL"]) and len(manifest["sha256"]) == 64
    assert os.stat(backup).st_mode & 0o077 == 0  # personal data: readable by its owner only
    assert before["evidence"] and before["pending_jobs"] and before["api_tokens"] and before["audit_events"]
    assert any(r["verdict"] for r in before["reports"]) and any(r["done_at"] is None for r in before["pending_jobs"])

    target = make_test_app(fresh_url, redis_url, tmp_path / "target", ANON_REPORT_LIMIT="1000/minute")
    client = target.test_client()
    upgrade(fresh_url)  # migrated but empty, as after `fraudwatch db-upgrade`: no --force needed
    domain = {"type": "domain", "value": "refund-tax.top"}
    assert client.get("/api/v1/lookup", query_string=domain).get_json()["status"] == "unknown"  # now cached
    db.dispose(target)
    restored = cli(target, "restore", str(backup), "--actor", "ops.li")
    assert restored.exit_code == 0, restored.output
    after = table_rows(fresh_url)
    events = [e for e in after["audit_events"] if e["action"] == "backup_restored"]
    assert len(events) == 1 and events[0]["actor"] == "ops.li"
    assert events[0]["detail"]["row_counts"] == manifest["row_counts"]
    assert events[0]["detail"]["sha256"] == manifest["sha256"]
    after["audit_events"].remove(events[0])
    assert after == before

    answer = client.get("/api/v1/lookup", query_string=domain).get_json()
    assert answer["status"] == "confirmed_fraud" and answer["reports"] == 2  # the cached "unknown" was dropped
    new_id = post(client, message_text="又一条退税短信 http://tax-refund-new.top/a", channel="sms")
    assert new_id > max(r["id"] for r in before["reports"])
    with target.app_context():
        from fraudwatch.storage.models import StatusChange

        assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusChange)
                                 .where(StatusChange.report_id == new_id)) == 1
    cleanup_redis(target)
    db.dispose(target)


def test_backup_while_reports_arrive_is_consistent(source, fresh_url, redis_url, tmp_path):
    client = source.test_client()
    for i in range(20):
        post(client, message_text=f"个税退税通知 第{i}条 http://refund-{i}.top/a", channel="sms")
    stop, written, errors = threading.Event(), [], []

    def writer() -> None:
        own = source.test_client()
        i = 1000
        while not stop.is_set():
            try:
                written.append(post(own, message_text=f"补贴申领 {i} http://subsidy-{i}.top/x", channel="sms"))
            except AssertionError as exc:  # pragma: no cover - shown by the assertion below
                errors.append(exc)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    manifests = []
    try:
        for n in range(3):
            path = tmp_path / f"during-{n}.fwbak"
            made = cli(source, "backup", str(path))
            assert made.exit_code == 0, made.output
            manifests.append(manifest_of(path))
    finally:
        stop.set()
        thread.join()
    assert not errors and written
    for manifest in manifests:  # every report came with its history entry and its pending job
        counts = manifest["row_counts"]
        assert counts["reports"] == counts["status_changes"] == counts["pending_jobs"] >= 20
    restored = cli(make_test_app(fresh_url, redis_url, tmp_path / "t"), "restore", str(tmp_path / "during-2.fwbak"))
    assert restored.exit_code == 0, restored.output
    rows = table_rows(fresh_url)
    assert {r["id"] for r in rows["reports"]} == {r["report_id"] for r in rows["status_changes"]} \
        == {j["target_id"] for j in rows["pending_jobs"]}
    assert len(rows["reports"]) == manifests[2]["row_counts"]["reports"]


def test_restore_refuses_damaged_missing_and_newer_backups_and_a_database_with_data(source, farm, fresh_url,
                                                                                     redis_url, tmp_path):
    post(source.test_client(), message_text=SMS.format(url="http://refund-tax.top/x"), reporter_contact="a@b.cn")
    good = tmp_path / "good.fwbak"
    assert cli(source, "backup", str(good)).exit_code == 0
    target = make_test_app(fresh_url, redis_url, tmp_path / "target")

    damaged = tmp_path / "damaged.fwbak"
    damaged.write_bytes(good.read_bytes())
    with tarfile.open(damaged) as tar:
        member = tar.getmember(manifest_of(good)["dump"])
    with open(damaged, "r+b") as f:
        f.seek(member.offset_data + member.size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x01]))
    one_line_error(cli(target, "restore", str(damaged)), "sha256")
    one_line_error(cli(target, "restore", str(tmp_path / "missing.fwbak")), "does not exist")
    one_line_error(cli(target, "restore", str(tmp_path)), "is a directory")
    (tmp_path / "junk.fwbak").write_bytes(os.urandom(3000))
    one_line_error(cli(target, "restore", str(tmp_path / "junk.fwbak")), "not a fraudwatch backup")

    newer = tmp_path / "newer.fwbak"
    newer.write_bytes(good.read_bytes())
    rewrite(newer, lambda m: m.update(alembic_revision="9999"))
    one_line_error(cli(target, "restore", str(newer)), "9999", "newer")
    miscounted = tmp_path / "miscounted.fwbak"
    miscounted.write_bytes(good.read_bytes())
    rewrite(miscounted, lambda m: m["row_counts"].update(reports=m["row_counts"]["reports"] + 1))
    one_line_error(cli(target, "restore", str(miscounted)), "do not match the manifest", "reports")
    assert untouched(fresh_url)  # PostgreSQL: counted inside the restoring transaction, rolled back

    before = table_rows(source.config["DATABASE_URL"])
    one_line_error(cli(source, "restore", str(good)), "already holds data", "--force")
    assert table_rows(source.config["DATABASE_URL"]) == before
    post(source.test_client(), message_text="written after the backup 12366")
    forced = cli(source, "restore", str(good), "--force")
    assert forced.exit_code == 0, forced.output
    after = table_rows(source.config["DATABASE_URL"])
    assert [e["action"] for e in after.pop("audit_events")] == ["backup_restored"]
    before.pop("audit_events")
    assert after == before  # the report written after the backup is gone, everything else is back
    cleanup_redis(target)


def test_an_older_backup_is_migrated_to_head(fresh, redis_url, tmp_path):
    from alembic.script import ScriptDirectory

    from fraudwatch.storage.migrate import alembic_config

    old, target = fresh("old"), fresh("target")
    upgrade(old, "0001")
    engine = make_engine(old)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (name, role, active, created_at) VALUES ('old', 'admin', true, :t)"),
                     {"t": datetime.now(UTC)})
    engine.dispose()
    path = tmp_path / "old.fwbak"
    made = cli(make_test_app(old, redis_url, tmp_path / "i-old"), "backup", str(path))
    assert made.exit_code == 0, made.output
    assert manifest_of(path)["alembic_revision"] == "0001" and "audit_events" not in manifest_of(path)["row_counts"]
    restored = cli(make_test_app(target, redis_url, tmp_path / "i-target"), "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert current(target) == ScriptDirectory.from_config(alembic_config(target)).get_current_head() != "0001"
    rows = table_rows(target)
    assert [u["name"] for u in rows["users"]] == ["old"]
    assert [e["action"] for e in rows["audit_events"]] == ["backup_restored"]


def test_backup_refuses_hostile_paths(source, tmp_path):
    one_line_error(cli(source, "backup", str(tmp_path)), "is a directory")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("keep me")
    link = tmp_path / "link.fwbak"
    link.symlink_to(elsewhere)
    one_line_error(cli(source, "backup", str(link), "--force"), "symbolic link")
    assert elsewhere.read_text() == "keep me" and link.is_symlink()
    dangling = tmp_path / "dangling.fwbak"
    dangling.symlink_to(tmp_path / "nowhere")
    one_line_error(cli(source, "backup", str(dangling)), "symbolic link")
    assert not (tmp_path / "nowhere").exists()
    one_line_error(cli(source, "backup", str(tmp_path / "no" / "such" / "dir.fwbak")), "does not exist")
    one_line_error(cli(source, "backup", "/proc/fraudwatch-test.fwbak"), "cannot write")
    if os.geteuid() != 0:  # root writes anywhere; /proc above is unwritable for everyone
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        one_line_error(cli(source, "backup", str(locked / "x.fwbak")), "cannot write")
    existing = tmp_path / "existing.fwbak"
    existing.write_text("an older backup")
    one_line_error(cli(source, "backup", str(existing)), "exists", "--force")
    assert existing.read_text() == "an older backup"
    assert cli(source, "backup", str(existing), "--force").exit_code == 0
    assert manifest_of(existing)["format"] == "fraudwatch-backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".fwbackup-")] == []  # no leftovers


def test_restore_check_and_other_backend(source, tmp_path, postgres_url, redis_url):
    path = tmp_path / "b.fwbak"
    assert cli(source, "backup", str(path)).exit_code == 0
    checked = cli(source, "restore", str(path), "--check")
    assert checked.exit_code == 0 and "sound" in checked.output
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL is not set: no second backend to refuse")
    other = postgres_url if source.config["DATABASE_URL"].startswith("sqlite") else f"sqlite:///{tmp_path / 'o.db'}"
    target = make_test_app(other, redis_url, tmp_path / "other")
    one_line_error(cli(target, "restore", str(path), "--force"), "backend it came from")
    cleanup_redis(target)


def test_pg_dump_older_than_the_server_is_named(source, tmp_path, monkeypatch):
    if not source.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    one_line_error(cli(source, "backup", str(tmp_path / "x.fwbak")), "version 9", "newer server")
    assert not (tmp_path / "x.fwbak").exists()
