"""Training: labelled files in, model folder out.

Rows are normalised, their signals found by the fast path, split into train and
validation (bucket 0 of 10 with the salt "|val", by near-duplicate cluster or by sha1:
classifiers.corpus.split_buckets), and four logistic-regression heads are
fitted on TF-IDF n-grams next to the signal features. The flag thresholds (one for messages
with a tax context, one for the others: choose_thresholds) are chosen on out-of-fold scores
of every row (fold_threshold; on the validation split alone for corpora under FOLDS_MIN_ROWS
rows), validation metrics are written, then the heads are refitted on train + validation
with the same settings.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import sklearn
import spacy
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.corpus import corpus_files, data_hash, load_corpus, parse_label_map, split_buckets
from classifiers.evaluate import flag_metrics, tax_metrics
from classifiers.features import analyze, combine, language, signal_matrix, signal_names
from classifiers.model import Classifier, save_model
from classifiers.normalize import MAX_TEXT_CHARS, normalize_text
from classifiers.signals import fast_signals, lower

log = logging.getLogger(__name__)

# Chosen by 5-fold cross-validation on the corpus train split (classifiers/tune.py): a
# small signal weight with weak regularisation separates legit tax messages best; weaker
# still (C_flag 2048, signal_weight 0.05) gained 0.7 points there but transferred worse to
# other spam (validated on the external sets' TRAIN rows, sha1 % 5 != 0).
DEFAULTS = {"C_flag": 256.0, "C_scam": 512.0, "C_tax": 512.0, "C_category": 512.0, "signal_weight": 0.1,
            "min_df": 2, "max_features": 400_000, "corpus_weight": 3.0,
            "augment_fraction": 0.3,  # share of the training scam rows given one obfuscated copy
            "threshold_folds": 5}  # the flag threshold's out-of-fold scores (fold_threshold)
# Below this many rows the validation split alone chooses the threshold (small test corpora).
FOLDS_MIN_ROWS = 2000
Progress = Callable[[str, float], None]


def prepare(rows: list[dict], dedupe: bool = True) -> list[dict]:
    """Rows with `norm`, `low` and `spans` added; duplicate normalised texts dropped if `dedupe`."""
    seen: set[str] = set()
    out = []
    for row in rows:
        norm = normalize_text(row["text"])[:MAX_TEXT_CHARS]
        if dedupe and norm in seen:
            continue
        seen.add(norm)
        out.append({**row, "norm": norm, "low": lower(norm), "spans": fast_signals(norm)})
    return out


def augment(train_rows: list[dict], fraction: float, seed: int) -> list[dict]:
    """One obfuscated copy (classifiers.obfuscate, a seeded kind) of a seeded `fraction` of
    the scam rows, prepared; a copy that normalisation turns back into a text already
    there is left out (it would only weigh its row twice)."""
    from classifiers.obfuscate import KINDS, obfuscate

    rng = random.Random(seed)
    copies = [{**row, "text": obfuscate(row["text"], rng.choice(KINDS), seed), "augmented": True}
              for row in train_rows if row["label"] == "scam" and rng.random() < fraction]
    seen = {row["norm"] for row in train_rows}
    return [row for row in prepare(copies) if row["norm"] not in seen]


def _fit(X, y, weight, C: float, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Logistic regression (liblinear; one-vs-rest for several classes) -> (W, b)."""
    classes = sorted(set(y))
    if len(classes) < 2:
        return None
    rows_W, rows_b = [], []
    targets = [classes[1]] if len(classes) == 2 else classes
    for positive in targets:
        model = LogisticRegression(C=C, max_iter=2000, random_state=seed, solver="liblinear")
        model.fit(X, (np.asarray(y) == positive).astype(int), sample_weight=weight)
        rows_W.append(model.coef_[0])
        rows_b.append(model.intercept_[0])
    return np.asarray(rows_W, dtype=np.float32), np.asarray(rows_b, dtype=np.float32)


def fit_heads(rows: list[dict], X, params: dict, seed: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """Fit the four heads on the rows (X row-aligned); returns arrays and categories."""
    weight = np.array([1.0 if r.get("extra") else params["corpus_weight"] for r in rows])
    labels = np.array([r["label"] for r in rows])
    arrays: dict[str, np.ndarray] = {}
    heads = {
        "flag": (np.ones(len(rows), bool), (labels != "legit").astype(int), params["C_flag"]),
        "scam": (np.isin(labels, ["scam", "spam"]), (labels == "scam").astype(int), params["C_scam"]),
        "tax": (np.array([r["label"] == "scam" and isinstance(r.get("tax_impersonation"), bool) for r in rows]),
                np.array([int(bool(r.get("tax_impersonation"))) for r in rows]), params["C_tax"]),
    }
    for name, (mask, y, C) in heads.items():
        fitted = _fit(X[mask], y[mask], weight[mask], C, seed) if mask.any() else None
        if fitted:
            arrays[f"{name}_W"], arrays[f"{name}_b"] = fitted
    cats = np.array([r.get("category") or "" for r in rows])
    mask = (labels != "legit") & (cats != "") & (cats != "none")
    categories = sorted(set(cats[mask]))
    if len(categories) >= 2:
        fitted = _fit(X[mask], cats[mask], weight[mask], params["C_category"], seed)
        if fitted:
            arrays["category_W"], arrays["category_b"] = fitted
    return arrays, categories


def _vectorize(rows: list[dict], params: dict) -> tuple[TfidfVectorizer, object]:
    vec = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=params["min_df"],
                          max_features=params["max_features"], dtype=np.float32)
    ngrams = vec.fit_transform([r["low"] for r in rows])
    signals = signal_matrix([signal_names(r["spans"], language(r["norm"])) for r in rows])
    return vec, combine(ngrams, signals, params["signal_weight"])


def _build(rows: list[dict], params: dict, seed: int, meta: dict) -> tuple[list[str], dict]:
    vec, X = _vectorize(rows, params)
    arrays, categories = fit_heads(rows, X, params, seed)
    terms = [t for t, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])]
    arrays["idf"] = vec.idf_.astype(np.float32)
    meta["categories"] = categories
    return terms, arrays


# At most this share of the validation's legit rows, and of its legit tax messages, may be
# flagged at the chosen threshold: a false alarm on a real tax notice costs its reader more
# than a missed advert.
MAX_LEGIT_FLAGGED = 0.01


def _best_threshold(y: np.ndarray, p: np.ndarray, max_legit_flagged: float = MAX_LEGIT_FLAGGED,
                    costly: np.ndarray | None = None) -> float:
    """Among the thresholds 0.30..0.70 that flag at most `max_legit_flagged` of the validation's
    legit rows, and as much of its `costly` legit rows (a boolean mask: legit tax messages,
    whose false alarm costs most; the many easy legit rows must not buy room for them), the
    middle of those reaching the best F1; when none does, the lowest of those flagging the
    fewest legit rows."""
    grid = np.round(np.arange(0.3, 0.7001, 0.01), 3)
    legit = max(1, int((y == 0).sum()))
    costly = np.zeros(len(y), bool) if costly is None else (np.asarray(costly, bool) & (y == 0))
    n_costly = int(costly.sum())
    f1s, fprs, costly_fprs = [], [], []
    for t in grid:
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        f1s.append(2 * tp / max(1.0, pred.sum() + (y == 1).sum()))
        fprs.append(float((pred & (y == 0)).sum()) / legit)
        costly_fprs.append(float((pred & costly).sum()) / n_costly if n_costly else 0.0)
    f1s, fprs, costly_fprs = np.asarray(f1s), np.asarray(fprs), np.asarray(costly_fprs)
    allowed = np.flatnonzero((fprs <= max_legit_flagged + 1e-12) & (costly_fprs <= max_legit_flagged + 1e-12))
    if not len(allowed):
        allowed = np.flatnonzero(fprs <= max_legit_flagged + 1e-12)
    if not len(allowed):
        return float(grid[np.flatnonzero(np.isclose(fprs, fprs.min()))[0]])
    best = allowed[np.isclose(f1s[allowed], f1s[allowed].max())]
    return float(grid[best[len(best) // 2]])


def train_model(corpus_paths: list[Path], output_dir: Path, *, extra: list[Path] = (),
                label_map: dict | str | None = None, seed: int = 13, progress: Progress | None = None,
                holdout_mod: int | None = None, params: dict | None = None, refit: bool = True,
                split: str = "cluster") -> dict:
    """Train on the corpus (+ extra files) and write a model folder; returns its metrics.

    `holdout_mod` leaves out bucket 0 of `split` (near-duplicate `cluster` or `sha1`), computed
    over corpus and extra rows together so that no near-copy of a held-out row is trained on.
    """
    say = progress or (lambda step, fraction: log.info("%s (%.0f%%)", step, fraction * 100))
    params = {**DEFAULTS, **(params or {})}
    started = time.perf_counter()
    say("reading data", 0.0)
    raw = load_corpus(list(corpus_paths), list(extra), label_map)
    if holdout_mod:
        buckets = split_buckets([r["text"] for r in raw], holdout_mod, split)
        raw = [r for r, bucket in zip(raw, buckets) if bucket != 0]
    if not raw:
        raise ValueError("no labelled rows to train on")
    say(f"normalising and finding signals in {len(raw)} rows", 0.1)
    rows = prepare(raw)
    is_val = np.array(split_buckets([r["text"] for r in rows], 10, split, salt="|val")) == 0
    train_rows = [r for r, v in zip(rows, is_val) if not v]
    val_rows = [r for r, v in zip(rows, is_val) if v]
    files = corpus_files(list(corpus_paths)) + [Path(p) for p in extra]
    meta = _meta(rows, files, params, seed, holdout_mod)
    _split_meta(meta, files, len(extra), split, label_map)
    copies = augment(train_rows, params["augment_fraction"], seed)  # train part only, never validation
    say(f"fitting on {len(train_rows)} rows (+{len(copies)} obfuscated), validating on {len(val_rows)}", 0.3)
    terms, arrays = _build(train_rows + copies, params, seed, meta)
    output_dir = Path(output_dir)
    meta["thresholds"] = {"flag": 0.5, "tax": 0.5}
    meta["version"] = "validation"
    chosen = None
    if refit and params["threshold_folds"] > 1 and len(rows) >= FOLDS_MIN_ROWS:
        say(f"choosing the flag threshold on {params['threshold_folds']} folds of all {len(rows)} rows", 0.5)
        chosen = fold_threshold(rows, params, seed, split, meta)
    metrics = validate(Classifier(meta, terms, arrays), val_rows, meta, threshold=chosen)
    if refit and val_rows:
        say(f"refitting on all {len(rows)} rows", 0.7)
        terms, arrays = _build(rows + copies, params, seed, meta)
    meta["version"] = _version(arrays)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    metrics["rows"] = len(rows)
    metrics["augmented_rows"] = len(copies)
    metrics["summary"] = _summary(meta["version"], metrics)
    save_model(output_dir, meta, terms, arrays, metrics)
    say(f"model {meta['version']} written to {output_dir}", 1.0)
    return metrics


def _costly(rows: list[dict]) -> np.ndarray:
    """Legit tax messages: the rows whose false alarm costs most (their own budget)."""
    return np.array([r["label"] == "legit" and "tax_context" in signal_names(r["spans"]) for r in rows])


def fold_threshold(rows: list[dict], params: dict, seed: int, split: str, meta: dict) -> dict[str, float] | None:
    """The flag thresholds (choose_thresholds) chosen on out-of-fold scores of every row: each of `threshold_folds`
    near-duplicate-cluster folds scored by heads fitted on the others (no obfuscated copies).
    A tenth of the rows (the validation split alone) leaves the threshold to a handful of
    legit tax messages; all rows give it ten times as many."""
    folds = np.array(split_buckets([r["text"] for r in rows], params["threshold_folds"], split, salt="|fold"))
    scores = np.zeros(len(rows))
    for k in range(params["threshold_folds"]):
        inside = np.flatnonzero(folds == k)
        train = [r for r, f in zip(rows, folds) if f != k]
        if not len(inside) or len({r["label"] != "legit" for r in train}) < 2:
            return None
        fold_meta = {**meta, "thresholds": {"flag": 0.5, "tax": 0.5}, "version": f"fold-{k}"}
        terms, arrays = _build(train, params, seed, fold_meta)
        part = [rows[i] for i in inside]
        scores[inside] = Classifier(fold_meta, terms, arrays).scores([r["norm"] for r in part],
                                                                     [r["spans"] for r in part])["flag"]
    return choose_thresholds(rows, scores)


def choose_thresholds(rows: list[dict], scores: np.ndarray) -> dict[str, float] | None:
    """`flag` (messages with a tax context: every row's budget and the legit tax messages' own)
    and `flag_other` (messages without one: their legit rows' budget; never above `flag`). A
    false alarm on a tax notice costs its reader more than one on a chat or an advert, so an
    advert need not clear the bar a tax notice sets. None when the rows have one class only."""
    y = np.array([int(r["label"] != "legit") for r in rows])
    if not 0 < y.sum() < len(y):
        return None
    flag = _best_threshold(y, scores, costly=_costly(rows))
    other = np.array(["tax_context" not in signal_names(r["spans"]) for r in rows])
    rest = y[other]
    flag_other = _best_threshold(rest, scores[other]) if 0 < rest.sum() < len(rest) else flag
    return {"flag": flag, "flag_other": min(flag, flag_other)}


def validate(model, val_rows: list[dict], meta: dict, threshold: dict[str, float] | None = None) -> dict:
    """Choose the flag thresholds on the validation rows (unless `threshold` gives them) and
    compute their metrics."""
    if not val_rows:
        return {"validation": None}
    scores = model.scores([r["norm"] for r in val_rows], [r["spans"] for r in val_rows])
    meta["thresholds"].update(threshold or choose_thresholds(val_rows, scores["flag"]) or {"flag": 0.5})
    model.thresholds = meta["thresholds"]
    results = model._predict([r["text"] for r in val_rows], [r["norm"] for r in val_rows],
                             [None] * len(val_rows), [r["spans"] for r in val_rows], [False] * len(val_rows))
    return {"validation": {"rows": len(val_rows), "thresholds": meta["thresholds"],
                           **flag_metrics(val_rows, results, scores["flag"]), **tax_metrics(val_rows, results)}}


def _meta(rows: list[dict], files: list[Path], params: dict, seed: int, holdout_mod: int | None) -> dict:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    return {"created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "labels": ["legit", "spam", "scam"], "label_counts": counts, "params": params, "seed": seed,
            "signal_weight": params["signal_weight"], "holdout_mod": holdout_mod,
            "data": [{"file": str(p), "sha256": data_hash([p])} for p in files],
            "versions": {"python": platform.python_version(), "sklearn": sklearn.__version__,
                         "spacy": spacy.__version__, "numpy": np.__version__}}


def _split_meta(meta: dict, files: list[Path], n_extra: int, split: str, label_map: dict | str | None) -> None:
    """What evaluation needs to redo the held-out split: the split, the label map, which files are extra."""
    meta.update(split=split, label_map=parse_label_map(label_map))
    for index, (entry, path) in enumerate(zip(meta["data"], files)):
        entry.update(file=str(path.resolve()), extra=index >= len(files) - n_extra)


def _summary(version: str, metrics: dict) -> str:
    val = metrics.get("validation") or {}
    flagged = val.get("flagged") or {}
    return (f"model {version}: {metrics['rows']} rows, {metrics['train_seconds']} s; validation flagged "
            f"F1 {flagged.get('f1')} (P {flagged.get('precision')}, R {flagged.get('recall')}), "
            f"tax scams caught {(val.get('tax_scams') or {}).get('caught_as_tax_scam')}, "
            f"legit tax flagged {(val.get('legit_tax') or {}).get('flagged')}")


def _version(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(arrays):
        digest.update(key.encode())
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return f"{dt.date.today():%Y.%m.%d}-{digest.hexdigest()[:8]}"
