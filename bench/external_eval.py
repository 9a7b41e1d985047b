"""Quality on the external data sets in ../shared/data, with near-duplicate-aware splits (prints numbers, asserts nothing).

For each data set (--sets; labels: en ham -> legit, spam -> spam, smishing -> scam; zh 0 ->
legit, 1 -> spam_or_scam):

- corpus-only: the shipped default model (trained on data/corpus only, all of it) scored on
  ALL rows of the set: flagged precision, recall, F1, ROC-AUC and the share of ham flagged
  (the out-of-the-box figure of issue #10), and the same model on each split's held-out rows;
- corpus + train split, for each split (--splits: `cluster`, near-duplicate clusters of
  classifiers/dedupe.py computed over corpus + set together, and `sha1`, sha1(text) % 5):
  a model trained on data/corpus plus the set's rows outside bucket 0, scored on the rows the
  model never saw (classifiers.evaluate.held_out_mask; for `cluster`, no near-copy of them
  either). For `sha1`, also how many held-out rows sit in a near-duplicate cluster with a
  training row, and the scores without them.

With --baselines, each split also gets plain TF-IDF + linear baselines fitted on the very same
training rows and scored on the very same held-out rows (char 1-5-gram + logistic regression,
char 1-5-gram + linear SVM, word 1-2 + char 2-5 + logistic regression; each trained on the
set's training rows alone and, for the first, on corpus + set training rows): what a plain
model reaches on that split, next to fraudwatch's figure.

With --corpus-test, the corpus's own held-out rows are scored too (corpus-only model
trained without each split's bucket 0). Nothing from ../shared/data is written into the
repository; models go to a temporary folder (or --work). One training per set and split
(plus the shipped model): the three sets and both splits take ~8 minutes of CPU, mostly the
two zh_spam_sms trainings; `--sets en_smishing --splits cluster` about 1.5 minutes.

    .venv/bin/python bench/external_eval.py [--data ../shared/data] [--sets en_smishing,zh_spam_sms]
        [--splits cluster,sha1] [--corpus-only] [--corpus-test] [--work DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers.corpus import default_corpus_files, load_corpus, read_rows, text_bucket  # noqa: E402
from classifiers.dedupe import cluster_ids, in_cluster_with  # noqa: E402
from classifiers.evaluate import flag_metrics, full_report, held_out_mask, tax_metrics  # noqa: E402
from classifiers.model import load_model  # noqa: E402
from classifiers.train import prepare, train_model  # noqa: E402

MOD = 5
SETS = {
    "en_sms_spam_uci": ("en_sms_spam_uci/messages.csv", {"ham": "legit", "spam": "spam"}),
    "en_smishing": ("en_smishing/messages.csv", {"ham": "legit", "spam": "spam", "smishing": "scam"}),
    "zh_spam_sms": ("zh_spam_sms/messages.csv", {"0": "legit", "1": "spam_or_scam"}),
    "zh_telecom_fraud_synthetic": ("zh_telecom_fraud_synthetic/messages.csv",
                                   {"0": "legit", "1": "scam", "2": "scam", "3": "scam", "4": "scam"}),
}
DEFAULT_SETS = "en_sms_spam_uci,en_smishing,zh_spam_sms"
TAX_EN = re.compile(r"(?i)\b(hmrc|tax|irs|vehicle tax|dvla)\b")
TAX_ZH = re.compile(r"税|发票")


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def train(work: Path, name: str, extra: list[Path], label_map: dict | None, split: str | None) -> tuple[Path, float]:
    """Train one model (holdout bucket 0 of `split` left out, or nothing when split is None)."""
    folder = work / name
    started = time.perf_counter()
    train_model(default_corpus_files(), folder, extra=extra, label_map=label_map,
                holdout_mod=MOD if split else None, split=split or "cluster",
                progress=lambda step, fraction: say(f"  [{name}] {step}"))
    return folder, round(time.perf_counter() - started, 1)


def metrics(rows: list[dict], results: list[dict], scores: np.ndarray | None = None) -> dict:
    """Flagged P/R/F1/ROC-AUC, per-label figures and the share of legit rows flagged."""
    out = flag_metrics(rows, results, scores)
    legit = [res for r, res in zip(rows, results) if r["label"] == "legit"]
    out["ham_flagged"] = round(sum(res["label"] != "legit" for res in legit) / len(legit), 4) if legit else None
    out.update({k: v for k, v in full_report(rows, results, 0).items() if k in ("per_label", "confusion")})
    return out


def classify(model_dir: Path, rows: list[dict]) -> tuple[list[dict], np.ndarray]:
    """Results of a model on rows, and their flag scores."""
    results = load_model(model_dir, warm=False).classify_many([r["text"] for r in rows])
    return results, np.array([res["scam_score"] + res["spam_score"] for res in results])


def subset(rows: list[dict], results: list[dict], scores: np.ndarray, mask: list[bool]) -> dict:
    """metrics() of the rows where mask is true."""
    keep = np.flatnonzero(mask)
    return metrics([rows[i] for i in keep], [results[i] for i in keep], scores[keep])


def tax_lures(name: str, rows: list[dict], results: list[dict]) -> dict:
    """How the external tax lures and invoice sellers come out."""
    if name.startswith("en"):
        lures = [res for r, res in zip(rows, results) if r["label"] != "legit" and TAX_EN.search(r["text"])]
        return {"tax_lures": len(lures), "flagged": sum(res["label"] != "legit" for res in lures),
                "scam_with_tax_impersonation": sum(res["label"] == "scam" and res["tax_impersonation"] for res in lures)}
    spam = [(r, res) for r, res in zip(rows, results) if r["label"] != "legit" and TAX_ZH.search(r["text"])]
    return {"tax_keyword_spam": len(spam), "flagged": sum(res["label"] != "legit" for _, res in spam)}


def model_meta(folder: Path) -> dict:
    """The meta.json of a model folder."""
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def sha1_leak(set_texts: list[str]) -> list[bool]:
    """For each row of a set: is it sha1-held-out AND in a near-duplicate cluster with a sha1-training
    row of the corpus or of the set (what the old split let through)?"""
    corpus = [r["text"] for r in load_corpus(default_corpus_files())]
    union = corpus + set_texts
    trained = [text_bucket(t, MOD) != 0 for t in union]
    near = in_cluster_with(cluster_ids(union), trained)[len(corpus):]
    return [n and text_bucket(t, MOD) == 0 for t, n in zip(set_texts, near)]


def corpus_test(work: Path, splits: list[str]) -> dict:
    """The corpus-only model trained without each split's bucket 0, on the corpus held-out rows."""
    out = {}
    rows = prepare(load_corpus(default_corpus_files()), dedupe=False)
    for split in splits:
        folder, seconds = train(work, f"corpus_{split}", [], None, split)
        mask = held_out_mask([r["text"] for r in rows], MOD, split, model_meta(folder))
        test = [r for r, keep in zip(rows, mask) if keep]
        results, scores = classify(folder, test)
        out[split] = {"train_seconds": seconds, **metrics(test, results, scores), **tax_metrics(test, results)}
    return out


def evaluate_set(work: Path, name: str, path: Path, mapping: dict, shipped: Path, splits: list[str],
                 train_split: bool, with_baselines: bool = False) -> dict:
    """corpus-only (all rows, and each split's held-out rows) and corpus + train split, per split."""
    rows = prepare(read_rows(path, mapping), dedupe=False)
    texts = [r["text"] for r in rows]
    results, scores = classify(shipped, rows)
    entry: dict = {"file": str(path.relative_to(path.parents[1])), "rows": len(rows),
                   "corpus_only_all_rows": {**metrics(rows, results, scores), "tax": tax_lures(name, rows, results)}}
    if not train_split:
        return entry
    leak = sha1_leak(texts) if "sha1" in splits else None
    for split in splits:
        say(f"{name}: corpus + train split ({split})")
        folder, seconds = train(work, f"{name}_{split}", [path], mapping, split)
        mask = held_out_mask(texts, MOD, split, model_meta(folder))
        own, own_scores = classify(folder, rows)
        block = {"held_out_rows": int(sum(mask)), "train_seconds": seconds,
                 "corpus_only": subset(rows, results, scores, mask),
                 "corpus_plus_train_split": {**subset(rows, own, own_scores, mask),
                                             "tax": tax_lures(name, *_pick(rows, own, mask))}}
        if with_baselines:
            block["baselines_same_split"] = baselines(rows, texts, mask, split)
        if split == "sha1":
            clean = [m and not bad for m, bad in zip(mask, leak)]
            block["near_copies_of_training"] = _near_copy_counts(rows, mask, leak)
            block["corpus_plus_train_split_without_near_copies"] = subset(rows, own, own_scores, clean)
        entry[split] = block
    return entry


def baselines(rows: list[dict], texts: list[str], mask: list[bool], split: str) -> dict:
    """Plain TF-IDF + linear models fitted on the split's training rows (bucket != 0 of the
    same `split` buckets train_model used, computed over corpus + set) and scored on `mask`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_union
    from sklearn.svm import LinearSVC

    from classifiers.corpus import split_buckets
    from classifiers.evaluate import prf

    corpus = load_corpus(default_corpus_files())
    buckets = split_buckets([r["text"] for r in corpus] + texts, MOD, split)
    own_train = [i for i, b in enumerate(buckets[len(corpus):]) if b != 0]
    corpus_train = [i for i, b in enumerate(buckets[:len(corpus)]) if b != 0]
    held = np.flatnonzero(mask)
    y_set = np.array([r["label"] != "legit" for r in rows])
    y_corpus = np.array([r["label"] != "legit" for r in corpus])

    def char15():
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2)

    def word_char():
        return make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))

    def logreg():
        return LogisticRegression(C=30, max_iter=3000)

    runs = [("char15_lr_set_only", char15, logreg, False),
            ("char15_svm_set_only", char15, lambda: LinearSVC(C=0.5), False),
            ("word12_char25_lr_set_only", word_char, logreg, False),
            ("char15_lr_corpus_plus_set", char15, logreg, True)]
    out = {}
    for name, make_vec, make_clf, with_corpus in runs:
        train_texts = [texts[i] for i in own_train] + ([corpus[i]["text"] for i in corpus_train] if with_corpus else [])
        y = np.concatenate([y_set[own_train], y_corpus[corpus_train] if with_corpus else np.array([], bool)])
        vec = make_vec()
        clf = make_clf().fit(vec.fit_transform(train_texts), y)
        pred = clf.predict(vec.transform([texts[i] for i in held])).astype(bool)
        truth = y_set[held]
        out[name] = {**prf(truth, pred), "ham_flagged": round(float(pred[~truth].mean()), 4) if (~truth).any() else None}
    return out


def _pick(rows: list[dict], results: list[dict], mask: list[bool]) -> tuple[list[dict], list[dict]]:
    return [r for r, m in zip(rows, mask) if m], [res for res, m in zip(results, mask) if m]


def _near_copy_counts(rows: list[dict], mask: list[bool], leak: list[bool]) -> dict:
    """Held-out rows in a near-duplicate cluster with a training row, overall and per label."""
    out = {"rows": int(sum(leak)), "of": int(sum(mask))}
    for label in sorted({r["label"] for r in rows}):
        held = [bad for r, m, bad in zip(rows, mask, leak) if m and r["label"] == label]
        out[label] = f"{sum(held)}/{len(held)}"
    return out


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(out: dict) -> str:
    """Markdown tables of the headline figures."""
    lines = ["| data set | rows | corpus-only: flagged P | R | F1 | ROC-AUC | ham flagged |", "|---|---|---|---|---|---|---|"]
    for name, entry in out["sets"].items():
        m = entry["corpus_only_all_rows"]
        f = m["flagged"]
        lines.append(f"| {name} | {entry['rows']:,} | {_cell(f['precision'])} | {_cell(f['recall'])} | "
                     f"{_cell(f['f1'])} | {_cell(f['roc_auc'])} | {_cell(m['ham_flagged'])} |")
    lines += ["", "| data set | split | held-out rows | model | flagged P | R | F1 | ROC-AUC | ham flagged |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, entry in out["sets"].items():
        for split in out["splits"]:
            block = entry.get(split)
            for model in ("corpus_plus_train_split", "corpus_plus_train_split_without_near_copies", "corpus_only"):
                if block and model in block:
                    m, f = block[model], block[model]["flagged"]
                    lines.append(f"| {name} | {split} | {f['rows']:,} | {model.replace('_', ' ')} | "
                                 f"{_cell(f['precision'])} | {_cell(f['recall'])} | {_cell(f['f1'])} | "
                                 f"{_cell(f['roc_auc'])} | {_cell(m['ham_flagged'])} |")
            for base, f in ((block or {}).get("baselines_same_split") or {}).items():
                lines.append(f"| {name} | {split} | {f['support']:,} positives | baseline {base} | "
                                 f"{_cell(f['precision'])} | {_cell(f['recall'])} | {_cell(f['f1'])} | - | "
                                 f"{_cell(f['ham_flagged'])} |")
            if block and "near_copies_of_training" in block:
                lines.append(f"| {name} | sha1 | near-copies of training rows among held-out: "
                             f"{json.dumps(block['near_copies_of_training'])} ||||||")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.environ.get("FRAUDWATCH_EXTERNAL_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--sets", default=DEFAULT_SETS, help=f"Comma-separated, of: {', '.join(SETS)}.")
    parser.add_argument("--splits", default="cluster,sha1", help="Comma-separated: cluster, sha1.")
    parser.add_argument("--corpus-only", action="store_true", help="No corpus + train split models (fast).")
    parser.add_argument("--baselines", action="store_true",
                        help="Also fit plain TF-IDF + linear baselines on each split's training rows.")
    parser.add_argument("--corpus-test", action="store_true", help="Also score the corpus's own held-out rows.")
    parser.add_argument("--work", default=None, help="Folder for the trained models (default: a temp folder).")
    parser.add_argument("--json", action="store_true", help="Print one JSON document only.")
    args = parser.parse_args()
    data, splits = Path(args.data), [s for s in args.splits.split(",") if s]
    names = [s for s in args.sets.split(",") if s]
    if bad := [n for n in names if n not in SETS] + [s for s in splits if s not in ("cluster", "sha1")]:
        parser.error(f"unknown: {', '.join(bad)}")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="fw-eval-"))
    started = time.perf_counter()
    shipped, seconds = train(work, "shipped", [], None, None)
    out: dict = {"data": str(data), "splits": splits, "shipped_train_seconds": seconds,
                 "corpus_test": corpus_test(work, splits) if args.corpus_test else None, "sets": {}}
    for name in names:
        path = data / SETS[name][0]
        if not path.is_file():
            say(f"SKIP {name}: {path} not found (set FRAUDWATCH_EXTERNAL_DATA or --data)")
            continue
        out["sets"][name] = evaluate_set(work, name, path, SETS[name][1], shipped, splits,
                                         not args.corpus_only and name != "zh_telecom_fraud_synthetic", args.baselines)
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 2))
    if not args.json:
        print("\n" + table(out))
    say(f"models kept in {work}")


if __name__ == "__main__":
    main()
