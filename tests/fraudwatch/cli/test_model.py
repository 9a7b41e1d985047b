"""The CLI contract of `fraudwatch train`, `classify` and `evaluate` (no database, no Redis)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fraudwatch.cli.model import COMMANDS, classify, evaluate, train


def _rows(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_commands_are_listed():
    assert [c.name for c in COMMANDS] == ["train", "classify", "evaluate"]


def test_train_writes_model_and_prints_metrics(tmp_path, fixture_corpus, monkeypatch):
    monkeypatch.setenv("FRAUDWATCH_INSTANCE", str(tmp_path / "inst"))
    result = CliRunner().invoke(train, ["--corpus", str(fixture_corpus)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inst" / "models" / "current" / "meta.json").is_file()
    assert '"validation"' in result.output


def test_classify_jsonl_with_bad_rows(model_dir, tmp_path):
    source = tmp_path / "in.jsonl"
    big = "税" * 1_000_000
    source.write_bytes(
        b'{"id": 1, "text": "HMRC: claim your refund at hmrc-refund.top"}\n'
        b'not json at all\n'
        b'{"id": 3, "text": 42}\n'
        b'[1, 2]\n'
        b'{"id": 5, "text": ""}\n'
        + json.dumps({"id": 6, "text": big}).encode() + b"\n"
        + b'{"id": 7, "text": "\\u0000\\u0001 ctrl"}\n'
        + b'{"id": 8, "text": "\xff\xfe\x00junk"}\n')
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(classify, ["--model", str(model_dir), "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = _rows(out.read_text(encoding="utf-8"))
    assert len(rows) == 8
    assert rows[0]["id"] == 1 and rows[0]["label"] in ("scam", "spam", "legit")
    assert rows[1]["error"]["code"] == "bad_json"
    assert rows[2]["id"] == 3 and rows[2]["error"]["code"] == "bad_text"
    assert rows[3]["error"]["code"] == "bad_row"
    assert rows[4]["label"] == "legit"
    assert rows[5]["truncated"] is True
    assert "label" in rows[6]
    assert rows[7]["error"]["code"] == "bad_json"  # a raw NUL inside a JSON string is invalid JSON


def test_classify_plain_text_from_stdin(model_dir):
    result = CliRunner().invoke(classify, ["--model", str(model_dir)], input="退税请点击 tuishui.top\n第二行")
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert len(rows) == 1 and rows[0]["id"] is None and rows[0]["label"] in ("scam", "spam", "legit")


def test_classify_binary_stdin(model_dir):
    result = CliRunner().invoke(classify, ["--model", str(model_dir)], input=bytes(range(256)) * 8)
    assert result.exit_code == 0, result.output
    assert len(_rows(result.output)) == 1


def test_classify_without_model_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(classify, ["--model", str(tmp_path / "none"), "--text", "hi"])
    assert result.exit_code != 0 and "no model" in result.output


def test_evaluate_reports(model_dir, tmp_path):
    data = tmp_path / "eval.csv"
    data.write_text("label,text\nham,see you at dinner\nsmishing,HMRC refund: claim at hmrc-refund.top now\n"
                    "spam,WIN a free phone! txt WIN to 80086\n", encoding="utf-8")
    result = CliRunner().invoke(evaluate, ["--model", str(model_dir), "--data", str(data)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)[data.as_posix()]
    assert {"flagged", "per_label", "confusion", "false_positives", "false_negatives"} <= set(report)
    assert report["flagged"]["rows"] == 3


def test_evaluate_bad_label_map(model_dir, tmp_path):
    data = tmp_path / "eval.csv"
    data.write_text("label,text\n0,hello\n", encoding="utf-8")
    result = CliRunner().invoke(evaluate, ["--model", str(model_dir), "--data", str(data), "--label-map", "0=nope"])
    assert result.exit_code != 0 and "unknown label" in result.output


@pytest.mark.slow
def test_console_script_classify(model_dir, tmp_path):
    exe = Path(sys.executable).with_name("fraudwatch")
    if not exe.exists():
        pytest.skip("console script not installed (pip install -e .)")
    env = {**os.environ, "FRAUDWATCH_INSTANCE": str(tmp_path / "inst")}
    proc = subprocess.run([str(exe), "classify", "--model", str(model_dir)], input=b'{"id": "a", "text": "hi"}\n',
                          capture_output=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _rows(proc.stdout.decode())[0]["id"] == "a"


def test_classify_jsonl_with_bom_and_leading_blank_lines(model_dir):
    data = "\ufeff\n\n" + json.dumps({"id": "x", "text": "hello"}) + "\n"
    result = CliRunner().invoke(classify, ["--model", str(model_dir)], input=data.encode("utf-8"))
    assert result.exit_code == 0, result.output
    rows = _rows(result.output)
    assert len(rows) == 1 and rows[0]["id"] == "x"


def test_classify_with_two_workers_gives_the_verdicts_of_one(model_dir, tmp_path, monkeypatch, fixture_corpus):
    from classifiers.corpus import load_corpus
    from classifiers.model import ClassifierPool
    from fraudwatch.cli import model as cli_model

    monkeypatch.setattr(ClassifierPool, "MIN_PARALLEL", 20)
    monkeypatch.setattr(cli_model, "BATCH", 50)  # several batches, each cut into chunks
    texts = [r["text"] for r in load_corpus(fixture_corpus)] * 3
    source = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    lines.insert(17, "not json")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        result = CliRunner().invoke(classify, ["--model", str(model_dir), "--input", str(source), "--output", str(out),
                                               "--workers", workers])
        assert result.exit_code == 0, result.output
        outputs[workers] = _rows(out.read_text(encoding="utf-8"))
    assert outputs["1"] == outputs["2"] and len(outputs["2"]) == len(texts) + 1
    assert [r.get("id") for r in outputs["2"] if "error" not in r] == list(range(len(texts)))


@pytest.mark.parametrize("bad", ["-1", "65", "two"])
def test_classify_refuses_a_bad_worker_count(model_dir, bad):
    result = CliRunner().invoke(classify, ["--model", str(model_dir), "--text", "x", "--workers", bad])
    assert result.exit_code == 2 and "--workers" in result.output
