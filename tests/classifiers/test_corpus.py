"""Reading labelled data: corpus JSONL, extra CSV/JSONL, label maps and the sha1 split."""
from __future__ import annotations

import hashlib

import pytest

from classifiers.corpus import canonical_label, load_corpus, parse_label_map, read_rows, text_bucket


def test_fixture_corpus_loads(fixture_corpus):
    rows = load_corpus(fixture_corpus)
    assert 40 <= len(rows) <= 80
    assert {r["label"] for r in rows} == {"scam", "spam", "legit"}
    assert all(r["lang"] in ("zh", "en") for r in rows)


def test_text_bucket_is_sha1_mod():
    text = "退税 refund"
    assert text_bucket(text, 5) == int(hashlib.sha1(text.encode()).hexdigest(), 16) % 5


@pytest.mark.parametrize("spec, expected", [
    ("0=legit,1=spam_or_scam", {"0": "legit", "1": "spam_or_scam"}),
    ('{"ham": "legit", "smishing": "scam"}', {"ham": "legit", "smishing": "scam"}),
    ({"a": "spam"}, {"a": "spam"}),
    (None, {}),
])
def test_parse_label_map(spec, expected):
    assert parse_label_map(spec) == expected


def test_bad_label_map():
    with pytest.raises(ValueError):
        parse_label_map("0=nonsense")


def test_aliases():
    assert canonical_label("ham") == "legit"
    assert canonical_label("Smishing") == "scam"
    assert canonical_label("1") == "spam_or_scam"
    assert canonical_label("7") is None
    assert canonical_label("x", {"x": "spam"}) == "spam"


def test_csv_with_upper_case_text_column_and_bad_rows(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("label,TEXT\nham,hello\nspam,\nweird,skip me\nsmishing,\"claim, now\"\n", encoding="utf-8")
    rows = read_rows(path)
    assert [(r["label"], r["text"]) for r in rows] == [("legit", "hello"), ("scam", "claim, now")]


def test_csv_without_columns_is_clear(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError):
        read_rows(path)


def test_jsonl_with_junk_lines(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"text": "ok", "label": "legit"}\nnot json\n[1]\n{"text": 5, "label": "spam"}\n\xff\xfe\n')
    assert [r["text"] for r in read_rows(path)] == ["ok"]
