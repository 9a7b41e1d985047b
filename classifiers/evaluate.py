"""Evaluation: precision, recall, F1 and ROC-AUC of a model on labelled rows.

`flagged` means label != legit (the issue's headline metric). Rows whose true label is
`spam_or_scam` count only in the flagged metrics. The tax metrics follow the issue: the
share of tax-impersonation scams labelled `scam` with tax_impersonation true, and the
share of legitimate tax messages (legit rows that talk about tax) flagged.

`held_out_mask` says which rows a model never saw: with the `sha1` split, bucket 0 of
sha1(text) % mod; with the `cluster` split, bucket 0 of the near-duplicate clusters
computed over the model's training files (named in its meta.json) and the evaluated rows
together, less any row whose cluster holds a row the model was trained on.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from classifiers.corpus import data_hash, read_rows, split_buckets
from classifiers.dedupe import buckets_of_clusters, cluster_ids, in_cluster_with
from classifiers.features import signal_names

LABEL_ORDER = ("legit", "spam", "scam")


def prf(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Precision, recall, F1 and support of the positive class of boolean arrays."""
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": int(y_true.sum())}


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, score)), 4) if 0 < y.sum() < len(y) else None


def flag_metrics(rows: list[dict], results: list[dict], flag_scores=None) -> dict:
    """Flagged (label != legit) metrics, overall and per language."""
    y = np.array([r["label"] != "legit" for r in rows], dtype=bool)
    pred = np.array([res["label"] != "legit" for res in results], dtype=bool)
    score = np.asarray(flag_scores) if flag_scores is not None else \
        np.array([res["scam_score"] + res["spam_score"] for res in results], dtype=float)
    out = {"flagged": {**prf(y, pred), "roc_auc": _auc(y, score), "rows": len(rows)}}
    langs = sorted({r.get("lang") for r in rows if r.get("lang")})
    if len(langs) > 1:
        for lang in langs:
            m = np.array([r.get("lang") == lang for r in rows])
            out[f"flagged_{lang}"] = {**prf(y[m], pred[m]), "roc_auc": _auc(y[m], score[m]), "rows": int(m.sum())}
    return out


def tax_metrics(rows: list[dict], results: list[dict]) -> dict:
    """Tax-scam catch rate and legitimate-tax false-positive rate."""
    scams = [(r, res) for r, res in zip(rows, results) if r["label"] == "scam" and r.get("tax_impersonation") is True]
    legit_tax = [(r, res) for r, res in zip(rows, results)
                 if r["label"] == "legit" and "tax_context" in signal_names(r["spans"])]
    caught = sum(1 for _, res in scams if res["label"] == "scam" and res["tax_impersonation"])
    flagged = sum(1 for _, res in legit_tax if res["label"] != "legit")
    return {"tax_scams": {"rows": len(scams), "caught_as_tax_scam": round(caught / len(scams), 4) if scams else None},
            "legit_tax": {"rows": len(legit_tax), "flagged": round(flagged / len(legit_tax), 4) if legit_tax else None}}


def full_report(rows: list[dict], results: list[dict], max_errors: int = 50) -> dict:
    """Per-label and per-language metrics, confusion matrix, false positives/negatives."""
    report = flag_metrics(rows, results)
    known = [(r, res) for r, res in zip(rows, results) if r["label"] in LABEL_ORDER]
    per_label = {}
    for label in LABEL_ORDER:
        y = np.array([r["label"] == label for r, _ in known], dtype=bool)
        pred = np.array([res["label"] == label for _, res in known], dtype=bool)
        if y.any() or pred.any():
            per_label[label] = prf(y, pred)
    report["per_label"] = per_label
    confusion = Counter((r["label"], res["label"]) for r, res in zip(rows, results))
    truth = sorted({r["label"] for r in rows})
    report["confusion"] = {t: {p: confusion.get((t, p), 0) for p in LABEL_ORDER} for t in truth}
    if all("spans" in r for r in rows):
        report.update(tax_metrics(rows, results))
    errors = [(r, res) for r, res in zip(rows, results) if (r["label"] != "legit") != (res["label"] != "legit")]
    report["false_positives"] = [_error(r, res) for r, res in errors if r["label"] == "legit"][:max_errors]
    report["false_negatives"] = [_error(r, res) for r, res in errors if r["label"] != "legit"][:max_errors]
    return report


def _error(row: dict, result: dict) -> dict:
    return {"id": row.get("id"), "label": row["label"], "predicted": result["label"],
            "score": round(result["scam_score"] + result["spam_score"], 4), "text": row["text"][:300]}


def training_texts(meta: dict) -> list[str]:
    """Texts of every row the model's training read (before its held-out split), from its meta.json."""
    texts: list[str] = []
    for entry in meta.get("data") or []:
        path = Path(entry["file"])
        if not path.is_file() or data_hash([path]) != entry["sha256"]:
            raise ValueError(f"the model was trained on {path}, which is missing or has changed since: "
                             "its held-out rows cannot be told (retrain, or evaluate without a held-out split)")
        mapping = meta.get("label_map") if entry.get("extra") else None
        texts.extend(row["text"] for row in read_rows(path, mapping))
    return texts


def _trained(train: list[str], ids: list[int], meta: dict, same_clusters: bool) -> list[bool]:
    """Which training texts the model was fitted on (outside its own held-out bucket)."""
    mod, split = meta.get("holdout_mod"), meta.get("split", "sha1")
    if not mod:
        return [True] * len(train)
    if split == "cluster" and same_clusters:
        return [b != 0 for b in buckets_of_clusters(train, ids[:len(train)], mod)]
    return [b != 0 for b in split_buckets(train, mod, split)]


def held_out_mask(texts: list[str], mod: int, split: str = "cluster", meta: dict | None = None) -> list[bool]:
    """Which texts are held out from the model of `meta` with `--holdout-mod mod` (module docstring)."""
    if split == "sha1":
        return [b == 0 for b in split_buckets(texts, mod, "sha1")]
    if split != "cluster":
        raise ValueError(f"unknown split '{split}' (use cluster or sha1)")
    train = training_texts(meta or {})
    union = train + list(texts)
    ids = cluster_ids(union)
    # Texts the training read already: adding them changes no cluster, the model's own split applies.
    trained = _trained(train, ids, meta or {}, same_clusters=set(texts) <= set(train))
    seen = in_cluster_with(ids, trained + [False] * len(texts))
    buckets = buckets_of_clusters(union, ids, mod)
    return [b == 0 and not s for b, s in zip(buckets[len(train):], seen[len(train):])]
