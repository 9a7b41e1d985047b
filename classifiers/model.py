"""The trained classifier: model folder format, loading, and classification.

A model folder holds `terms.json` (the n-gram vocabulary), `weights.npz` (idf and the
weights of the four linear heads; read with allow_pickle=False), `meta.json` (version,
library versions, labels, thresholds, data hashes) and `metrics.json`. Nothing in it is
executable: loading parses JSON and plain arrays only.

Heads: `flag` (spam-or-scam vs legit), `scam` (scam vs spam, given flagged), `tax`
(impersonates a tax authority, given scam) and `category` (pattern tag).
"""
from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from classifiers.decide import decide
from classifiers.features import Vectorizer, combine, feature_names, language, signal_matrix, signal_names
from classifiers.normalize import MAX_INPUT_CHARS, MAX_TEXT_CHARS, normalize_with_offsets
from classifiers.patterns import Span
from classifiers.signals import fast_signals, lower
from fraudwatch.config import instance_from_env

log = logging.getLogger(__name__)

FORMAT = "fraudwatch-linear/1"
HEADS = ("flag", "scam", "tax", "category")


def default_model_dir(instance_path: str | Path | None = None) -> Path:
    """`<instance>/models/current`; instance = the argument, else FRAUDWATCH_INSTANCE, else ./instance."""
    base = instance_path or instance_from_env() or "instance"
    return Path(base) / "models" / "current"


NO_GC_BATCH = 64


@contextlib.contextmanager
def without_gc(active: bool = True):
    """Pause the cyclic garbage collector for a batch: a batch allocates hundreds of thousands
    of small dicts and lists (none in a reference cycle, so reference counting frees them),
    and every 700 allocations the collector would walk the young ones, and ever more of the
    older ones as verdicts pile up (a fifth of the batch's time on 20,000 messages). The
    collector is switched back on afterwards if it was on; a thread that finds it paused
    leaves it to the thread that paused it."""
    if not active or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Classifier:
    """A loaded model; thread-safe for reading."""

    def __init__(self, meta: dict, terms: list[str], arrays: dict[str, np.ndarray]) -> None:
        self.meta = meta
        self.version: str = meta["version"]
        self.thresholds: dict[str, float] = meta["thresholds"]
        self.signal_weight = float(meta["signal_weight"])
        self.vectorizer = Vectorizer(terms, arrays["idf"])
        self.heads = {h: (arrays[f"{h}_W"], arrays[f"{h}_b"]) for h in HEADS if f"{h}_W" in arrays}
        self.categories: list[str] = meta.get("categories", [])
        self.names = feature_names(terms)

    def warm(self) -> None:
        """Build the spaCy pipelines and the lexicon now (they are otherwise built lazily)."""
        from classifiers.nlp import pipeline

        pipeline("zh")
        pipeline("en")
        fast_signals("warm up 12366 http://example.com")

    def _check(self, text: object) -> str:
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, not {type(text).__name__}")
        return text

    def classify(self, text: str) -> dict:
        """Classify one text; signals come from the spaCy rule pipeline."""
        from classifiers.nlp import doc_signals

        raw = self._check(text)
        norm, offsets = normalize_with_offsets(raw)
        truncated = len(norm) > MAX_TEXT_CHARS or len(raw) > MAX_INPUT_CHARS
        norm = norm[:MAX_TEXT_CHARS]
        return self._predict([raw], [norm], [offsets], [doc_signals(norm)], [truncated])[0]

    def classify_many(self, texts: list[str]) -> list[dict]:
        """Classify a batch by the fast regex path (same signals as `classify`)."""
        with without_gc(len(texts) >= NO_GC_BATCH):
            return self._classify_many(texts)

    def _classify_many(self, texts: list[str]) -> list[dict]:
        raws = [self._check(t) for t in texts]
        norms, offsets, truncated = [], [], []
        for raw in raws:
            norm, offs = normalize_with_offsets(raw, lazy=True)
            truncated.append(len(norm) > MAX_TEXT_CHARS or len(raw) > MAX_INPUT_CHARS)
            norms.append(norm[:MAX_TEXT_CHARS])
            offsets.append(offs)
        spans = [fast_signals(n) for n in norms]
        return self._predict(raws, norms, offsets, spans, truncated)

    def scores(self, norms: list[str], spans: list[list[Span]]) -> dict[str, np.ndarray]:
        """Raw head outputs (probabilities) and the input matrix for normalised texts."""
        names = [signal_names(s, language(n)) for n, s in zip(norms, spans)]
        X = combine(self.vectorizer.transform([lower(n) for n in norms]), signal_matrix(names), self.signal_weight)
        out: dict = {"X": X, "names": names}
        for head, (W, b) in self.heads.items():
            z = np.asarray(X @ W.T) + b
            if head == "category":
                z = np.exp(z - z.max(axis=1, keepdims=True))
                out[head] = z / z.sum(axis=1, keepdims=True)
            else:
                out[head] = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return out

    def _predict(self, raws: list[str], norms: list[str], offsets: list, spans: list[list[Span]],
                 truncated: list[bool]) -> list[dict]:
        return decide(self, raws, norms, offsets, spans, truncated, self.scores(norms, spans))


_POOL_MODEL: Classifier | None = None  # the model a forked worker inherited from its parent


def _classify_chunk(texts: list[str]) -> list[dict]:
    assert _POOL_MODEL is not None, "worker started without a model"
    return _POOL_MODEL.classify_many(texts)


class ClassifierPool:
    """`classify_many` for big batches on several processes.

    Workers are forked from this process once (`with ClassifierPool(model, 2) as pool:`), so
    each holds the loaded model without reading it again; a batch is cut into a few chunks
    per worker and the verdicts come back in input order, the same verdicts as
    `model.classify_many`. Batches under MIN_PARALLEL texts, a single worker, or a platform
    without fork run in this process. Meant for command-line and batch jobs, not for a web
    worker (forking a threaded server is unsafe)."""

    MIN_PARALLEL = 2000
    CHUNKS_PER_WORKER = 2

    def __init__(self, model: Classifier, workers: int | None = None) -> None:
        self.model = model
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._pool = None

    def __enter__(self) -> ClassifierPool:
        global _POOL_MODEL
        if self.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            _POOL_MODEL = self.model
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def classify_many(self, texts: list[str]) -> list[dict]:
        """Verdicts of `texts`, in order (bad input raises ValueError, as in `Classifier`)."""
        if self._pool is None or len(texts) < self.MIN_PARALLEL:
            return self.model.classify_many(texts)
        for text in texts:
            self.model._check(text)
        size = -(-len(texts) // (self.workers * self.CHUNKS_PER_WORKER))
        chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
        with without_gc():  # unpickling the verdicts allocates as much as making them
            return [verdict for chunk in self._pool.map(_classify_chunk, chunks) for verdict in chunk]


def load_model(model_dir: str | Path, *, warm: bool = True) -> Classifier:
    """Load a model folder (JSON and .npz only; never executes code from the files).

    With `warm`, the spaCy pipelines are built now rather than on the first `classify`.
    """
    folder = Path(model_dir)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"no model in {folder} (meta.json missing); run `fraudwatch train`")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{folder}: unsupported model format {meta.get('format')!r}, expected {FORMAT}")
    terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
    with np.load(folder / "weights.npz", allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    _check_shape(folder, terms, arrays)
    log.info("loaded model %s from %s (%d terms)", meta["version"], folder, len(terms))
    model = Classifier(meta, terms, arrays)
    if warm:
        model.warm()
    return model


def _check_shape(folder: Path, terms: list[str], arrays: dict[str, np.ndarray]) -> None:
    """Refuse a model whose weights do not fit this code's features (trained by another version)."""
    from classifiers.features import SIGNAL_FEATURES

    expected = len(terms) + len(SIGNAL_FEATURES)
    for head in HEADS:
        weights = arrays.get(f"{head}_W")
        if weights is not None and weights.shape[-1] != expected:
            raise ValueError(f"{folder}: the model has {weights.shape[-1]} features but this version of "
                             f"fraudwatch computes {expected}; retrain it with `fraudwatch train`")


def save_model(folder: Path, meta: dict, terms: list[str], arrays: dict[str, np.ndarray], metrics: dict) -> None:
    """Write a model folder: files go to a private temporary folder, which then replaces
    `folder` by renames, so readers never see a half-written model."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    (tmp / "terms.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    np.savez_compressed(tmp / "weights.npz", **arrays)
    (tmp / "meta.json").write_text(json.dumps({**meta, "format": FORMAT}, ensure_ascii=False, indent=2),
                                   encoding="utf-8")
    (tmp / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=folder.parent))
        old.rmdir()
        folder.rename(old)
    try:
        tmp.rename(folder)
    except OSError:  # another process installed a model in between: keep theirs
        log.warning("model folder %s was replaced concurrently; discarding this copy", folder)
        _rmtree(tmp)
    if old is not None:
        _rmtree(old)


def _rmtree(path: Path) -> None:
    """Remove a replaced model folder, whatever it held (sub-folders included)."""
    shutil.rmtree(path)
