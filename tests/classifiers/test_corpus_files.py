"""The shipped corpus files (data/corpus/*.jsonl) as data: schema, labels, ids, sources, duplicates.

Every check is a function that returns the offending rows, run once on the real files and once on
rows made to break it, so a check that never fires cannot pass unnoticed. Checks are general (all
files, all languages); add language- or file-specific checks below the general ones.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from functools import lru_cache

import pytest

from classifiers.corpus import CATEGORIES
from fraudwatch.datafiles import data_path

CORPUS = data_path("corpus")
KEYS = ("id", "text", "label", "lang", "channel", "tax_impersonation", "authority", "category", "pattern", "source")
LABELS = ("legit", "spam", "scam")
CHANNELS = ("sms", "email", "web", "im", "call")
SPAM_CATEGORIES = ("advertising", "invoice_selling")
PATTERN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
SOURCE_KEY = re.compile(r"`([A-Za-z0-9][A-Za-z0-9_.-]*)`")


@lru_cache(maxsize=1)
def corpus_rows() -> tuple[tuple[str, dict], ...]:
    """('file:line', row) for every row of data/corpus/*.jsonl; a line that is not a JSON object fails."""
    out = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    row = json.loads(line)
                    assert isinstance(row, dict), f"{path.name}:{number}: not a JSON object"
                    out.append((f"{path.name}:{number}", row))
    return tuple(out)


@lru_cache(maxsize=1)
def documented_source_keys() -> frozenset[str]:
    """Every `backticked` key in the corpus README and SOURCES*.md files."""
    keys: set[str] = set()
    for path in sorted(CORPUS.glob("*.md")):
        keys.update(SOURCE_KEY.findall(path.read_text(encoding="utf-8")))
    return frozenset(keys)


@lru_cache(maxsize=1)
def authority_codes() -> frozenset[str]:
    """Codes of the authority registry (data/official/authorities.csv)."""
    with data_path("official", "authorities.csv").open(encoding="utf-8", newline="") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def schema_problems(rows) -> list[str]:
    """Rows without exactly the schema keys, or with a value of the wrong type or outside its set."""
    bad = []
    for where, row in rows:
        if set(row) != set(KEYS):
            bad.append(f"{where}: keys {sorted(set(row) ^ set(KEYS))} missing or extra")
            continue
        if not (isinstance(row["text"], str) and row["text"].strip()):
            bad.append(f"{where}: empty text")
        if row["label"] not in LABELS:
            bad.append(f"{where}: label {row['label']!r}")
        if row["category"] not in CATEGORIES:
            bad.append(f"{where}: category {row['category']!r}")
        if row["channel"] not in CHANNELS:
            bad.append(f"{where}: channel {row['channel']!r}")
        if not (isinstance(row["lang"], str) and re.fullmatch(r"[a-z]{2}", row["lang"])):
            bad.append(f"{where}: lang {row['lang']!r}")
        if not isinstance(row["tax_impersonation"], bool):
            bad.append(f"{where}: tax_impersonation {row['tax_impersonation']!r} is not a boolean")
        if not (isinstance(row["pattern"], str) and PATTERN.fullmatch(row["pattern"])):
            bad.append(f"{where}: pattern {row['pattern']!r} is not snake_case")
        if not (isinstance(row["id"], str) and row["id"].strip()):
            bad.append(f"{where}: empty id")
    return bad


def consistency_problems(rows, codes: frozenset[str]) -> list[str]:
    """Label, category, tax_impersonation and authority that contradict each other or the registry."""
    bad = []
    for where, row in rows:
        if (row["label"] == "legit") != (row["category"] == "none"):
            bad.append(f"{where}: label {row['label']} with category {row['category']}")
        if row["label"] == "spam" and row["category"] not in SPAM_CATEGORIES:
            bad.append(f"{where}: spam with category {row['category']}")
        if row["tax_impersonation"] is True and row["label"] != "scam":
            bad.append(f"{where}: tax_impersonation on a {row['label']} row")
        if row["authority"] is not None and row["authority"] not in codes:
            bad.append(f"{where}: authority {row['authority']!r} is not in data/official/authorities.csv")
    return bad


def duplicate_ids(rows) -> list[str]:
    """Ids used by more than one row (in any files)."""
    counts = Counter(row["id"] for _, row in rows)
    return sorted(f"{key} x{n}" for key, n in counts.items() if n > 1)


def duplicate_texts(rows) -> list[str]:
    """Texts that occur in more than one row, with where they occur."""
    seen: dict[str, list[str]] = {}
    for where, row in rows:
        seen.setdefault(row["text"], []).append(where)
    return sorted(" = ".join(places) for places in seen.values() if len(places) > 1)


def undocumented_sources(rows, keys: frozenset[str]) -> list[str]:
    """Rows whose `source` key is not named (in backticks) in a README/SOURCES file of data/corpus."""
    missing = Counter(row["source"] for _, row in rows if row["source"] not in keys)
    return sorted(f"{key!r} ({n} rows)" for key, n in missing.items())


def test_there_are_corpus_files():
    files = sorted(path.name for path in CORPUS.glob("*.jsonl"))
    assert {"zh_tax_scams.jsonl", "zh_legit.jsonl", "zh_general.jsonl"} <= set(files)
    assert len(corpus_rows()) > 1000


def test_rows_follow_the_schema():
    bad = schema_problems(corpus_rows())
    assert not bad, f"{len(bad)} rows break the schema:\n" + "\n".join(bad[:40])


def test_labels_categories_and_authorities_agree():
    bad = consistency_problems(corpus_rows(), authority_codes())
    assert not bad, f"{len(bad)} inconsistent rows:\n" + "\n".join(bad[:40])


def test_ids_are_unique_across_files():
    bad = duplicate_ids(corpus_rows())
    assert not bad, "ids used more than once: " + ", ".join(bad[:40])


def test_no_text_occurs_twice():
    bad = duplicate_texts(corpus_rows())
    assert not bad, f"{len(bad)} texts occur more than once:\n" + "\n".join(bad[:40])


def test_every_source_key_is_documented():
    bad = undocumented_sources(corpus_rows(), documented_source_keys())
    assert not bad, "source keys not described in data/corpus/README.md or a SOURCES*.md file: " + ", ".join(bad)


def _row(**change) -> dict:
    row = {"id": "t-1", "text": "你好", "label": "legit", "lang": "zh", "channel": "sms", "tax_impersonation": False,
           "authority": None, "category": "none", "pattern": "a_b", "source": "k"}
    return {**row, **change}


@pytest.mark.parametrize("row", [
    {key: value for key, value in _row().items() if key != "source"},
    {**_row(), "extra": 1},
    _row(text="  "),
    _row(label="spam_or_scam"),
    _row(category="phishing"),
    _row(channel="fax"),
    _row(lang="zh-CN"),
    _row(tax_impersonation="false"),
    _row(pattern="Bank-Alert"),
    _row(id=""),
])
def test_schema_check_finds_a_broken_row(row):
    assert schema_problems([("f:1", _row()), ("f:2", row)]) != []
    assert schema_problems([("f:1", _row())]) == []


@pytest.mark.parametrize("row", [
    _row(label="scam"),
    _row(category="refund_lure"),
    _row(label="spam", category="refund_lure"),
    _row(tax_impersonation=True),
    _row(label="scam", category="refund_lure", authority="XX-NOPE"),
])
def test_consistency_check_finds_contradictions(row):
    codes = frozenset({"CN-STA"})
    assert consistency_problems([("f:1", row)], codes) != []
    good = _row(label="scam", category="refund_lure", tax_impersonation=True, authority="CN-STA")
    assert consistency_problems([("f:1", _row()), ("f:2", good)], codes) == []


def test_duplicate_checks_find_duplicates():
    rows = [("a:1", _row(id="x-1", text="一")), ("b:1", _row(id="x-1", text="二")), ("b:2", _row(id="x-2", text="一"))]
    assert duplicate_ids(rows) == ["x-1 x2"]
    assert duplicate_texts(rows) == ["a:1 = b:2"]
    assert duplicate_ids(rows[:1]) == [] and duplicate_texts(rows[:2]) == []


def test_source_check_reads_backticked_keys():
    assert undocumented_sources([("f:1", _row(source="k"))], frozenset({"k"})) == []
    assert undocumented_sources([("f:1", _row(source="k2"))], frozenset({"k"})) == ["'k2' (1 rows)"]
    assert "zhgen_written_everyday" in documented_source_keys()


# English files (en_*.jsonl): no scam row links to a real company's or an official site, the
# phone numbers of en_general.jsonl come from fictional ranges, no two rows are near-copies.

# Fictional or reserved ranges (digits only, country code optional): US 555-01xx; Ofcom drama
# numbers (07700 900xxx, 020 7946 0xxx, 0113..0161 496 0xxx, 01632 960xxx, 0808 157 0xxx,
# 0306 999 0xxx, 0909 879 0xxx ...); ACMA fictional numbers (0491 570 xxx, 0x 5550 xxxx, 1300 975 7xx).
FICTIONAL_PHONES = re.compile(
    r"1?\d{3}55501\d\d|(?:44|0)(?:7700900|2079460|1(?:1[3-8]|[2-6]1)4960|1914980|1632960|8081570|3069990|9098790"
    r"|2896496|2920180)\d{3}|(?:61|0)(?:491570\d{3}|[2378]5550\d{4})|1[38]00975(?:70[7-9]|71[01])|1800160401")
PHONE_LIKE = re.compile(r"(?<![\w/.-])(?:\+\d{1,3}[\s-]?)?(?:\(\d{2,4}\)\s?)?\d{2,5}(?:[\s-]\d{2,5}){1,3}(?![\w/-])")


def english_rows(prefix: str = "en_") -> list[tuple[str, dict]]:
    """('file:line', row) of the corpus files whose name starts with `prefix`."""
    return [(where, row) for where, row in corpus_rows() if where.startswith(prefix)]


def scam_links_to_real_sites(rows) -> list[str]:
    """Scam rows whose link target (a URL with a path or www.) is an official or a known company's host."""
    from fraudwatch.indicators.hosts import url_host
    from fraudwatch.indicators.known import known_brand
    from fraudwatch.indicators.links import find_links
    from fraudwatch.indicators.official import judge_host

    bad = []
    for where, row in rows:
        for kind, start, end in find_links(row["text"]) if row["label"] == "scam" else ():
            url = row["text"][start:end]
            if kind == "url" and ("/" in url or url.lower().startswith("www.")):  # GOV.UK alone is a display name
                host = url_host(url)
                if host and (judge_host(host).status == "official" or known_brand(host)):
                    bad.append(f"{where}: {url}")
    return bad


def real_looking_phones(rows) -> list[str]:
    """Phone-shaped numbers (9+ digits written as a phone number) outside the fictional ranges."""
    bad = []
    for where, row in rows:
        for match in PHONE_LIKE.finditer(row["text"]):
            raw, digits = match.group(), re.sub(r"\D", "", match.group())
            if len(digits) >= 9 and raw.startswith(("0", "+", "(", "1-", "1 ")) and not FICTIONAL_PHONES.fullmatch(digits):
                bad.append(f"{where}: {raw}")
    return bad


def near_copies(rows, threshold: float = 0.8) -> list[str]:
    """Groups of rows in one near-duplicate cluster (digits folded, so a changed number still counts)."""
    from classifiers.dedupe import cluster_ids

    groups: dict[int, list[str]] = {}
    for (where, _), cluster in zip(rows, cluster_ids([row["text"] for _, row in rows], threshold=threshold)):
        groups.setdefault(cluster, []).append(where)
    return sorted(" ~ ".join(places) for places in groups.values() if len(places) > 1)


def test_english_scams_never_link_to_real_sites():
    rows = [(where, row) for where, row in corpus_rows() if row["lang"] == "en"]  # intl_tax.jsonl too
    assert len(rows) > 1000
    bad = scam_links_to_real_sites(rows)
    assert not bad, "scam rows that link to a real official or company host:\n" + "\n".join(bad[:40])


def test_en_general_phone_numbers_are_fictional():
    rows = english_rows("en_general.jsonl")
    assert len(rows) >= 1000
    assert [row["id"] for _, row in rows] == [f"en-gen-{i:04d}" for i in range(1, len(rows) + 1)]
    bad = real_looking_phones(rows)
    assert not bad, "numbers outside the fictional ranges (use 07700 900xxx, 555-01xx, or mask them):\n" + "\n".join(bad)


def test_english_files_hold_no_near_copies():
    bad = near_copies(english_rows())
    assert not bad, f"{len(bad)} near-copies among the en_*.jsonl rows (rewrite one of each):\n" + "\n".join(bad[:40])


def test_english_checks_find_what_they_look_for():
    scam = _row(label="scam", category="other_phishing", lang="en")
    assert scam_links_to_real_sites([("f:1", {**scam, "text": "Pay the fee at https://www.royalmail.com/fee now"})])
    assert not scam_links_to_real_sites([("f:1", {**scam, "text": "Royal Mail: pay at royalmail-fee.top/p now"})])
    assert real_looking_phones([("f:1", _row(text="Call 0161 555 8123 today"))]) == ["f:1: 0161 555 8123"]
    assert not real_looking_phones([("f:1", _row(text="Call 07700 900123 or (202) 555-0143, ref 2091-334-77"))])
    texts = ["Your parcel from ASOS will arrive today between 10:05 and 11:05, track it in the app",
             "Your parcel from ASOS will arrive today between 13:40 and 14:40, track it in the app",
             "Dinner is in the oven, back by eight, please do not let the dog out tonight"]
    assert near_copies([(f"f:{i}", _row(text=t)) for i, t in enumerate(texts)]) == ["f:0 ~ f:1"]
