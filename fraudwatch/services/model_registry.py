"""The classifier model, loaded once per process from MODEL_DIR (None when there is none).

Workers load it when their first job needs it (`get_classifier`); a web process asks
`ready_classifier`, which never waits: the first call starts loading the model in a
background thread and answers None, so no request pays for the load."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, object] = {}
_warned: set[str] = set()
_loading: set[str] = set()  # being loaded in the background (guarded by _starting: _lock is
_broken: set[str] = set()   # held for the seconds a load takes, and a request must not wait)
_starting = threading.Lock()


def model_dir() -> Path:
    """Where the app's model lives."""
    return Path(current_app.config["MODEL_DIR"])


def get_classifier():
    """The loaded classifier, or None when no model has been trained yet."""
    return _get(str(model_dir()))


def ready_classifier():
    """The classifier if this process has it loaded already; else None, and (when a model
    exists) it starts loading in a background thread, once, for the calls after this one."""
    path = str(model_dir())
    model = _loaded.get(path)
    if model is not None or path in _broken or not (Path(path) / "meta.json").is_file():
        return model
    with _starting:
        if path in _loading or path in _loaded:
            return _loaded.get(path)
        _loading.add(path)
    threading.Thread(target=_load_in_background, args=(path,), name="fw-model-load", daemon=True).start()
    return None


def _load_in_background(path: str) -> None:
    try:
        if _get(path) is None:
            _broken.add(path)  # not tried again by requests until `forget`
    finally:
        with _starting:
            _loading.discard(path)


def _get(path: str):
    if path in _loaded:
        return _loaded[path]
    with _lock:
        if path not in _loaded:
            model = _load(Path(path))
            if model is None:
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
    """Drop loaded models (after retraining)."""
    with _lock:
        _loaded.clear()
        _broken.clear()
