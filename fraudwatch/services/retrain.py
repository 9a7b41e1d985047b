"""Retraining from officers' decisions: train a candidate, compare it with the model in use on
the same held-out rows, and promote it only when it is not worse.

Training rows: the corpus less its frozen split (classifiers/compare.py), plus the officers'
decisions (confirmed -> scam, dismissed -> legit; the report's text as the classifier reads
it) less the newest DECISION_HOLDOUT of them by decision time. The candidate and the baseline
are then scored on (a) the frozen corpus split and (b) those newest decisions, and the
candidate is promoted unless it is worse on either (classifiers.compare.worse).

The baseline is the active model. On the corpus split it must not have trained on those rows:
a model of the registry trained by this code did not (its metrics name the same frozen split);
a model from `fraudwatch train` did (it reads the whole corpus), so the corpus rows are then
compared with a reference model trained on the same corpus rows without decisions (kept under
the versions folder, trained once per corpus). With no model at all, the reference serves both.
On the decisions, an active model from an earlier retrain may have trained on some of today's
newest decisions: the comparison then favours it, so the error is on the side of not promoting.
The texts of the decisions are written to a private folder for training and deleted after it.
"""
from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
from pathlib import Path

from fraudwatch.exceptions import Conflict
from fraudwatch.infra.extensions import db
from fraudwatch.services import model_admin, verdicts
from fraudwatch.storage import model_versions as store
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
DECISION_HOLDOUT = 0.2
MIN_DECISIONS = 20  # fewer teach nothing, and their newest fifth compares nothing


def decision_rows() -> tuple[list[dict], list[dict]]:
    """(rows to train on, newest DECISION_HOLDOUT held out) of the officers' decisions."""
    rows = []
    for decision in store.decisions(db.session):
        text = verdicts.report_text(decision.report)
        if text.strip():
            rows.append({"text": text, "label": decision.label, "report_id": decision.report.id,
                         "decided_at": decision.decided_at.isoformat()})
    db.session.rollback()
    held = math.ceil(len(rows) * DECISION_HOLDOUT)
    return rows[:len(rows) - held], rows[len(rows) - held:]


def retrain(actor: str, *, corpus: list[Path] | None = None, dry_run: bool = False, seed: int = 13,
            progress=None) -> dict:
    """Train, compare, register (promoted, candidate on a dry run, or rejected); the registry row."""
    from classifiers.compare import FROZEN_MOD, FROZEN_SALT, compare
    from classifiers.corpus import corpus_files, data_hash, default_corpus_files

    files = corpus_files(list(corpus or default_corpus_files()))
    if not files:
        raise Conflict("no corpus files to train on", code="no_corpus")
    frozen = {"mod": FROZEN_MOD, "salt": FROZEN_SALT, "split": "cluster", "corpus_sha256": data_hash(files)}
    train_dec, held_dec = decision_rows()
    if len(train_dec) + len(held_dec) < MIN_DECISIONS:
        raise Conflict(f"{len(train_dec) + len(held_dec)} officer decisions (confirmed or dismissed reports) so "
                       f"far; a retrain needs at least {MIN_DECISIONS}", code="too_few_decisions")
    root = model_admin.versions_dir()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".work-", dir=root))
    try:
        corpus_train, corpus_held = _write_data(work, files, train_dec)
        metrics = _train(work / "model", corpus_train, work / "decisions.jsonl" if train_dec else None,
                         seed, progress)
        candidate = model_admin.check_folder(work / "model")
        baselines, described = _baselines(frozen, corpus_train, seed)
        comparison = compare(candidate, baselines, {"corpus": corpus_held, "decisions": held_dec})
        comparison.update(baselines=described, dry_run=dry_run)
        metrics.update(frozen_split=frozen, decisions=_counts(train_dec, held_dec))
        path = _install(work / "model", root / candidate.version)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _register(candidate.version, str(path), metrics, comparison, actor, dry_run)


def _write_data(work: Path, files: list[Path], train_dec: list[dict]) -> tuple[Path, list[dict]]:
    """The training corpus file (corpus less the frozen split) and the decisions file; the held-out corpus rows."""
    from classifiers.compare import frozen_split
    from classifiers.corpus import load_corpus

    train_rows, held_rows = frozen_split(load_corpus(files))
    corpus_file = work / "corpus.jsonl"
    _dump(corpus_file, [{k: v for k, v in row.items() if k != "source_file"} for row in train_rows])
    if train_dec:
        _dump(work / "decisions.jsonl", [{"text": r["text"], "label": r["label"]} for r in train_dec])
    return corpus_file, held_rows


def _dump(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _train(target: Path, corpus_file: Path, decisions_file: Path | None, seed: int, progress) -> dict:
    from classifiers.train import train_model

    extra = [decisions_file] if decisions_file else []
    return train_model([corpus_file], target, extra=extra, seed=seed, progress=progress)


def _baselines(frozen: dict, corpus_train: Path, seed: int) -> tuple[dict, dict]:
    """The models the candidate is compared with on each set, and what they are."""
    active = store.active_version(db.session)
    pointer = (active.version, active.path, (active.metrics or {}).get("frozen_split")) if active else None
    db.session.rollback()
    model = None
    if pointer is not None:
        model = model_admin.check_folder(pointer[1])
    else:
        from flask import current_app

        source = Path(current_app.config["MODEL_DIR"])
        if (source / "meta.json").is_file():
            model = model_admin.check_folder(source)
    same_split = pointer is not None and pointer[2] == frozen
    if model is not None and same_split:
        kind = {"version": model.version, "kind": "active"}
        return {"corpus": model, "decisions": model}, {"corpus": kind, "decisions": kind}
    reference = _reference(frozen, corpus_train, seed)
    ref = {"version": reference.version, "kind": "reference",
           "why": "no active model" if model is None else "the active model was trained on the frozen split"}
    if model is None:
        return {"corpus": reference, "decisions": reference}, {"corpus": ref, "decisions": ref}
    return ({"corpus": reference, "decisions": model},
            {"corpus": ref, "decisions": {"version": model.version, "kind": "active"}})


def _reference(frozen: dict, corpus_train: Path, seed: int):
    """The corpus-only model on the frozen split's training rows (trained once per corpus)."""
    folder = model_admin.versions_dir() / f".reference-{frozen['corpus_sha256'][:16]}-{seed}"
    try:
        return model_admin.check_folder(folder)
    except Conflict:
        log.info("training the reference model into %s", folder)
        _train(folder, corpus_train, None, seed, None)
        return model_admin.check_folder(folder)


def _install(source: Path, target: Path) -> Path:
    """Move the trained folder to its version's place (a folder already there is the same model)."""
    if not (target / "meta.json").is_file():
        shutil.rmtree(target, ignore_errors=True)
        source.rename(target)
    return target


def _counts(train_dec: list[dict], held_dec: list[dict]) -> dict:
    return {"trained": len(train_dec), "held_out": len(held_dec),
            "trained_until": train_dec[-1]["decided_at"] if train_dec else None,
            "held_out_from": held_dec[0]["decided_at"] if held_dec else None}


def _register(version: str, path: str, metrics: dict, comparison: dict, actor: str, dry_run: bool) -> dict:
    """Store the row (rejected, candidate, or promoted: model_admin.promote audits it)."""
    status = "rejected" if not comparison["not_worse"] else "candidate"

    def work() -> None:
        row = store.get_version(db.session, version)
        if row is None:
            store.add_version(db.session, version=version, path=path, status=status, created_by=actor,
                              metrics=metrics, comparison=comparison)
        elif row.status != "active":  # the same weights trained again: its latest comparison
            row.comparison, row.metrics = comparison, metrics
            row.status = status if row.status in ("candidate", "rejected") else row.status

    in_transaction(db.session, work)
    row = store.get_version(db.session, version)
    if status == "candidate" and not dry_run and row.status != "active":
        return {**model_admin.promote(version, actor), "promoted": True}
    return {**model_admin.version_json(row), "promoted": False}


RETRAIN_KIND = "retrain"


def start_retrain(user_name: str) -> tuple[int, bool]:
    """Queue a retrain asked by the user `user_name` (on the bulk queue); (job id, whether it is
    new). While one is open, that one is answered: one retrain at a time."""
    from fraudwatch.services import outbox
    from fraudwatch.storage import pending, users

    def work() -> tuple[int, bool]:
        job = store.open_job(db.session, RETRAIN_KIND)
        if job is not None:
            return job.id, False
        user = users.find_user(db.session, user_name)
        return pending.add_pending(db.session, RETRAIN_KIND, user.id if user else 0, queue="bulk").id, True

    job_id, created = in_transaction(db.session, work)
    if created:
        outbox.try_enqueue([job_id], role="bulk", long=True)  # Redis down: the pump enqueues it later
    return job_id, created


def retrain_job(user_id: int) -> dict:
    """The job: retrain as the admin `user_id` asked (idempotent: the same data trains the same version)."""
    name = store.user_name(db.session, user_id)
    actor = f"{name} (job)" if name else "job"
    db.session.rollback()
    result = retrain(actor, corpus=_configured_corpus())
    log.info("retrain job: version %s %s", result["version"], "promoted" if result["promoted"] else result["status"])
    return result


def _configured_corpus() -> list[Path] | None:
    """RETRAIN_CORPUS (a list of corpus folders or files; tests use a small one), else data/corpus."""
    from flask import current_app

    paths = current_app.config.get("RETRAIN_CORPUS")
    return [Path(p) for p in paths] if paths else None


def job_state(job_id: int) -> dict:
    """A retrain job's state; NotFound when there is no such retrain job."""
    from fraudwatch.exceptions import NotFound

    state = store.job_state(db.session, job_id, RETRAIN_KIND)
    if state is None:
        raise NotFound(f"no retrain job {job_id}")
    return state


def open_job_state() -> dict | None:
    """The state of the retrain job still open, or None."""
    job = store.open_job(db.session, RETRAIN_KIND)
    return store.job_state(db.session, job.id, RETRAIN_KIND) if job is not None else None
