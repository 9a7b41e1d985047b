"""The frozen held-out set bench/heldout/ (issue #10 item 6): frozen, well-formed, and kept out of training.

The set is never trained or tuned on. These tests fail when a version file changes (its sha256
is in SHA256SUMS), when a corpus row is the same text as a held-out row or a near-duplicate
of one (character 5-gram Jaccard >= 0.6 on the normalised text), when the corpus reader could
pick it up, or when the wheel could ship it. They also check bench/heldout_eval.py's metrics.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import tomllib
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

from classifiers.corpus import default_corpus_files
from fraudwatch.datafiles import data_path

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "bench" / "heldout"
NEAR_DUPLICATE = 0.6
KEYS = {"id", "text", "label", "lang", "channel", "tax_impersonation", "authority", "kind", "source"}
KINDS = {"tax_scam": "scam", "other_scam": "scam", "spam_ad": "spam", "legit_official": "legit",
         "legit_benign_link": "legit", "legit_enforcement": "legit", "legit_warning_quotes_lure": "legit",
         "legit_news": "legit", "legit_everyday": "legit"}
# The authority codes of the project's one registry (common brief of issue #10).
CODES = {"CN-STA", "HK-IRD", "MO-DSF", "TW-MOF", "JP-NTA", "KR-NTS", "SG-IRAS", "MY-LHDN", "ID-DJP", "TH-RD",
         "PH-BIR", "VN-GDT", "IN-ITD", "PK-FBR", "AU-ATO", "NZ-IRD", "AE-FTA", "SA-ZATCA", "IL-ITA", "TR-GIB",
         "ZA-SARS", "KE-KRA", "NG-FIRS", "EG-ETA", "GH-GRA", "US-IRS", "US-CA-FTB", "US-NY-DTF", "US-MA-DOR",
         "US-TX-CPA", "CA-CRA", "CA-RQ", "MX-SAT", "BR-RFB", "AR-ARCA", "CL-SII", "CO-DIAN", "UK-HMRC", "UK-DVLA",
         "UK-COUNCIL", "IE-REV", "FR-DGFIP", "DE-BZST", "ES-AEAT", "IT-ADE", "PT-AT", "NL-BD", "BE-FPSF", "LU-ACD",
         "AT-BMF", "CH-ESTV", "DK-SKAT", "SE-SKV", "NO-SKE", "FI-VERO", "PL-KAS", "CZ-FS", "HU-NAV", "GR-AADE",
         "EE-EMTA", "UK-GOV", "AU-GOV"}


def _eval_module():
    spec = importlib.util.spec_from_file_location("heldout_eval", ROOT / "bench" / "heldout_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HE = _eval_module()
FILES = HE.heldout_files(HELDOUT)
ROWS = HE.load_heldout(FILES)


def normalise(text: str) -> str:
    """NFKC, case-folded, without whitespace: what the near-duplicate check compares."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def grams(text: str, n: int = 5) -> set[str]:
    """Character n-grams of a normalised text (the text itself when shorter than n)."""
    return {text[i:i + n] for i in range(max(1, len(text) - n + 1))}


def near_duplicates(left: list[str], right: list[str], threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, jaccard) for every pair left[i], right[j] with 5-gram Jaccard >= threshold (sparse product, exact)."""
    lg, rg = [grams(normalise(t)) for t in left], [grams(normalise(t)) for t in right]
    vocab = {g: k for k, g in enumerate({g for s in lg for g in s})}

    def matrix(sets):
        cols = [[vocab[g] for g in s if g in vocab] for s in sets]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        data = np.ones(indptr[-1], dtype=np.int32)
        return sparse.csr_matrix((data, np.concatenate(cols or [[]]).astype(np.int64), indptr),
                                 shape=(len(sets), len(vocab)))

    shared = (matrix(lg) @ matrix(rg).T).tocoo()
    lsize, rsize = np.array([len(s) for s in lg]), np.array([len(s) for s in rg])
    union = lsize[shared.row] + rsize[shared.col] - shared.data
    jac = shared.data / union
    keep = jac >= threshold
    return sorted(zip(shared.row[keep].tolist(), shared.col[keep].tolist(), np.round(jac[keep], 3).tolist()))


def corpus_rows() -> list[tuple[str, dict]]:
    """(file name, row) for every row of data/corpus/*.jsonl."""
    out = []
    for path in sorted(data_path("corpus").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            out.extend((path.name, json.loads(line)) for line in fh if line.strip())
    return out


def test_every_version_file_matches_its_frozen_sha256():
    listed = {}
    for line in (HELDOUT / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.lstrip("*")] = digest
    assert FILES and {p.name for p in FILES} == set(listed), "every messages*.jsonl needs a line in SHA256SUMS"
    for path in FILES:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[path.name], \
            f"{path.name} changed: the held-out set is frozen (append a messages_vN.jsonl instead)"


def test_rows_follow_the_schema():
    ids = [r["id"] for r in ROWS]
    assert len(set(ids)) == len(ids)
    assert len({normalise(r["text"]) for r in ROWS}) == len(ROWS), "no two held-out texts are the same"
    for r in ROWS:
        assert set(r) == KEYS, r["id"]
        assert re.fullmatch(r"ho-\d{4,}", r["id"])
        assert isinstance(r["text"], str) and r["text"].strip()
        assert r["lang"] in ("zh", "en") and r["channel"] in ("sms", "email", "web", "im", "call")
        assert KINDS[r["kind"]] == r["label"], r["id"]
        assert isinstance(r["tax_impersonation"], bool)
        assert r["tax_impersonation"] == (r["kind"] == "tax_scam"), r["id"]
        assert r["authority"] is None or r["authority"] in CODES, r["id"]
        assert r["source"].startswith(("https://", "http://")), r["id"]


def test_counts_meet_the_floors():
    assert len(ROWS) >= 300
    langs = Counter(r["lang"] for r in ROWS)
    assert langs["zh"] >= 100 and langs["en"] >= 100
    assert len({r["authority"] for r in ROWS if r["authority"]}) >= 25
    assert 0.4 <= sum(r["label"] == "legit" for r in ROWS) / len(ROWS) <= 0.6
    kinds = Counter(r["kind"] for r in ROWS)
    assert kinds["legit_benign_link"] >= 60
    assert kinds["legit_enforcement"] >= 25 and kinds["legit_warning_quotes_lure"] >= 25
    for lang in ("zh", "en"):
        assert sum(r["lang"] == lang and r["kind"] == "tax_scam" for r in ROWS) >= 50
    assert any(r["kind"] == "tax_scam" and r["authority"] is None for r in ROWS)


def test_near_duplicate_finder_finds_near_copies_and_only_them():
    base = "HMRC: You are due a tax rebate of £264.81 from an overpayment. Claim before it expires: example.top"
    left = [base, "完全不同的一句话，和上面没有任何关系。"]
    right = [base.replace("264.81", "265.80"), "Something else entirely, nothing alike at all here."]
    assert [(i, j) for i, j, _ in near_duplicates(left, right, NEAR_DUPLICATE)] == [(0, 0)]


def test_training_data_never_contains_a_heldout_text_or_near_copy():
    corpus = corpus_rows()
    assert corpus, "no corpus rows found"
    pairs = near_duplicates([r["text"] for r in ROWS], [row["text"] for _, row in corpus], NEAR_DUPLICATE)
    collisions = [f"{ROWS[i]['id']} ~ {corpus[j][0]}:{corpus[j][1].get('id', j)} (jaccard {jac})" for i, j, jac in pairs]
    assert not collisions, "corpus rows that copy the frozen held-out set (remove them from the corpus):\n" + \
        "\n".join(collisions)


def test_default_corpus_files_do_not_include_the_heldout_set():
    heldout_digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in FILES}
    for path in default_corpus_files():
        assert HELDOUT.resolve() not in path.resolve().parents
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in heldout_digests
    for path in (ROOT / "data").rglob("*"):
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() not in heldout_digests, f"{path} is a held-out copy"
    assert not any(str(row.get("id", "")).startswith("ho-") for _, row in corpus_rows())


def test_the_wheel_does_not_ship_bench():
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = tool.get("packages", [])
    assert isinstance(packages, list), "packages must stay an explicit list (a find: directive could pick up bench)"
    assert not [p for p in packages if p == "bench" or p.startswith("bench.")]
    assert not [d for d in tool.get("package-dir", {}).values() if d.split("/")[0] == "bench"]
    globs = [g for patterns in tool.get("package-data", {}).values() for g in patterns]
    assert not [g for g in globs if "heldout" in g or g.startswith("bench")]
    assert not (ROOT / "bench" / "__init__.py").exists()


def _result(label: str, tax: bool = False, authority: str | None = None) -> dict:
    return {"label": label, "tax_impersonation": tax, "authority": authority}


def _perfect(r: dict) -> dict:
    return _result(r["label"], r["tax_impersonation"], r["authority"])


def test_eval_metrics_of_a_perfect_verdict():
    report = HE.heldout_metrics(ROWS, [_perfect(r) for r in ROWS])
    for group in ("zh", "en", "overall"):
        g = report[group]
        assert g["tax_scam_recall"]["rate"] == g["authority_right"]["rate"] == 1.0
        assert g["all_scams_flagged"]["rate"] == g["spam_as_spam"]["rate"] == 1.0
        assert g["legit_flagged"]["rate"] == 0.0
    assert report["overall"]["rows"] == len(ROWS)
    assert HE.misclassified(ROWS, [_perfect(r) for r in ROWS]) == []


def test_eval_metrics_count_each_kind_of_miss():
    tax = next(i for i, r in enumerate(ROWS) if r["kind"] == "tax_scam" and r["authority"])
    unknown = next(i for i, r in enumerate(ROWS) if r["kind"] == "tax_scam" and r["authority"] is None)
    link = next(i for i, r in enumerate(ROWS) if r["kind"] == "legit_benign_link")
    results = [_perfect(r) for r in ROWS]
    results[tax] = _result("scam", True, "XX-NONE")      # caught, wrong authority
    results[unknown] = _result("scam", True, "US-IRS")   # expected null: any authority is right once caught
    results[link] = _result("scam")                      # a benign-link legit flagged
    overall = HE.heldout_metrics(ROWS, results)["overall"]
    assert overall["tax_scam_recall"]["rate"] == 1.0
    assert overall["authority_right"]["n"] == overall["authority_right"]["of"] - 1
    assert overall["legit_flagged"]["n"] == 1 and overall["legit_flagged_by_kind"]["legit_benign_link"]["n"] == 1
    assert {e["id"] for e in HE.misclassified(ROWS, results)} == {ROWS[tax]["id"], ROWS[link]["id"]}
    results[tax] = _result("spam")                       # not caught as a tax scam, but flagged
    overall = HE.heldout_metrics(ROWS, results)["overall"]
    assert overall["tax_scam_recall"]["n"] == overall["tax_scam_recall"]["of"] - 1
    assert overall["all_scams_flagged"]["rate"] == 1.0
    assert "| tax_scam_recall |" in HE.table(HE.heldout_metrics(ROWS, results))


def test_version_one_is_read_first():
    assert FILES[0].name == "messages.jsonl" and ROWS[0]["id"] == "ho-0001"
