"""The learning loop end to end on the real corpus: officers' decisions stored as reports, one
`retrain` (candidate, reference when needed, both comparisons), and how long each part takes.

Prints numbers, asserts nothing. The decisions are the rows of a labelled JSONL file (default
bench/devset/zh_tax_dev.jsonl: scam rows become confirmed reports, legit rows dismissed ones,
in a seeded order); `--flip N` decides the first N the wrong way round. The model in use
before the retrain is --model (a `fraudwatch train` folder), else one trained here on
data/corpus. Everything lives in a temporary instance (SQLite) that is removed afterwards.

    .venv/bin/python bench/retrain.py [--model DIR] [--decisions FILE] [--flip N] [--dry-run] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _decide(app, rows: list[dict], flip: int) -> None:
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import reports as report_store

    with app.app_context():
        for number, row in enumerate(rows):
            report = report_store.add_report(db.session, {"message_text": row["text"], "channel": "sms"},
                                             content_hash=hashlib.sha256(row["text"].encode()).hexdigest(),
                                             source="api", submitted_by=None, duplicate_of=None)
            scam = (row["label"] != "legit") != (number < flip)
            report_store.change_status(db.session, report, "confirmed" if scam else "dismissed", "bench", "bench")
        db.session.commit()


def main() -> None:
    """Run one retrain and print its timings and comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--decisions", type=Path, default=ROOT / "bench/devset/zh_tax_dev.jsonl")
    parser.add_argument("--flip", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder or files (default: data/corpus)")
    args = parser.parse_args()
    from classifiers.corpus import default_corpus_files
    from classifiers.train import train_model
    from fraudwatch import create_app
    from fraudwatch.services import retrain
    from fraudwatch.storage.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="fw-bench-retrain-") as tmp:
        instance = Path(tmp)
        model = args.model
        if model is None:
            started = time.perf_counter()
            model = instance / "models" / "current"
            train_model(args.corpus or default_corpus_files(), model, progress=lambda step, fraction: None)
            print(f"baseline `fraudwatch train`: {time.perf_counter() - started:.1f} s")
        url = f"sqlite:///{instance / 'fw.db'}"
        upgrade(url)
        app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "MODEL_DIR": str(model),
                          "REDIS_PREFIX": f"fwbench:{instance.name}:", "RQ_QUEUE": f"fwbench-{instance.name}"})
        rows = [json.loads(line) for line in args.decisions.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r.get("label") in ("scam", "legit")]
        random.Random(11).shuffle(rows)
        _decide(app, rows, args.flip)
        started = time.perf_counter()
        with app.app_context():
            row = retrain.retrain("bench", corpus=args.corpus, dry_run=args.dry_run)
        print(f"retrain on {len(rows)} decisions (flipped {args.flip}): {time.perf_counter() - started:.1f} s; "
              f"version {row['version']} {row['status']}")
        for name, entry in row["comparison"]["sets"].items():
            new, old = entry["candidate"], entry["baseline"]
            base = row["comparison"]["baselines"][name]
            print(f"  {name:9} {new['rows']:5} rows  F1 {new['flagged']['f1']:.4f} vs {old['flagged']['f1']:.4f} "
                  f"({base['kind']})  legit flagged {new['legit_flagged']} vs {old['legit_flagged']}  "
                  f"{'WORSE: ' + '; '.join(entry['worse']) if entry['worse'] else 'not worse'}")


if __name__ == "__main__":
    main()
