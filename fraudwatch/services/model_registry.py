"""The classifier model of this process: the registry's active version, else MODEL_DIR's model
(None when there is neither), followed while the process runs.

Every MODEL_POLL_SECONDS (default 15) a process asks the database which version is active
(one indexed read, in a background thread with its own app context and session). When that
changed, the new model is loaded in the same thread and only then swapped in: requests and
jobs keep the old model until the new one is ready, so a promotion or rollback reaches every
web and worker process within the poll interval plus a load, without a restart. A version
that cannot be loaded is logged and skipped (the old model stays). With an empty registry,
MODEL_DIR serves as before (loaded once; `forget` after retraining it).

Workers and the CLI call `get_classifier`, which waits for the very first load only; a web
request calls `ready_classifier`, which never waits: it answers None until a model is loaded.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

log = logging.getLogger(__name__)
POLL_SECONDS = 15.0
_lock = threading.Lock()      # held for the seconds a load takes (one load at a time)
_starting = threading.Lock()  # guards _checking; never held while loading or reading
_loaded: dict[str, object] = {}
_warned: set[str] = set()
_broken: set[str] = set()
_checking: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Choice:
    """The model folder a process (one app) uses, and when the registry was last asked."""

    path: str
    checked: float


_choice: dict[tuple[str, str], Choice] = {}


def model_dir() -> Path:
    """Where the app's model lives when the registry has no active version."""
    return Path(current_app.config["MODEL_DIR"])


def _key(app: Flask) -> tuple[str, str]:
    return app.config["DATABASE_URL"], app.config["MODEL_DIR"]


def _stale(choice: Choice | None, app: Flask) -> bool:
    every = float(app.config.get("MODEL_POLL_SECONDS", POLL_SECONDS))
    return choice is None or time.monotonic() - choice.checked >= every


def get_classifier():
    """The classifier in use, or None when there is none; waits only for the first load."""
    app = current_app._get_current_object()
    choice = _choice.get(_key(app))
    if choice is None:
        refresh(app)
    elif _stale(choice, app):
        _start_refresh(app)
    choice = _choice.get(_key(app))
    return _get(choice.path) if choice else None


def ready_classifier():
    """The classifier if this process has it loaded already; else None, and the check (and
    load) starts in a background thread, once, for the calls after this one."""
    app = current_app._get_current_object()
    choice = _choice.get(_key(app))
    if _stale(choice, app):
        _start_refresh(app)
    return _loaded.get(choice.path) if choice else None


def _start_refresh(app: Flask) -> None:
    key = _key(app)
    with _starting:
        if key in _checking:
            return
        _checking.add(key)
    threading.Thread(target=refresh, args=(app,), name="fw-model-load", daemon=True).start()


def refresh(app: Flask) -> None:
    """Ask the registry which model is active and switch to it once it is loaded."""
    key = _key(app)
    try:
        old = _choice.get(key)
        # None: the database did not answer: keep what we have, ask again later
        path = _active_path(app) or (old.path if old else app.config["MODEL_DIR"])
        if _get(path) is None and old is not None and old.path in _loaded:
            path = old.path  # the new one cannot be used: keep the old one (logged by _load)
        _choice[key] = Choice(path, time.monotonic())
        if old is not None and old.path != path:
            log.info("model switched from %s to %s", old.path, path)
            _evict(old.path)
    finally:
        with _starting:
            _checking.discard(key)


def _active_path(app: Flask) -> str | None:
    """The active version's folder, MODEL_DIR when the registry has none, None when unknown."""
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage.model_versions import active_pointer

    with app.app_context():
        try:
            pointer = active_pointer(db.session)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("cannot read the active model version: %s", type(exc).__name__)
            return None
        finally:
            db.session.rollback()
    return pointer[1] if pointer else app.config["MODEL_DIR"]


def _evict(path: str) -> None:
    """Drop a model no app of this process uses any more (requests holding it keep it)."""
    if all(choice.path != path for choice in _choice.values()):
        with _lock:
            _loaded.pop(path, None)


def _get(path: str):
    if path in _loaded:
        return _loaded[path]
    if path in _broken:
        return None
    with _lock:
        if path not in _loaded:
            model = _load(Path(path))
            if model is None:
                if (Path(path) / "meta.json").is_file():
                    _broken.add(path)  # there but unusable: not tried again until `forget`
                return None
            _loaded[path] = model
    return _loaded[path]


def _load(path: Path):
    if not (path / "meta.json").is_file():
        if str(path) not in _warned:
            _warned.add(str(path))
            log.warning("no classifier model at %s; run `fraudwatch train`", path)
        return None
    try:
        from classifiers.model import load_model
    except ImportError:
        log.warning("the classifier library is not available")
        return None
    try:
        return load_model(path)
    except (ValueError, OSError, KeyError) as exc:
        if str(path) not in _warned:
            _warned.add(str(path))
            log.error("classifier model at %s cannot be used: %s", path, exc)
        return None


def forget() -> None:
    """Drop loaded models and choices (after retraining MODEL_DIR)."""
    with _lock:
        _loaded.clear()
        _broken.clear()
        _choice.clear()
        _warned.clear()
