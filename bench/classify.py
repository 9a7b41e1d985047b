"""Classifier speed: model load, batch throughput, single-message latency, peak memory.

Prints numbers, asserts nothing. The batch is all of ../shared/data/zh_spam_sms when
present (FRAUDWATCH_EXTERNAL_DATA or --data), else the project corpus repeated.
The model is --model, else a corpus-only model trained into a temporary folder.
The adversarial section times, in CPU seconds, one `classify_many([text])` (what
`POST /api/v1/classify` runs for one text) on each adversarial 100 KB text of the
linear-work tests (tests/linear.py) and prints the worst. The baseline section (issue #10
item 9) times, on the same batch and alternating, plain char n-gram TF-IDF + logistic
regression models (1-5-grams and 1-3-grams, trained on the same corpus) against
fraudwatch with explanations on, in one process and with a pool of every core, and prints
the ratios.

    .venv/bin/python bench/classify.py [--model DIR] [--data ../shared/data] [--single 2000]
    .venv/bin/python bench/classify.py --model DIR --adversarial-only
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def batch_texts(data: Path) -> tuple[str, list[str]]:
    """The benchmark batch and its name."""
    path = data / "zh_spam_sms" / "messages.csv"
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as fh:
            return str(path), [row["text"] for row in csv.DictReader(fh)]
    print(f"SKIP zh_spam_sms: {path} not found; using the project corpus x20 instead", file=sys.stderr)
    from classifiers.corpus import default_corpus_files, read_rows

    texts = [r["text"] for p in default_corpus_files() for r in read_rows(p)]
    return "data/corpus x20", texts * 20


def peak_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def latency(clf, texts: list[str]) -> dict:
    """p50/p99/max of one-message calls, by the spaCy path and the fast path."""
    out = {}
    for label, method in (("single_spacy_classify", clf.classify),
                          ("single_fast_classify_many", lambda t: clf.classify_many([t]))):
        times = []
        for text in texts:
            started = time.perf_counter()
            method(text)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        out[label] = {"messages": len(times), "p50_ms": round(statistics.median(times), 3),
                      "p99_ms": round(times[int(len(times) * 0.99) - 1], 3), "max_ms": round(times[-1], 3)}
    return out


def adversarial(clf) -> dict:
    """CPU seconds of one single-text API classification per adversarial 100 KB text: the worst five."""
    from tests.linear import adversarial_texts

    seconds = {}
    for name, text in adversarial_texts().items():
        started = time.process_time()
        clf.classify_many([text])
        seconds[name] = time.process_time() - started
    ranked = sorted(seconds.items(), key=lambda item: -item[1])
    return {"texts": len(seconds), "chars": 100_000, "floor_cpu_seconds": 1.0,
            "median_cpu_seconds": round(statistics.median(seconds.values()), 3),
            "worst": [{"text": name, "cpu_seconds": round(cpu, 3)} for name, cpu in ranked[:5]]}


def load(model_dir: str | None, out: dict):
    """Import, train a corpus-only model when no folder is given, load it; timings into `out`."""
    started = time.perf_counter()
    import spacy  # noqa: F401

    import classifiers.model as model_module  # noqa: F401  (import cost measured separately)
    out["import_seconds"] = round(time.perf_counter() - started, 3)
    if not model_dir:
        from classifiers.corpus import default_corpus_files
        from classifiers.train import train_model

        model_dir = Path(tempfile.mkdtemp(prefix="fw-bench-")) / "model"
        t0 = time.perf_counter()
        train_model(default_corpus_files(), model_dir, progress=lambda s, f: None)
        out["train_seconds_corpus"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    clf = model_module.load_model(model_dir)
    out["load_seconds"] = round(time.perf_counter() - t0, 3)
    out["model_version"] = clf.version
    out["memory_after_load_mb"] = peak_mb()
    return clf


def throughput(clf, args: argparse.Namespace, out: dict) -> None:
    """Batch throughput, single-message latency and one long text; into `out`."""
    name, texts = batch_texts(Path(args.data))
    t0 = time.perf_counter()
    results = []
    for i in range(0, len(texts), args.chunk):
        results.extend(clf.classify_many(texts[i:i + args.chunk]))
    seconds = time.perf_counter() - t0
    out["batch"] = {"data": name, "messages": len(texts), "seconds": round(seconds, 2),
                    "messages_per_second": round(len(texts) / seconds),
                    "flagged": sum(r["label"] != "legit" for r in results)}
    out.update(latency(clf, texts[:args.single]))
    long_text = "【税务局】退税请点击 tuishui.top 输入验证码。" * 2000
    t1 = time.perf_counter()
    clf.classify(long_text)
    out["single_long_text_ms"] = {"chars": len(long_text), "ms": round((time.perf_counter() - t1) * 1000, 1)}


BASELINES = {  # plain TF-IDF + logistic regression, scikit-learn defaults otherwise
    "char_1_5": {"analyzer": "char", "ngram_range": (1, 5)},
    "char_1_3": {"analyzer": "char", "ngram_range": (1, 3)},
}


def versus_baselines(clf, args: argparse.Namespace, out: dict) -> None:
    """Batch throughput of fraudwatch (explanations on: the verdicts users get) and of plain
    char n-gram TF-IDF + logistic regression models trained on the same corpus, on the same
    messages, alternating, best of `--rounds`; fraudwatch in one process and with a
    ClassifierPool of every core."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from classifiers.corpus import default_corpus_files, load_corpus
    from classifiers.model import ClassifierPool

    name, texts = batch_texts(Path(args.data))
    rows = load_corpus(default_corpus_files())
    runners = {}
    for key, params in BASELINES.items():
        vec = TfidfVectorizer(sublinear_tf=True, min_df=2, dtype=np.float32, **params)
        lr = LogisticRegression(max_iter=2000).fit(vec.fit_transform([r["text"] for r in rows]),
                                                   [r["label"] != "legit" for r in rows])
        runners[f"baseline_{key}"] = lambda batch, vec=vec, lr=lr: lr.predict_proba(vec.transform(batch))
    best: dict[str, float] = {}
    with ClassifierPool(clf, os.cpu_count()) as pool:
        runners["fraudwatch_one_process"] = clf.classify_many
        runners[f"fraudwatch_pool_{pool.workers}_processes"] = pool.classify_many
        for _ in range(args.rounds):
            for key, run in runners.items():
                started = time.perf_counter()
                for i in range(0, len(texts), args.chunk):
                    run(texts[i:i + args.chunk])
                best[key] = max(best.get(key, 0.0), len(texts) / (time.perf_counter() - started))
    rates = {key: round(value) for key, value in best.items()}
    ratios = {f"{ours} / {base}": round(best[ours] / best[base], 2)
              for ours in best if ours.startswith("fraudwatch") for base in best if base.startswith("baseline")}
    out["versus_baselines"] = {"data": name, "messages": len(texts), "rounds": args.rounds,
                               "messages_per_second": rates, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default=os.environ.get("FRAUDWATCH_EXTERNAL_DATA", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--single", type=int, default=2000, help="Messages timed one by one.")
    parser.add_argument("--chunk", type=int, default=5000, help="Batch size given to classify_many.")
    parser.add_argument("--adversarial-only", action="store_true", help="Only the adversarial 100 KB texts.")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds of the baseline comparison.")
    parser.add_argument("--no-baselines", action="store_true", help="Skip the comparison with plain TF-IDF + LR.")
    args = parser.parse_args()
    out: dict = {"cpus": os.cpu_count()}
    clf = load(args.model, out)
    if not args.adversarial_only:
        throughput(clf, args, out)
        if not args.no_baselines:
            versus_baselines(clf, args, out)
    out["adversarial_single_text_api"] = adversarial(clf)
    out["peak_memory_mb"] = peak_mb()
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
