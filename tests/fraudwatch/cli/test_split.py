"""`fraudwatch train` / `evaluate` --holdout-mod with --split cluster|sha1 (no database, no Redis)."""
from __future__ import annotations

import json
import random
import string

import pytest
from click.testing import CliRunner

from classifiers.corpus import load_corpus, read_rows, split_buckets, text_bucket
from fraudwatch.cli.model import evaluate, train

LABELS = "0=legit,1=scam"


@pytest.fixture(scope="module")
def extra_csv(tmp_path_factory):
    """40 families of 3 near-copies (one word and a phone number changed), half flagged: 120 rows."""
    rng = random.Random(5)

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=7))

    lines = ["label,text"]
    for family in range(40):
        words = [word() for _ in range(14)]
        for member in range(3):
            copy = list(words)
            if member:  # the first is the original, the others change one word of it
                copy[rng.randrange(len(copy))] = word()
            lines.append(f"{family % 2},{' '.join(copy)} call {rng.randrange(10**6, 10**7)}")
    path = tmp_path_factory.mktemp("split") / "extra.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cluster_model(tmp_path_factory, fixture_corpus, extra_csv):
    folder = tmp_path_factory.mktemp("m") / "cluster"
    result = CliRunner().invoke(train, ["--corpus", str(fixture_corpus), "--data", str(extra_csv), "--label-map",
                                        LABELS, "--holdout-mod", "3", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _evaluated_rows(model, extra_csv, *options) -> tuple[int, str]:
    result = CliRunner().invoke(evaluate, ["--model", str(model), "--data", str(extra_csv), "--label-map", LABELS,
                                           "--holdout-mod", "3", *options])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{"):])
    return report[extra_csv.as_posix()]["flagged"]["rows"], result.output


def test_train_records_the_split(cluster_model):
    meta = json.loads((cluster_model / "meta.json").read_text(encoding="utf-8"))
    assert meta["split"] == "cluster" and meta["holdout_mod"] == 3
    assert meta["label_map"] == {"0": "legit", "1": "scam"}
    assert [d["extra"] for d in meta["data"]][-1] is True and not any(d["extra"] for d in meta["data"][:-1])


def test_cluster_split_holds_out_whole_families(cluster_model, fixture_corpus, extra_csv):
    texts = [r["text"] for r in read_rows(extra_csv, {"0": "legit", "1": "scam"})]
    union = [r["text"] for r in load_corpus(fixture_corpus)] + texts
    held = [b == 0 for b in split_buckets(union, 3)][-len(texts):]
    # families are rows 3k..3k+2: each one is held out whole or not at all
    assert all(len(set(held[i:i + 3])) == 1 for i in range(0, len(held), 3))
    assert 0 < sum(held) < len(held)
    rows, _ = _evaluated_rows(cluster_model, extra_csv)
    assert rows == sum(held)


def test_sha1_split_is_the_old_one(tmp_path, fixture_corpus, extra_csv):
    folder = tmp_path / "sha1"
    result = CliRunner().invoke(train, ["--corpus", str(fixture_corpus), "--data", str(extra_csv), "--label-map",
                                        LABELS, "--holdout-mod", "3", "--split", "sha1", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "meta.json").read_text(encoding="utf-8"))["split"] == "sha1"
    texts = [r["text"] for r in read_rows(extra_csv, {"0": "legit", "1": "scam"})]
    held = [text_bucket(t, 3) == 0 for t in texts]
    assert any(len(set(held[i:i + 3])) == 2 for i in range(0, len(held), 3))  # families cut in two
    rows, output = _evaluated_rows(folder, extra_csv, "--split", "sha1")
    assert rows == sum(held) and "warning" not in output
    _, output = _evaluated_rows(folder, extra_csv)  # cluster rows of a sha1-trained model: said so
    assert "trained with --split sha1" in output


def test_bad_split_is_refused(fixture_corpus, tmp_path):
    result = CliRunner().invoke(train, ["--corpus", str(fixture_corpus), "--split", "md5", "--output",
                                        str(tmp_path / "m")])
    assert result.exit_code == 2 and "--split" in result.output


def test_evaluate_needs_the_training_files_unchanged(tmp_path, fixture_corpus, extra_csv):
    extra = tmp_path / "extra.csv"
    extra.write_bytes(extra_csv.read_bytes())
    folder = tmp_path / "m"
    result = CliRunner().invoke(train, ["--corpus", str(fixture_corpus), "--data", str(extra), "--label-map", LABELS,
                                        "--holdout-mod", "3", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    extra.write_text(extra.read_text(encoding="utf-8") + "1,one more row\n", encoding="utf-8")
    result = CliRunner().invoke(evaluate, ["--model", str(folder), "--data", str(extra), "--label-map", LABELS,
                                           "--holdout-mod", "3"])
    assert result.exit_code == 1 and "missing or has changed" in result.output
