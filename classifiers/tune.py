"""Cross-validation on the corpus train split, the procedure the DEFAULTS of train.py came from.

Only rows with sha1(text) % 5 != 0 are used (bucket 0 is the corpus test split, never
looked at while tuning); they are split in five folds by sha1(text + "|cv") % 5.

    .venv/bin/python -m classifiers.tune '{"C_flag": 2048, "signal_weight": 0.05}'
"""
from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path

from classifiers.corpus import default_corpus_files, read_rows, text_bucket
from classifiers.evaluate import flag_metrics, tax_metrics
from classifiers.model import load_model
from classifiers.train import prepare, train_model

log = logging.getLogger(__name__)


def cross_validate(params: dict | None = None, folds: int = 5) -> dict:
    """Flagged and tax metrics over `folds` folds of the corpus train split."""
    rows = [r for p in default_corpus_files() for r in read_rows(p) if text_bucket(r["text"], 5) != 0]
    work = Path(tempfile.mkdtemp(prefix="fw-cv-"))
    all_rows, all_results = [], []
    for k in range(folds):
        fold = work / f"fold{k}.jsonl"
        with fold.open("w", encoding="utf-8") as fh:
            for row in rows:
                if text_bucket(row["text"] + "|cv", folds) != k:
                    fh.write(json.dumps({key: v for key, v in row.items() if key != "source_file"},
                                        ensure_ascii=False) + "\n")
        train_model([fold], work / f"model{k}", params=params, progress=lambda step, fraction: None)
        held = prepare([r for r in rows if text_bucket(r["text"] + "|cv", folds) == k], dedupe=False)
        all_results += load_model(work / f"model{k}", warm=False).classify_many([r["text"] for r in held])
        all_rows += held
        log.info("fold %d done", k)
    return {"params": params or {}, **flag_metrics(all_rows, all_results), **tax_metrics(all_rows, all_results)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    result = cross_validate(json.loads(sys.argv[1]) if len(sys.argv) > 1 else None)
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
