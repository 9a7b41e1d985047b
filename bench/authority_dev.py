"""Authority naming on the DEVELOPMENT set bench/devset/authority_dev.jsonl (prints numbers, asserts nothing).

The set (see bench/devset/README.md) holds tax-impersonation scams written for this
purpose, each with the registry code of the authority it impersonates. Unlike the frozen
held-out set (bench/heldout/), it is a development set: tuning on it is allowed, and
`--errors` lists the misses.

The script trains the default model (train_model on default_corpus_files(), into a
temporary folder) or loads one with --model, classifies every row and prints, per
language and overall:

- tax-scam recall: rows that come out label scam AND tax_impersonation true;
- authority right / null / wrong of those caught (wrong: another code), with the wrong
  ones counted by expected -> got pairs;
- authority by the rules alone: for EVERY row, the authority the verdict would name if the
  row were caught as a tax scam (classifiers.decide.authority_of on the row's signals), so
  that the naming rules are measured apart from the model's recall;

and with --copies, the largest character 5-gram Jaccard similarity of any row to a corpus
row (the set must stay below 0.6).

    .venv/bin/python bench/authority_dev.py [--model DIR] [--work DIR] [--json] [--errors] [--copies]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # heldout_eval, beside this script

from heldout_eval import model_dir  # noqa: E402

from classifiers.authorities import by_original  # noqa: E402
from classifiers.corpus import default_corpus_files, load_corpus  # noqa: E402
from classifiers.decide import authority_of  # noqa: E402
from classifiers.dedupe import fold  # noqa: E402
from classifiers.features import language, signal_names  # noqa: E402
from classifiers.model import load_model  # noqa: E402
from classifiers.normalize import MAX_TEXT_CHARS, normalize_with_offsets  # noqa: E402
from classifiers.signals import fast_signals  # noqa: E402

DEVSET = ROOT / "bench" / "devset" / "authority_dev.jsonl"
SHINGLE = 5
MAX_JACCARD = 0.6


def load_rows(path: Path = DEVSET) -> list[dict]:
    """The rows of the development set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ratio(num: int, den: int) -> dict:
    """{"rate", "n", "of"}; rate is None when there is nothing to count."""
    return {"rate": round(num / den, 4) if den else None, "n": num, "of": den}


def caught(res: dict) -> bool:
    """Whether a verdict catches a tax-impersonation scam."""
    return res["label"] == "scam" and bool(res["tax_impersonation"])


def rule_authority(text: str) -> str | None:
    """The authority a verdict names for `text` if it is caught as a tax scam (the same
    signals and rule as the classifier's fast path, without the model)."""
    norm, offsets = normalize_with_offsets(text, lazy=True)
    norm = norm[:MAX_TEXT_CHARS]
    spans = fast_signals(norm)
    return authority_of(by_original(spans, text, norm, offsets), signal_names(spans, language(norm)), True, norm)


def group_metrics(pairs: list[tuple[dict, dict]]) -> dict:
    """Recall and authority right / null / wrong (with confusions) of (row, result) pairs;
    `rule_authority_right`: of all rows, by the rules alone."""
    hit = [(r, res) for r, res in pairs if caught(res)]
    right = sum(res["authority"] == r["authority"] for r, res in hit)
    null = sum(res["authority"] is None for r, res in hit)
    confusions = Counter(f"{r['authority']}->{res['authority']}" for r, res in hit
                         if res["authority"] is not None and res["authority"] != r["authority"])
    return {"rows": len(pairs), "tax_scam_recall": ratio(len(hit), len(pairs)),
            "authority_right": ratio(right, len(hit)), "authority_null": ratio(null, len(hit)),
            "authority_wrong": ratio(sum(confusions.values()), len(hit)),
            "rule_authority_right": ratio(sum(res["rule_authority"] == r["authority"] for r, res in pairs), len(pairs)),
            "confusions": dict(confusions.most_common())}


def dev_metrics(rows: list[dict], results: list[dict]) -> dict:
    """group_metrics overall and per language."""
    pairs = list(zip(rows, results))
    out = {"overall": group_metrics(pairs)}
    for lang in sorted({r["lang"] for r in rows}, key=lambda x: (-sum(r["lang"] == x for r in rows), x)):
        out[lang] = group_metrics([(r, res) for r, res in pairs if r["lang"] == lang])
    return out


def misses(rows: list[dict], results: list[dict]) -> list[dict]:
    """Rows not caught as tax scams, or named with another authority by the verdict or the
    rules alone (allowed: a dev set)."""
    return [{"id": r["id"], "lang": r["lang"], "expected": r["authority"], "note": r["note"],
             "got": [res["label"], res["tax_impersonation"], res["authority"]], "rules": res["rule_authority"],
             "text": r["text"]}
            for r, res in zip(rows, results)
            if not caught(res) or res["authority"] != r["authority"] or res["rule_authority"] != r["authority"]]


def evaluate(clf, rows: list[dict]) -> list[dict]:
    """The verdict of every row, with its `rule_authority` added."""
    results = clf.classify_many([r["text"] for r in rows])
    for r, res in zip(rows, results):
        res["rule_authority"] = rule_authority(r["text"])
    return results


def shingles(text: str) -> set[str]:
    """Character 5-grams of the folded text (the whole folded text when shorter)."""
    folded = fold(text)
    return {folded[i:i + SHINGLE] for i in range(max(1, len(folded) - SHINGLE + 1))}


def max_copy_similarity(rows: list[dict], corpus_texts: list[str]) -> tuple[float, str | None]:
    """The largest 5-gram Jaccard similarity of a row to a corpus text, and that row's id
    (candidates share a shingle: an inverted index keeps the work near-linear)."""
    index: dict[str, list[int]] = {}
    sets = [shingles(t) for t in corpus_texts]
    for j, grams in enumerate(sets):
        for gram in grams:
            index.setdefault(gram, []).append(j)
    best, where = 0.0, None
    for r in rows:
        mine = shingles(r["text"])
        shared = Counter(j for gram in mine for j in index.get(gram, ()))
        for j, common in shared.items():
            score = common / (len(mine) + len(sets[j]) - common)
            if score > best:
                best, where = score, r["id"]
    return round(best, 4), where


def _cell(value: dict) -> str:
    return "-" if value["rate"] is None else f"{value['rate']:.3f} ({value['n']}/{value['of']})"


def table(report: dict) -> str:
    """Recall and authority right / null / wrong per language (overall first) as Markdown."""
    lines = ["| lang | tax-scam recall | authority right | authority null | authority wrong | by rules alone |",
             "|---|---|---|---|---|---|"]
    for lang, m in report.items():
        lines.append(f"| {lang} | {_cell(m['tax_scam_recall'])} | {_cell(m['authority_right'])} | "
                     f"{_cell(m['authority_null'])} | {_cell(m['authority_wrong'])} | "
                     f"{_cell(m['rule_authority_right'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="Model folder to load (default: train the default model now).")
    parser.add_argument("--work", default=None, help="Folder for the trained model (default: a temp folder).")
    parser.add_argument("--json", action="store_true", help="Print only the JSON document, on one line.")
    parser.add_argument("--errors", action="store_true", help="Also list the misses (a dev set: allowed).")
    parser.add_argument("--copies", action="store_true", help="Also report the largest 5-gram Jaccard to the corpus.")
    args = parser.parse_args()
    rows = load_rows()
    folder, train_seconds = model_dir(args, "fw-authority-dev-")
    clf = load_model(folder, warm=False)
    results = evaluate(clf, rows)
    report = {"model": {"dir": str(folder), "version": clf.version, "train_seconds": train_seconds},
              "metrics": dev_metrics(rows, results)}
    if args.copies:
        texts = [r["text"] for r in load_corpus(default_corpus_files())]
        score, where = max_copy_similarity(rows, texts)
        report["max_jaccard_to_corpus"] = {"value": score, "row": where, "limit": MAX_JACCARD}
    if args.errors:
        report["errors"] = misses(rows, results)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))
    if not args.json:
        print("\n" + table(report["metrics"]))


if __name__ == "__main__":
    main()
