"""The classifier model, loaded once per process from MODEL_DIR (None when there is none)."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, object] = {}
_warned: set[str] = set()


def model_dir() -> Path:
    """Where the app's model lives."""
    return Path(current_app.config["MODEL_DIR"])


def get_classifier():
    """The loaded classifier, or None when no model has been trained yet."""
    path = str(model_dir())
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
