"""The learning loop (issue #11): a retrain after 200 officer decisions promotes its candidate
only when it is not worse than the model in use, a running process switches to the promoted
model (and back after a rollback) without a restart, and bad requests change nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from fraudwatch.exceptions import Conflict, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services import model_admin, model_registry, retrain, verdicts
from fraudwatch.storage import model_versions as store
from fraudwatch.storage.models import AuditEvent, Report
from tests.conftest import cleanup_redis, make_test_app
from tests.fraudwatch.services.retrain_data import (
    decision_rows,
    loop_config,
    store_decisions,
    train_small_model,
    write_small_corpus,
)

ROOT = Path(__file__).resolve().parents[3]
SWITCH_WITHIN = 60.0  # the bound for running processes (not a timing measurement)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """Every 20th row of data/corpus (about 450 rows): trains in seconds."""
    return write_small_corpus(tmp_path_factory.mktemp("small_corpus"))


@pytest.fixture(scope="session")
def small_model(tmp_path_factory, small_corpus) -> Path:
    """The small corpus's model, as `fraudwatch train` makes it."""
    return train_small_model(tmp_path_factory.mktemp("small_model") / "current", small_corpus)


@pytest.fixture
def loop_app(database_url, redis_url, tmp_path, small_model, small_corpus):
    """An app whose MODEL_DIR holds the small model, retraining on the small corpus, polling every second."""
    app = make_test_app(database_url, redis_url, tmp_path / "instance", **loop_config(small_model, small_corpus))
    yield app
    cleanup_redis(app)
    db.dispose(app)
    model_registry.forget()


class Watcher:
    """A second process following the registry (tests/fraudwatch/services/model_watch.py)."""

    def __init__(self, app) -> None:
        keys = ("TESTING", "INSTANCE_PATH", "DATABASE_URL", "REDIS_URL", "REDIS_PREFIX", "RQ_QUEUE", "MODEL_DIR",
                "MODEL_POLL_SECONDS")
        config = {key: app.config[key] for key in keys}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fraudwatch.services.model_watch", json.dumps(config)],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line.split()[-1])
                self.changed.notify_all()

    def wait_for(self, version: str) -> bool:
        """True once the process uses `version` (within SWITCH_WITHIN seconds)."""
        with self.changed:
            return self.changed.wait_for(lambda: self.lines and self.lines[-1] == version, SWITCH_WITHIN)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


def _version_of(folder: Path) -> str:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))["version"]


def _audits(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.detail for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action))]


def test_a_retrain_after_200_decisions_is_promoted_and_followed_by_a_running_process(loop_app, small_model):
    app, baseline = loop_app, _version_of(small_model)
    report_ids = store_decisions(app, decision_rows(200))
    watcher = Watcher(app)
    try:
        assert watcher.wait_for(baseline), watcher.lines
        with app.app_context():
            row = retrain.retrain("admin-a", corpus=app.config["RETRAIN_CORPUS"])
        assert row["promoted"] and row["status"] == "active", row["comparison"]
        assert row["decisions"]["trained"] == 160 and row["decisions"]["held_out"] == 40
        sets = row["comparison"]["sets"]
        assert sets["decisions"]["candidate"]["rows"] == 40 and sets["corpus"]["candidate"]["rows"] > 20
        assert row["comparison"]["baselines"]["decisions"] == {"version": baseline, "kind": "active"}
        assert row["comparison"]["baselines"]["corpus"]["kind"] == "reference"  # the baseline saw the whole corpus
        assert watcher.wait_for(row["version"]), watcher.lines
        with app.app_context():
            verdict = verdicts.classify_report(report_ids[0])
            stored = db.session.get(Report, report_ids[0]).verdict
        assert verdict["model_version"] == stored["model_version"] == row["version"]
        assert _audits(app, "model_promote") == [
            {"version": row["version"], "previous": baseline, "adopted": baseline, "forced": False}]

        with app.app_context():
            back = model_admin.rollback("admin-a")
            assert back["version"] == baseline and back["status"] == "active"
            assert watcher.wait_for(baseline), watcher.lines
            with pytest.raises(Conflict, match="no earlier version") as refused:
                model_admin.rollback("admin-a")
            assert refused.value.code == "nothing_to_roll_back"
            assert store.active_version(db.session).version == baseline
            statuses = {r["version"]: r["status"] for r in model_admin.list_versions()}
        assert statuses == {baseline: "active", row["version"]: "retired"}
        assert _audits(app, "model_rollback") == [{"version": baseline, "from": row["version"]}]
    finally:
        watcher.close()


@pytest.mark.parametrize(("flip", "caught_by"), [
    (160, "decisions"),  # the older 80% decided the wrong way round: the newest decisions disagree
    (200, "corpus"),  # all of them: the held-out decisions agree with the candidate, the corpus does not
])
def test_a_candidate_taught_wrong_decisions_is_rejected_and_changes_nothing(loop_app, small_model, flip, caught_by):
    app, baseline = loop_app, _version_of(small_model)
    store_decisions(app, decision_rows(200), flip=flip)
    with app.app_context():
        row = retrain.retrain("admin-a", corpus=app.config["RETRAIN_CORPUS"])
        assert not row["promoted"] and row["status"] == "rejected"
        assert row["comparison"]["sets"][caught_by]["worse"], row["comparison"]
        stored = store.get_version(db.session, row["version"])
        assert stored.status == "rejected" and stored.comparison == row["comparison"]
        assert store.active_version(db.session) is None
        assert model_registry.get_classifier().version == baseline  # MODEL_DIR still serves
        with pytest.raises(Conflict, match="rejected") as refused:
            model_admin.promote(row["version"], "admin-a")
        assert refused.value.code == "rejected_version"
        assert store.active_version(db.session) is None
    assert _audits(app, "model_promote") == []


def test_a_dry_run_registers_a_candidate_without_promoting(loop_app, small_model):
    app = loop_app
    store_decisions(app, decision_rows(60))
    with app.app_context():
        row = retrain.retrain("admin-a", corpus=app.config["RETRAIN_CORPUS"], dry_run=True)
        assert row["status"] == "candidate" and not row["promoted"] and row["comparison"]["dry_run"]
        assert (row["decisions"]["trained"], row["decisions"]["held_out"]) == (48, 12)
        assert store.active_version(db.session) is None
        promoted = model_admin.promote(row["version"], "admin-a")
        assert promoted["status"] == "active"
        assert model_registry.get_classifier().version == row["version"]


def test_bad_requests_are_refused_clearly_and_change_nothing(loop_app, tmp_path):
    app = loop_app
    with app.app_context():
        with pytest.raises(NotFound, match="no model version 'nope'"):
            model_admin.promote("nope", "admin-a")
        with pytest.raises(Conflict, match="no model version is active") as no_active:
            model_admin.rollback("admin-a")
        assert no_active.value.code == "no_active_model"
        with pytest.raises(Conflict, match="at least 20") as few:
            retrain.retrain("admin-a", corpus=app.config["RETRAIN_CORPUS"])
        assert few.value.code == "too_few_decisions"
        for name, files in {"garbled": {"meta.json": "{not json"},
                            "halved": {"meta.json": json.dumps({"format": "fraudwatch-linear/1", "version": "x"})},
                            "empty": {}}.items():
            folder = tmp_path / name
            folder.mkdir()
            for file, text in files.items():
                (folder / file).write_text(text, encoding="utf-8")
            store.add_version(db.session, version=name, path=str(folder), status="candidate", created_by="test")
            db.session.commit()
            with pytest.raises(Conflict, match="cannot be used") as broken:
                model_admin.promote(name, "admin-a")
            assert broken.value.code == "model_unusable"
        assert {r["status"] for r in model_admin.list_versions()} == {"candidate"}
        assert store.active_version(db.session) is None
        assert list((Path(app.instance_path) / "models").glob("versions/*")) == []  # nothing adopted
    assert _audits(app, "model_promote") == _audits(app, "model_rollback") == []


def test_the_cli_prints_clear_errors(loop_app):
    from fraudwatch.cli.registry import models
    from fraudwatch.cli.registry import retrain as retrain_command

    runner = loop_app.test_cli_runner()
    listed = runner.invoke(models, ["list"])
    assert listed.exit_code == 0 and "no registered versions" in listed.output
    for args, message in ((["promote", "nope"], "error (unknown_version): no model version 'nope'"),
                          (["promote", "x" * 5000], "error (unknown_version)"),
                          (["promote", "<script>alert(1)</script>"], "error (unknown_version)"),
                          (["promote", "a\x00b"], "error (unknown_version)"),
                          (["rollback"], "error (no_active_model)")):
        result = runner.invoke(models, args)
        assert result.exit_code == 1 and message in result.output, result.output
    result = runner.invoke(retrain_command, ["--corpus", loop_app.config["RETRAIN_CORPUS"][0]])
    assert result.exit_code == 1 and "a retrain needs at least 20" in result.output
    assert runner.invoke(models, ["promote"]).exit_code == 2  # missing argument: usage error
    assert runner.invoke(retrain_command, ["--corpus", "/no/such/folder"]).exit_code == 2


def test_a_registered_version_whose_folder_breaks_keeps_the_running_model(loop_app, small_model, tmp_path):
    app, baseline = loop_app, _version_of(small_model)
    with app.app_context():
        assert model_registry.get_classifier().version == baseline
        folder = tmp_path / "gone"
        store.add_version(db.session, version="gone", path=str(folder), status="active", created_by="test")
        db.session.commit()
        model_registry.refresh(app)  # what the poll does
        assert model_registry.get_classifier().version == baseline
        assert model_registry.ready_classifier().version == baseline
