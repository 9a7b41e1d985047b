"""Page analysis on real pages: how many phishing and legitimate pages it judges right.

Every page of bench/page_set/labels.csv (gathered by bench/fetch_page_set.sh into
FRAUDWATCH_PAGE_SET, default ../page-set next to the checkout) goes through what a crawl
does once the page is fetched (`crawlers.scan.analyse_fetched`: parsing, site and page
signals, the verdict) at the URL its row names, twice: without a text model (signals
only) and with a model trained on data/corpus (or --model-dir). Prints, for each run,
per-label accuracy, the confusion of labels and verdicts, the official pages flagged and
the pages that raised. Right means: a phishing page is flagged (`scam` or `suspicious`),
a legitimate page is not (`legit` or `unknown`); the strict figures ask `scam` of
phishing pages and `legit` of official ones. Prints numbers, asserts nothing.

With --corpus DIR (the real-page fuzz corpus, bench/fetch_page_corpus.sh) it also judges
every page of that corpus, all of them news, blogs, shops and public sites, at the URL
the page names as its own (<link rel=canonical> or og:url; a neutral host when it names
none), and prints how many are flagged: a false-alarm rate on 1,061 more legitimate pages.

With --labels bench/page_set/labels_v2.csv (or labels_v3.csv, labels_v4.csv) it judges a
later set (pages gathered with `bench/fetch_page_set.sh SOURCES_DIR OUT_DIR LABELS_CSV`;
the sets and which of them are still independent: bench/page_set/README.md).

    .venv/bin/python bench/page_eval.py [--set DIR] [--labels CSV] [--model-dir DIR | --no-model] [--corpus DIR]
        [--json] [-v]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawlers.fetch import FetchResult  # noqa: E402
from crawlers.scan import analyse_fetched  # noqa: E402

LABELS = ROOT / "bench" / "page_set" / "labels.csv"
VERDICTS = ("scam", "suspicious", "unknown", "legit")
FLAGGED = {"scam", "suspicious"}


def read_rows(path: Path) -> list[dict]:
    """The rows of the labels file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def judge(rows: list[dict], folder: Path, classifier) -> list[dict]:
    """The verdict of every page (or its exception)."""
    out = []
    for row in rows:
        name = row["id"] if row.get("kind") == "fuzz_corpus" else f"{row['id']}.html"
        body = (folder / name).read_bytes()
        res = FetchResult(url=row["url"], final_url=row["url"], status=200,
                          headers={"content-type": "text/html"}, content_type="text/html", charset=None, body=body)
        started = time.perf_counter()
        try:
            report, _ = analyse_fetched(row["url"], res, classifier)
        except Exception as exc:  # noqa: BLE001 - a crash is a result here
            out.append({**row, "verdict": "crash", "error": f"{type(exc).__name__}: {exc}"})
            continue
        verdict = report["verdict"]
        out.append({**row, "verdict": verdict["label"], "seconds": time.perf_counter() - started,
                    "signals": [s["code"] for s in report["site_signals"]],
                    "score": verdict.get("site_score"), "text_vote": verdict.get("text_label")})
    return out


_OWN_URL = re.compile(rb"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", re.I)
_HREF = re.compile(rb"(?:href|content)=[\"'](https?://[^\"']+)")
NEUTRAL = "https://pages.example.net/page.html"


def own_url(body: bytes) -> str:
    """The URL a page names as its own, else a neutral one."""
    for tag in _OWN_URL.findall(body[:300_000])[:3]:
        m = _HREF.search(tag)
        if m:
            return m.group(1).decode("ascii", "replace")
    return NEUTRAL


def corpus_rows(folder: Path) -> tuple[list[dict], Path]:
    """The fuzz corpus as legitimate rows judged at their own URL (ids are relative paths)."""
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rows.append({"id": str(path.relative_to(folder)), "url": own_url(path.read_bytes()), "label": "legit",
                     "kind": "fuzz_corpus"})
    return rows, folder


def right(result: dict) -> bool:
    """Whether the verdict is right for the page's label (see the module docstring)."""
    flagged = result["verdict"] in FLAGGED
    return flagged if result["label"] == "phishing" else result["verdict"] in {"legit", "unknown"}


def summary(results: list[dict]) -> dict:
    """Accuracy per label, confusion, strict figures, crashes."""
    by_label: dict[str, dict] = {}
    for label in ("phishing", "legit"):
        rows = [r for r in results if r["label"] == label]
        by_label[label] = {"pages": len(rows), "right": sum(right(r) for r in rows),
                           "verdicts": dict(Counter(r["verdict"] for r in rows))}
    official = [r for r in results if r["kind"] == "official"]
    phishing = [r for r in results if r["label"] == "phishing"]
    kinds: dict[str, list[int]] = {}
    for r in results:
        kinds.setdefault(f"{r['label']}/{r['kind']}", [0, 0])
        kinds[f"{r['label']}/{r['kind']}"][0] += right(r)
        kinds[f"{r['label']}/{r['kind']}"][1] += 1
    return {"pages": len(results), "right": sum(right(r) for r in results), "by_label": by_label,
            "official_flagged": sum(r["verdict"] in FLAGGED for r in official),
            "official_legit": f"{sum(r['verdict'] == 'legit' for r in official)}/{len(official)}",
            "phishing_scam": f"{sum(r['verdict'] == 'scam' for r in phishing)}/{len(phishing)}",
            "crashes": sum(r["verdict"] == "crash" for r in results),
            "by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(kinds.items())},
            "wrong": [f"{r['id']} {r['kind']} -> {r['verdict']} {r.get('signals', r.get('error'))}"
                      for r in results if not right(r)]}


def print_summary(name: str, s: dict, verbose: bool) -> None:
    """Human-readable report of one run."""
    print(f"\n== {name}: {s['right']}/{s['pages']} right ({100 * s['right'] / max(s['pages'], 1):.1f}%), "
          f"{s['crashes']} crashes")
    for label, d in s["by_label"].items():
        shown = ", ".join(f"{v} {d['verdicts'].get(v, 0)}" for v in (*VERDICTS, "crash") if d["verdicts"].get(v))
        print(f"  {label:9} {d['right']}/{d['pages']} right ({100 * d['right'] / max(d['pages'], 1):.1f}%)  "
              f"verdicts: {shown}")
    print(f"  official pages flagged: {s['official_flagged']}; official judged legit: {s['official_legit']}; "
          f"phishing judged scam: {s['phishing_scam']}")
    print("  by kind: " + "; ".join(f"{k} {v}" for k, v in s["by_kind"].items()))
    if verbose:
        for line in s["wrong"]:
            print("  wrong: " + line)


def model_classifier(args: argparse.Namespace):
    """A trained model's classify function (trained on data/corpus unless --model-dir)."""
    from classifiers.corpus import default_corpus_files
    from classifiers.model import load_model
    from classifiers.train import train_model

    folder = Path(args.model_dir) if args.model_dir else Path(tempfile.mkdtemp(prefix="page-eval-model-"))
    if not (folder / "meta.json").is_file():
        print(f"training a model on data/corpus into {folder} ...", file=sys.stderr)
        train_model(default_corpus_files(), folder)
    return load_model(folder).classify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default=os.environ.get("FRAUDWATCH_PAGE_SET", str(ROOT.parent / "page-set")))
    parser.add_argument("--labels", default=str(LABELS), help="the labels file (default labels.csv)")
    parser.add_argument("--model-dir", default=None, help="a model folder (trained into it when empty)")
    parser.add_argument("--no-model", action="store_true", help="only the run without a text model")
    parser.add_argument("--corpus", default=None, help="also judge every page of this folder (legit)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the pages judged wrong")
    args = parser.parse_args()
    rows = read_rows(Path(args.labels))
    folder = Path(args.set)
    if not all((folder / f"{r['id']}.html").is_file() for r in rows):
        sys.exit(f"pages missing in {folder}: run bench/fetch_page_set.sh first")
    classifier = None if args.no_model else model_classifier(args)
    runs = {"signals only": judge(rows, folder, None)}
    if classifier:
        runs["with the text model"] = judge(rows, folder, classifier)
    if args.corpus:
        extra, corpus = corpus_rows(Path(args.corpus))
        runs["fuzz corpus, signals only"] = judge(extra, corpus, None)
        if classifier:
            runs["fuzz corpus, with the text model"] = judge(extra, corpus, classifier)
    summaries = {name: summary(results) for name, results in runs.items()}
    if args.json:
        print(json.dumps(summaries, indent=1, ensure_ascii=False))
        return
    counts = Counter((r["label"], r["kind"]) for r in rows)
    print(f"{len(rows)} pages: " + ", ".join(f"{label}/{kind} {n}" for (label, kind), n in sorted(counts.items())))
    for name, s in summaries.items():
        print_summary(name, s, args.verbose)


if __name__ == "__main__":
    main()
