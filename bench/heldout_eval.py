"""Quality of the shipped default model on the FROZEN held-out set bench/heldout/ (prints numbers, asserts nothing).

The held-out set (issue #10 item 6) was written apart from data/corpus and is never used for
training or tuning: see bench/heldout/README.md. This script trains the default model
(train_model on classifiers.corpus.default_corpus_files(), into a temporary folder) or loads
one with --model, classifies every held-out row and prints one JSON document, then a table:
per language (zh, en) and overall,

- tax-scam recall: rows with tax_impersonation true that come out label scam AND
  tax_impersonation true;
- authority right: of those caught, the share whose authority is the expected one (a row
  whose expected authority is null counts as right, since it was caught as a tax scam);
- all scams flagged: rows labelled scam that come out anything but legit;
- legit flagged: legit rows that come out spam or scam, overall and per legit kind;
- spam as spam: rows labelled spam that come out spam.

Individual misclassified messages are NOT printed: the numbers are what is reported, so that
nobody tunes on the set. `--errors` lists them for an audit only (DO NOT TUNE ON THIS).

    .venv/bin/python bench/heldout_eval.py [--model DIR] [--work DIR] [--json] [--errors]
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers.corpus import default_corpus_files  # noqa: E402
from classifiers.model import load_model  # noqa: E402
from classifiers.train import train_model  # noqa: E402

HELDOUT = ROOT / "bench" / "heldout"
LANGS = ("zh", "en")
LEGIT_KINDS = ("legit_official", "legit_benign_link", "legit_enforcement", "legit_warning_quotes_lure",
               "legit_news", "legit_everyday")
METRICS = ("tax_scam_recall", "authority_right", "all_scams_flagged", "legit_flagged", "spam_as_spam")


def heldout_files(folder: Path = HELDOUT) -> list[Path]:
    """Every version file of the set: messages.jsonl, then messages_v2.jsonl, ... (appended versions)."""
    return sorted(folder.glob("messages*.jsonl"))


def load_heldout(files: list[Path]) -> list[dict]:
    """The rows of the given version files, in order."""
    rows = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh if line.strip())
    return rows


def ratio(num: int, den: int) -> dict:
    """{"rate", "n", "of"}; rate is None when there is nothing to count."""
    return {"rate": round(num / den, 4) if den else None, "n": num, "of": den}


def _caught_as_tax_scam(res: dict) -> bool:
    return res["label"] == "scam" and bool(res["tax_impersonation"])


def group_metrics(pairs: list[tuple[dict, dict]]) -> dict:
    """The five headline metrics (and legit flagged per kind) of (row, result) pairs."""
    tax = [(r, res) for r, res in pairs if r["tax_impersonation"]]
    caught = [(r, res) for r, res in tax if _caught_as_tax_scam(res)]
    right = [1 for r, res in caught if r["authority"] is None or res["authority"] == r["authority"]]
    scams = [res for r, res in pairs if r["label"] == "scam"]
    legit = [(r, res) for r, res in pairs if r["label"] == "legit"]
    spam = [res for r, res in pairs if r["label"] == "spam"]
    per_kind = {}
    for kind in LEGIT_KINDS:
        rows = [res for r, res in legit if r["kind"] == kind]
        per_kind[kind] = ratio(sum(res["label"] != "legit" for res in rows), len(rows))
    return {
        "rows": len(pairs),
        "tax_scam_recall": ratio(len(caught), len(tax)),
        "authority_right": ratio(len(right), len(caught)),
        "all_scams_flagged": ratio(sum(res["label"] != "legit" for res in scams), len(scams)),
        "legit_flagged": ratio(sum(res["label"] != "legit" for _, res in legit), len(legit)),
        "legit_flagged_by_kind": per_kind,
        "spam_as_spam": ratio(sum(res["label"] == "spam" for res in spam), len(spam)),
    }


def heldout_metrics(rows: list[dict], results: list[dict]) -> dict:
    """group_metrics per language and overall."""
    pairs = list(zip(rows, results))
    out = {lang: group_metrics([(r, res) for r, res in pairs if r["lang"] == lang]) for lang in LANGS}
    out["overall"] = group_metrics(pairs)
    return out


def misclassified(rows: list[dict], results: list[dict]) -> list[dict]:
    """Rows whose verdict misses what the set expects (for --errors audits only)."""
    out = []
    for r, res in zip(rows, results):
        if r["label"] == "legit":
            wrong = res["label"] != "legit"
        elif r["tax_impersonation"]:
            wrong = not _caught_as_tax_scam(res) or (r["authority"] is not None and res["authority"] != r["authority"])
        else:
            wrong = res["label"] != r["label"]
        if wrong:
            out.append({"id": r["id"], "lang": r["lang"], "kind": r["kind"], "expected": [r["label"], r["authority"]],
                        "got": [res["label"], res["tax_impersonation"], res["authority"]], "text": r["text"]})
    return out


def _cell(value: dict) -> str:
    return "-" if value["rate"] is None else f"{value['rate']:.3f} ({value['n']}/{value['of']})"


def table(report: dict) -> str:
    """The metrics as a Markdown table: one line per metric, one column per language and overall."""
    cols = (*LANGS, "overall")
    lines = ["| metric | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name in METRICS:
        lines.append(f"| {name} | " + " | ".join(_cell(report[c][name]) for c in cols) + " |")
    for kind in LEGIT_KINDS:
        lines.append(f"| legit flagged: {kind.removeprefix('legit_')} | "
                     + " | ".join(_cell(report[c]["legit_flagged_by_kind"][kind]) for c in cols) + " |")
    return "\n".join(lines)


def git_commit() -> str | None:
    """HEAD of the checkout the script runs from (None outside a git checkout), '+dirty' if tracked files changed."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def model_dir(args: argparse.Namespace, prefix: str = "fw-heldout-") -> tuple[Path, float | None]:
    """The --model folder, or a default model trained now into --work or a temporary folder."""
    if args.model:
        return Path(args.model), None
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix=prefix))
    started = time.perf_counter()
    train_model(default_corpus_files(), work / "model",
                progress=lambda step, fraction: print(f"  [train] {step}", file=sys.stderr))
    return work / "model", round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="Model folder to load (default: train the default model now).")
    parser.add_argument("--work", default=None, help="Folder for the trained model (default: a temp folder).")
    parser.add_argument("--json", action="store_true", help="Print only the JSON document, on one line.")
    parser.add_argument("--errors", action="store_true",
                        help="Also list the misclassified messages, for audits only: DO NOT TUNE ON THIS.")
    args = parser.parse_args()
    files = heldout_files()
    rows = load_heldout(files)
    folder, train_seconds = model_dir(args)
    clf = load_model(folder, warm=False)
    results = clf.classify_many([r["text"] for r in rows])
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "model": {"dir": str(folder), "version": clf.version, "train_seconds": train_seconds},
        "heldout": [{"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files],
        "metrics": heldout_metrics(rows, results),
    }
    if args.errors:
        report["errors_DO_NOT_TUNE_ON_THIS"] = misclassified(rows, results)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    if not args.json:
        print("\n" + table(report["metrics"]))


if __name__ == "__main__":
    main()
