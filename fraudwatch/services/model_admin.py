"""The model registry's changes: register a trained folder, promote a version, roll back (each
audited), and where the registry's folders live (`<instance>/models/versions/<version>`).

A version is only activated after its folder loads: a missing or corrupted folder is refused
with a clear error and nothing changes. The first promotion on an install whose model so far
came from MODEL_DIR registers that model first (copied under the versions folder, as
`retired`), so a rollback can return to it.
"""
from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from flask import current_app

from fraudwatch.exceptions import Conflict, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.storage import model_versions as store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import ModelVersion, utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # what training names versions (date-hash)


def versions_dir() -> Path:
    """Where registered model folders live."""
    return Path(current_app.instance_path) / "models" / "versions"


def check_folder(path: str | Path):
    """The model of a folder, loaded without warming; Conflict (model_unusable) when it cannot be."""
    from classifiers.model import load_model

    try:
        return load_model(path, warm=False)
    except (OSError, ValueError, KeyError) as exc:
        raise Conflict(f"the model folder {path} cannot be used: {exc}", code="model_unusable") from None


def version_json(row: ModelVersion) -> dict:
    """A registry row as the CLI, the API and the console show it."""
    metrics = row.metrics or {}
    return {"version": row.version, "status": row.status, "path": row.path, "created_by": row.created_by,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "promoted_at": row.promoted_at.isoformat() if row.promoted_at else None,
            "summary": metrics.get("summary"), "decisions": metrics.get("decisions"),
            "comparison": row.comparison, "note": row.note}


def list_versions() -> list[dict]:
    """Every registered version, newest first."""
    return [version_json(row) for row in store.list_versions(db.session)]


def promote(version: str, actor: str, *, force: bool = False, address: str | None = None) -> dict:
    """Make `version` the active model; the active one is retired. A rejected version needs `force`."""
    row = store.get_version(db.session, version) if VERSION.fullmatch(version) else None
    if row is None:
        raise NotFound(f"no model version {version[:80]!r}; see `fraudwatch models list`", code="unknown_version")
    if row.status == "active":
        raise Conflict(f"model version {version} is already active", code="already_active")
    if row.status == "rejected" and not force:
        raise Conflict(f"model version {version} was rejected by its comparison: "
                       f"{'; '.join(_reasons(row.comparison)) or 'see its comparison'}; promote it with force "
                       "if you mean it", code="rejected_version")
    check_folder(row.path)
    version_id = row.id
    db.session.rollback()

    def work() -> dict:
        adopted = adopt_model_dir(actor)
        target = store.get_by_id(db.session, version_id)
        forced = target.status == "rejected"
        previous = store.activate(db.session, target)
        detail = {"version": target.version, "previous": previous.version if previous else adopted,
                  "adopted": adopted, "forced": forced}
        _audit(actor, "model_promote", target, detail, address)
        return version_json(target)

    result = in_transaction(db.session, work)
    log.info("model %s promoted by %s", version, actor)
    return result


def rollback(actor: str, *, address: str | None = None) -> dict:
    """Re-activate the version that was active before the active one (whose promotion is undone)."""
    current = store.active_version(db.session)
    if current is None:
        raise Conflict("no model version is active: nothing to roll back (MODEL_DIR serves)", code="no_active_model")
    target = store.rollback_target(db.session, current)
    if target is None:
        raise Conflict(f"model version {current.version} has no earlier version to roll back to",
                       code="nothing_to_roll_back")
    check_folder(target.path)
    ids = (current.id, target.id)
    db.session.rollback()

    def work() -> dict:
        old, new = (store.get_by_id(db.session, i) for i in ids)
        if old.status != "active":
            raise Conflict("the active model changed meanwhile; try again", code="changed")
        old.promoted_at = None
        old.note = _join(old.note, f"rolled back {utcnow():%Y-%m-%d %H:%M} UTC by {actor}")
        store.activate(db.session, new, promoted=False)
        _audit(actor, "model_rollback", new, {"version": new.version, "from": old.version}, address)
        return version_json(new)

    result = in_transaction(db.session, work)
    log.info("model rolled back to %s by %s", result["version"], actor)
    return result


def adopt_model_dir(actor: str) -> str | None:
    """Register MODEL_DIR's model as a retired version when the registry has no active one (so a
    rollback can return to it); its version, or None. Runs inside the caller's transaction."""
    if store.active_version(db.session) is not None:
        return None
    source = Path(current_app.config["MODEL_DIR"])
    if not (source / "meta.json").is_file():
        return None
    try:
        model = check_folder(source)
    except Conflict as exc:
        log.warning("MODEL_DIR's model is not adopted into the registry: %s", exc.message)
        return None
    if store.get_version(db.session, model.version) is not None:
        return None
    target = versions_dir() / model.version
    if not (target / "meta.json").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)
    store.add_version(db.session, version=model.version, path=str(target), status="retired", created_by=actor,
                      metrics=_read_metrics(target), note="adopted from MODEL_DIR", promoted=True)
    return model.version


def _read_metrics(folder: Path) -> dict | None:
    import json

    try:
        return json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _audit(actor: str, action: str, row: ModelVersion, detail: dict, address: str | None) -> None:
    add_audit_event(db.session, actor=actor, action=action, target_type="model_version", target_id=row.id,
                    detail=detail, address=address)


def _reasons(comparison: dict | None) -> list[str]:
    sets = (comparison or {}).get("sets") or {}
    return [f"{name}: {reason}" for name, entry in sets.items() for reason in entry.get("worse") or []]


def _join(note: str | None, more: str) -> str:
    return f"{note}; {more}" if note else more
