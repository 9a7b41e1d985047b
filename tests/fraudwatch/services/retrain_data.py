"""Test data of the learning loop: a small corpus cut from data/corpus (every 20th row) and
officers' decisions on other rows of it (rows 5, 10, 15 of every 20: never in the small corpus),
stored as confirmed (scam rows) or dismissed (legit rows) reports in the test database."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from classifiers.corpus import default_corpus_files
from fraudwatch.infra.extensions import db
from fraudwatch.storage import reports as report_store


def write_small_corpus(folder: Path) -> Path:
    """Every 20th row of each corpus file, as corpus files of `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in default_corpus_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        (folder / path.name).write_text("\n".join(lines[::20]) + "\n", encoding="utf-8")
    return folder


def decision_rows(count: int = 200, seed: int = 5) -> list[dict]:
    """`count` rows (half scam, half legit) that are not in the small corpus, in a seeded order."""
    scams, legit = [], []
    for path in default_corpus_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if number % 20 in (5, 10, 15):
                row = json.loads(line)
                (scams if row["label"] == "scam" else legit if row["label"] == "legit" else []).append(row)
    rows = scams[:count // 2] + legit[:count - count // 2]
    random.Random(seed).shuffle(rows)
    return [{"text": r["text"], "label": r["label"]} for r in rows]


def store_decisions(app, rows: list[dict], *, flip: int = 0) -> list[int]:
    """A report per row, decided in the rows' order (confirmed: scam, dismissed: legit); the
    first `flip` decisions are the wrong way round. Their report ids."""
    ids = []
    with app.app_context():
        session = db.session
        for number, row in enumerate(rows):
            report = report_store.add_report(session, {"message_text": row["text"], "channel": "sms"},
                                             content_hash=hashlib.sha256(row["text"].encode()).hexdigest(),
                                             source="api", submitted_by=None, duplicate_of=None)
            scam = (row["label"] == "scam") != (number < flip)
            report_store.change_status(session, report, "confirmed" if scam else "dismissed", "officer-a",
                                       "test decision")
            ids.append(report.id)
        session.commit()
    return ids


def train_small_model(folder: Path, corpus: Path) -> Path:
    """What `fraudwatch train` makes of the small corpus: the model of an install before its registry."""
    from classifiers.train import train_model

    train_model([corpus], folder, progress=lambda step, fraction: None)
    return folder


def loop_config(small_model: Path, small_corpus: Path) -> dict:
    """App settings of the learning-loop tests: MODEL_DIR holds the small model, retrains read
    the small corpus, processes poll the registry every second."""
    return {"MODEL_DIR": str(small_model), "RETRAIN_CORPUS": [str(small_corpus)], "MODEL_POLL_SECONDS": 1}
