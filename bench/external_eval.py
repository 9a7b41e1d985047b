"""Held-out quality on the external data sets in ../shared/data (prints numbers, asserts nothing).

For each of zh_spam_sms and en_smishing: a model trained on the project corpus plus the
set's rows with sha1(text) % 5 != 0 is scored on the rows with sha1(text) % 5 == 0; the
corpus-only model (trained on the corpus rows with sha1(text) % 5 != 0) is scored on the
same rows and on the corpus's own held-out rows. Labels: zh 0 -> legit, 1 -> spam_or_scam;
en ham -> legit, spam -> spam, smishing -> scam. Nothing from ../shared/data is written
into the repository; models go to a temporary folder (or --work).

    .venv/bin/python bench/external_eval.py [--data ../shared/data] [--work DIR] [--json]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers.corpus import default_corpus_files, read_rows, text_bucket  # noqa: E402
from classifiers.evaluate import flag_metrics, full_report, tax_metrics  # noqa: E402
from classifiers.model import load_model  # noqa: E402
from classifiers.train import prepare, train_model  # noqa: E402

SETS = {
    "zh_spam_sms": ("zh_spam_sms/messages.csv", {"0": "legit", "1": "spam_or_scam"}),
    "en_smishing": ("en_smishing/messages.csv", {"ham": "legit", "spam": "spam", "smishing": "scam"}),
}
EXTRA_SETS = {
    "en_sms_spam_uci": ("en_sms_spam_uci/messages.csv", {"ham": "legit", "spam": "spam"}),
    "zh_telecom_fraud_synthetic": ("zh_telecom_fraud_synthetic/messages.csv",
                                   {"0": "legit", "1": "scam", "2": "scam", "3": "scam", "4": "scam"}),
}
TAX_EN = re.compile(r"(?i)\b(hmrc|tax|irs|vehicle tax|dvla)\b")
TAX_ZH = re.compile(r"税|发票")


def held_out(rows: list[dict]) -> list[dict]:
    """Rows in the held-out bucket (sha1(text) % 5 == 0)."""
    return [r for r in rows if text_bucket(r["text"], 5) == 0]


def score(model_dir: Path, rows: list[dict]) -> tuple[dict, list[dict]]:
    """Flagged metrics of a model on prepared rows, and the raw results."""
    clf = load_model(model_dir, warm=False)
    results = clf.classify_many([r["text"] for r in rows])
    report = flag_metrics(rows, results)
    report.update({k: v for k, v in full_report(rows, results, 0).items() if k in ("per_label", "confusion")})
    return report, results


def tax_lures(name: str, rows: list[dict], results: list[dict]) -> dict:
    """How the external tax lures and invoice sellers come out."""
    if name == "en_smishing":
        lures = [res for r, res in zip(rows, results) if r["label"] == "scam" and TAX_EN.search(r["text"])]
        return {"tax_lures": len(lures), "flagged": sum(res["label"] != "legit" for res in lures),
                "scam_with_tax_impersonation": sum(res["label"] == "scam" and res["tax_impersonation"] for res in lures)}
    spam = [(r, res) for r, res in zip(rows, results) if r["label"] != "legit" and TAX_ZH.search(r["text"])]
    invoice = [res for r, res in spam if re.search(r"代开|开票|发票", r["text"])]
    return {"tax_keyword_spam": len(spam), "flagged": sum(res["label"] != "legit" for _, res in spam),
            "invoice_rows": len(invoice),
            "invoice_as_spam_invoice_selling": sum(res["label"] == "spam" and res["category"] == "invoice_selling"
                                                   for res in invoice)}


def train(work: Path, name: str, extra: list[Path], label_map: dict | None) -> tuple[Path, dict, float]:
    """Train one model (corpus %5!=0 + extra %5!=0); returns folder, metrics, seconds."""
    folder = work / name
    started = time.perf_counter()
    metrics = train_model(default_corpus_files(), folder, extra=extra, label_map=label_map, holdout_mod=5,
                          progress=lambda step, fraction: print(f"  [{name}] {step}", file=sys.stderr))
    return folder, metrics, round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.environ.get("FRAUDWATCH_EXTERNAL_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--work", default=None, help="Folder for the trained models (default: a temp folder).")
    parser.add_argument("--json", action="store_true", help="Print one JSON document.")
    parser.add_argument("--extra-sets", action="store_true", help="Also score en_sms_spam_uci and zh_telecom.")
    args = parser.parse_args()
    data = Path(args.data)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="fw-eval-"))
    out: dict = {"data": str(data)}
    corpus_dir, corpus_metrics, seconds = train(work, "corpus_only", [], None)
    corpus_rows = prepare([r for p in default_corpus_files() for r in read_rows(p)], dedupe=False)
    corpus_test = held_out(corpus_rows)
    report, results = score(corpus_dir, corpus_test)
    out["corpus_only"] = {"train_seconds": seconds, "validation": corpus_metrics["validation"],
                          "corpus_test": {**report, **tax_metrics(corpus_test, results)}}
    if not data.is_dir():
        print(f"SKIP external sets: {data} not found (set FRAUDWATCH_EXTERNAL_DATA or --data)", file=sys.stderr)
    sets = {**SETS, **(EXTRA_SETS if args.extra_sets else {})}
    for name, (rel, mapping) in sets.items():
        path = data / rel
        if not path.is_file():
            print(f"SKIP {name}: {path} not found", file=sys.stderr)
            continue
        test = prepare(held_out(read_rows(path, mapping)), dedupe=False)
        entry: dict = {"file": rel, "test_rows": len(test)}
        entry["corpus_only"], results = score(corpus_dir, test)
        if name in SETS:
            entry["corpus_only"]["tax"] = tax_lures(name, test, results)
        if name in SETS:
            folder, metrics, seconds = train(work, name, [path], mapping)
            entry["corpus_plus_train_split"], results = score(folder, test)
            entry["corpus_plus_train_split"].update(train_seconds=seconds, tax=tax_lures(name, test, results),
                                                    corpus_test_tax=tax_metrics(corpus_test, score(folder, corpus_test)[1]))
        out[name] = entry
    print(json.dumps(out, ensure_ascii=False, indent=None if args.json else 2))
    print(f"models kept in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
