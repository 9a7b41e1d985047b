"""CLI commands of the model side: `train`, `classify`, `evaluate` (thin wrappers over classifiers/).

They need neither a database nor Redis. The default model folder is
`<instance>/models/current` (the app's MODEL_DIR when an app is loaded).
"""
from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click
from flask import current_app, has_app_context

SPLIT_HELP = ("cluster: near-copies (classifiers/dedupe.py) stay together, on the side of their cluster; "
              "sha1: sha1(text) % N, the old split.")
BATCH = 8000  # rows read before classifying them (a pool cuts them into chunks)...
BATCH_CHARS = 16_000_000  # ...or fewer when they are long


def _model_dir(option: str | None) -> Path:
    from classifiers.model import default_model_dir
    from fraudwatch.config import instance_path_from_env

    if option:
        return Path(option)
    if has_app_context():
        configured = current_app.config.get("MODEL_DIR")
        return Path(configured) if configured else default_model_dir(current_app.instance_path)
    return default_model_dir(instance_path_from_env())


def _load(model: str | None):
    from classifiers.model import load_model

    folder = _model_dir(model)
    try:
        return load_model(folder)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra labelled CSV/JSONL file (columns text,label); repeatable.")
@click.option("--label-map", default=None, help="Map raw labels, e.g. '0=legit,1=spam_or_scam' or JSON.")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(exists=True),
              help="Corpus folder or JSONL files (default: data/corpus).")
@click.option("--output", default=None, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--holdout-mod", type=click.IntRange(min=2), default=None,
              help="Leave out bucket 0 of N (see --split) of corpus and --data rows, for held-out evaluation.")
@click.option("--split", type=click.Choice(["cluster", "sha1"]), default="cluster", show_default=True,
              help=SPLIT_HELP)
@click.option("--seed", type=int, default=13, show_default=True)
def train(data: tuple[str, ...], label_map: str | None, corpus: tuple[str, ...], output: str | None,
          holdout_mod: int | None, split: str, seed: int) -> None:
    """Train the classifier on data/corpus (+ --data files) and print validation metrics."""
    from classifiers.corpus import default_corpus_files
    from classifiers.train import train_model

    target = _model_dir(output)
    with click.progressbar(length=100, label="training", file=sys.stderr) as bar:
        done = [0]

        def progress(step: str, fraction: float) -> None:
            bar.label = step[:60]
            bar.update(int(fraction * 100) - done[0])
            done[0] = int(fraction * 100)

        try:
            metrics = train_model([Path(c) for c in corpus] or default_corpus_files(), target,
                                  extra=[Path(d) for d in data], label_map=label_map, seed=seed,
                                  progress=progress, holdout_mod=holdout_mod, split=split)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
    click.echo(f"model written to {target}", err=True)


def _rows(stream: IO[bytes]) -> Iterator[dict]:
    """Input rows: JSONL objects, or the whole input as one plain text."""
    head = stream.peek(256)[:256] if hasattr(stream, "peek") else b""
    first = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if first not in (b"{", b"["):
        text = stream.read().decode("utf-8", errors="replace")
        yield {"id": None, "text": text}
        return
    for number, line in enumerate(stream, 1):
        line = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
        if not line:
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "_error": ("bad_json", f"line {number}: not valid JSON ({exc.msg})")}
            continue
        if not isinstance(row, dict):
            yield {"id": None, "_error": ("bad_row", f"line {number}: not a JSON object")}
        elif not isinstance(row.get("text"), str):
            yield {"id": row.get("id"), "_error": ("bad_text", f"line {number}: 'text' must be a string")}
        else:
            yield row


def _flush(clf, batch: list[dict], out: IO[str]) -> None:
    good = [row for row in batch if "_error" not in row]
    results = iter(clf.classify_many([row["text"] for row in good]))
    for row in batch:
        if "_error" in row:
            code, message = row["_error"]
            record = {"id": row.get("id"), "error": {"code": code, "message": message}}
        else:
            record = {"id": row.get("id"), **next(results)}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


@click.command("classify")
@click.option("--model", default=None, type=click.Path(file_okay=False), help="Model folder.")
@click.option("--input", "input_", default=None, type=click.Path(exists=True, dir_okay=False),
              help="JSONL file of {id, text} rows (default: stdin; plain text is one message).")
@click.option("--output", default=None, type=click.Path(dir_okay=False), help="JSONL output (default: stdout).")
@click.option("--text", default=None, help="Classify this one text.")
@click.option("--workers", type=click.IntRange(min=0, max=64), default=1, show_default=True,
              help="Processes classifying big inputs (0: one per CPU core). Same verdicts, same order.")
def classify(model: str | None, input_: str | None, output: str | None, text: str | None, workers: int) -> None:
    """Classify messages: one JSON output row per input row (errors as error rows)."""
    from classifiers.model import ClassifierPool

    clf = _load(model)
    with contextlib.ExitStack() as files:
        clf = files.enter_context(ClassifierPool(clf, workers or None))
        out = files.enter_context(open(output, "w", encoding="utf-8")) if output else sys.stdout
        if text is not None:
            _flush(clf, [{"id": None, "text": text}], out)
            return
        stream = files.enter_context(open(input_, "rb")) if input_ else sys.stdin.buffer
        batch: list[dict] = []
        chars = 0
        for row in _rows(stream if hasattr(stream, "peek") else _buffered(stream)):
            batch.append(row)
            chars += len(row.get("text") or "")
            if len(batch) >= BATCH or chars >= BATCH_CHARS:
                _flush(clf, batch, out)
                batch, chars = [], 0
        _flush(clf, batch, out)


def _buffered(stream: IO[bytes]):
    import io

    return io.BufferedReader(stream)


@click.command("evaluate")
@click.option("--data", "data", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Labelled CSV/JSONL file (text,label); repeatable.")
@click.option("--model", default=None, type=click.Path(file_okay=False), help="Model folder.")
@click.option("--label-map", default=None, help="Map raw labels, e.g. 'ham=legit,spam=spam,smishing=scam'.")
@click.option("--holdout-mod", type=click.IntRange(min=2), default=None,
              help="Only the rows held out of a model trained with the same --holdout-mod and --split.")
@click.option("--split", type=click.Choice(["cluster", "sha1"]), default="cluster", show_default=True,
              help=SPLIT_HELP)
@click.option("--max-errors", type=int, default=20, show_default=True, help="False positives/negatives listed.")
def evaluate(data: tuple[str, ...], model: str | None, label_map: str | None, holdout_mod: int | None,
             split: str, max_errors: int) -> None:
    """Precision, recall, F1, ROC-AUC per label and language, confusion matrix, errors."""
    from classifiers.corpus import parse_label_map, read_rows
    from classifiers.evaluate import full_report
    from classifiers.train import prepare

    clf = _load(model)
    try:
        mapping = parse_label_map(label_map)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    report = {"model_version": clf.version}
    for path in data:
        rows = read_rows(Path(path), mapping)
        if holdout_mod:
            rows = _held_out(rows, holdout_mod, split, clf.meta)
        rows = prepare(rows, dedupe=False)
        results = clf.classify_many([r["text"] for r in rows])
        report[Path(path).as_posix()] = full_report(rows, results, max_errors)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))


def _held_out(rows: list[dict], mod: int, split: str, meta: dict) -> list[dict]:
    """The rows held out of the model (classifiers.evaluate.held_out_mask)."""
    from classifiers.evaluate import held_out_mask

    if meta.get("holdout_mod") and meta.get("split", "sha1") != split:
        click.echo(f"warning: the model was trained with --split {meta.get('split', 'sha1')}, not {split}", err=True)
    try:
        mask = held_out_mask([r["text"] for r in rows], mod, split, meta)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    return [r for r, keep in zip(rows, mask) if keep]


COMMANDS = [train, classify, evaluate]
