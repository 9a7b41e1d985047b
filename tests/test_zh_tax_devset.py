"""The Chinese tax development set bench/devset/zh_tax_dev.jsonl (README_zh_tax_dev.md):
well-formed, the counts the README states, no real personal data, scam links never on an
official or real company domain, legit official notices only on official domains, and no row a
near-copy of a training corpus row (character 5-gram Jaccard < 0.5 against every row of
data/corpus/*.jsonl, computed here through an inverted index of hashed 5-grams; only counts are
reported, never corpus text).

Fast (no model): the set is read once and the corpus once, well under 10 s.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "bench" / "devset" / "zh_tax_dev.jsonl"
CORPUS_DIR = ROOT / "data" / "corpus"

KEYS = {"id", "text", "label", "kind", "channel", "authority"}
CHANNELS = {"sms", "im", "email", "web"}
AUTHORITIES = {"CN-STA", "HK-IRD", "TW-MOF", "MO-DSF", None}
# Minimum rows of each legit kind (the README gives the exact counts of the last commit).
LEGIT_KINDS = {
    "official_notice": 40,
    "enforcement": 35,
    "benign_link": 70,
    "warning_quotes_lure": 35,
    "accountant_chat": 30,
    "news": 20,
    "hk_tw_mo": 30,
}
SCAM_KINDS = {
    "scam_refund_link", "scam_portal", "scam_audit_threat", "scam_fee",
    "scam_invoice_plugin", "scam_subsidy", "scam_chat",
}
MIN_LEGIT, MIN_SCAM = 260, 120
MIN_LEN, MAX_LEN = 15, 400
NEAR_COPY = 0.5

# Government suffixes: a scam row must never link to them.
OFFICIAL_SUFFIXES = ("gov.cn", "gov.hk", "gov.tw", "gov.mo")
# Real domains of the banks, vendors, cloud, news and shopping sites named by legit rows. A scam row
# must not link to any of them, and every link of a benign_link row must be one of them or official.
REAL_DOMAINS = {
    "cmbchina.com", "icbc.com.cn", "ccb.com", "bankcomm.com", "boc.cn", "spdb.com.cn", "cib.com.cn",
    "psbc.com", "citicbank.com", "pingan.com", "nuonuo.com", "jd.com", "12306.cn", "baiwang.com",
    "docs.qq.com", "pan.baidu.com", "aisino.com", "kingdee.com", "yonyou.com", "news.qq.com",
    "thepaper.cn", "xinhuanet.com", "servyou.com.cn", "feishu.cn", "taobao.com", "meituan.com",
    "xinrenxinshi.com", "kdocs.cn", "pinduoduo.com", "finance.sina.com.cn", "share.weiyun.com",
    "apple.com", "10086.cn", "finance.people.com.cn", "pan.quark.cn", "189.cn", "hsbc.com.hk",
    "hangseng.com", "bochk.com", "cathaybk.com.tw", "bnu.com.mo",
}
# Host names in text: ASCII labels with a dot and a letter TLD, optionally after a scheme.
_HOST = re.compile(r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,12})(?![a-z0-9-])", re.I)
_IP_URL = re.compile(r"https?://(\d{1,3}(?:\.\d{1,3}){3})|(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?=[:/])")
_DOC_NETS = ("203.0.113.", "198.51.100.", "192.0.2.")
# Unmasked personal data: mainland mobile numbers, ID-card numbers, bank-card numbers, e-mail users.
_MOBILE = re.compile(r"(?<![\d])1[3-9]\d{9}(?!\d)")
_LONG_DIGITS = re.compile(r"\d{12,}")
_CARD_GROUPS = re.compile(r"\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}")
_HK_MOBILE = re.compile(r"\+852\s?[5-9]\d{3}\s?\d{4}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+*-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_FILE_EXT = ("exe", "apk", "zip", "rar", "pdf", "xlsx", "png", "htm", "html", "shtml")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with DEVSET.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _hosts(text: str) -> set[str]:
    """Host names linked or named in a text (e-mail addresses and file names left out)."""
    hosts = set()
    for match in _HOST.finditer(_EMAIL.sub(" ", text)):
        host = match.group(1).lower()
        if host.rsplit(".", 1)[-1] in _FILE_EXT:  # a file name (setup.exe, 发票.zip), not a host
            continue
        hosts.add(host)
    return hosts


def _under(host: str, domains) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def test_rows_follow_the_schema(rows):
    assert rows, "empty development set"
    for number, row in enumerate(rows, 1):
        assert set(row) == KEYS, row["id"]
        assert row["id"] == f"zhtax-{number:04d}", "ids are zhtax-0001.. in file order"
        assert isinstance(row["text"], str) and row["text"] == row["text"].strip(), row["id"]
        assert row["label"] in {"legit", "scam"}, row["id"]
        assert row["channel"] in CHANNELS, row["id"]
        assert row["authority"] in AUTHORITIES, row["id"]
        kinds = LEGIT_KINDS if row["label"] == "legit" else SCAM_KINDS
        assert row["kind"] in kinds, (row["id"], row["kind"])
        assert MIN_LEN <= len(row["text"]) <= MAX_LEN, (row["id"], len(row["text"]))
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows), "duplicate text"


def test_counts(rows):
    labels = Counter(r["label"] for r in rows)
    assert labels["legit"] >= MIN_LEGIT and labels["scam"] >= MIN_SCAM, labels
    kinds = Counter(r["kind"] for r in rows)
    for kind, floor in LEGIT_KINDS.items():
        assert kinds[kind] >= floor, (kind, kinds[kind])
    for kind in SCAM_KINDS:
        assert kinds[kind] >= 8, (kind, kinds[kind])
    # Hong Kong, Taiwan and Macao are covered on both sides.
    for code in ("HK-IRD", "TW-MOF", "MO-DSF"):
        assert any(r["authority"] == code and r["label"] == "legit" for r in rows), code
        assert any(r["authority"] == code and r["label"] == "scam" for r in rows), code
    lengths = [len(r["text"]) for r in rows]
    assert min(lengths) <= 25 and max(lengths) >= 300, "the set spans short and long texts"


def test_authority_is_only_on_bureau_rows(rows):
    for row in rows:
        if row["kind"] in {"official_notice", "enforcement"}:
            assert row["authority"] == "CN-STA", row["id"]
        if row["kind"] in {"benign_link", "accountant_chat", "news"}:
            assert row["authority"] is None, row["id"]


def test_no_real_personal_data(rows):
    for row in rows:
        text = row["text"]
        assert not _MOBILE.search(text), (row["id"], "unmasked mobile number")
        assert not _LONG_DIGITS.search(text), (row["id"], "unmasked card, ID or account number")
        assert not _CARD_GROUPS.search(text), (row["id"], "unmasked card number")
        assert not _HK_MOBILE.search(text), (row["id"], "unmasked Hong Kong mobile number")
        for match in _EMAIL.finditer(text):
            user = text[match.start():match.end()].split("@", 1)[0]
            assert "*" in user or "x" in user.lower() or user.lower() in {"it", "notice", "tax"}, (row["id"], "e-mail user")


def test_scam_links_are_never_official_or_real(rows):
    scam_hosts = 0
    for row in rows:
        if row["label"] != "scam":
            continue
        for host in _hosts(row["text"]):
            scam_hosts += 1
            assert not _under(host, OFFICIAL_SUFFIXES), (row["id"], host)
            assert not _under(host, REAL_DOMAINS), (row["id"], host)
        for match in _IP_URL.finditer(row["text"]):
            ip = match.group(1) or match.group(2)
            assert ip.startswith(_DOC_NETS), (row["id"], "IP outside the documentation ranges")
    assert scam_hosts >= 60, scam_hosts


def test_legit_links_go_where_the_sender_is(rows):
    """An official notice or enforcement notice links only to official domains; a benign_link,
    accountant or news row only to official domains or the real domain of the company it names."""
    for row in rows:
        if row["label"] != "legit" or row["kind"] in {"warning_quotes_lure", "hk_tw_mo"}:
            continue  # warnings quote invented lure URLs on purpose
        for host in _hosts(row["text"]):
            if row["kind"] in {"official_notice", "enforcement"}:
                assert _under(host, ("chinatax.gov.cn",)), (row["id"], host)
            else:
                assert _under(host, OFFICIAL_SUFFIXES) or _under(host, REAL_DOMAINS), (row["id"], host)
    for row in rows:
        if row["kind"] == "hk_tw_mo" and row["authority"] is not None and "防" not in row["text"]:
            for host in _hosts(row["text"]):
                assert _under(host, OFFICIAL_SUFFIXES), (row["id"], host)


def _grams(text: str) -> set[int]:
    compact = "".join(text.split())
    if len(compact) < 5:
        return {hash(compact)}
    return {hash(compact[i:i + 5]) for i in range(len(compact) - 4)}


def test_no_near_copy_of_a_corpus_row(rows):
    index: dict[int, list[int]] = defaultdict(list)
    sizes: list[int] = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                grams = _grams(json.loads(line)["text"])
                number = len(sizes)
                sizes.append(len(grams))
                for gram in grams:
                    index[gram].append(number)
    assert sizes, "no corpus rows found"
    worst, near = 0.0, []
    for row in rows:
        grams = _grams(row["text"])
        shared = Counter()
        for gram in grams:
            shared.update(index.get(gram, ()))
        for number, common in shared.items():
            jaccard = common / (len(grams) + sizes[number] - common)
            worst = max(worst, jaccard)
            if jaccard >= NEAR_COPY:
                near.append((row["id"], round(jaccard, 2)))
    assert not near, f"near-copies of corpus rows (ids, Jaccard): {near}"
    assert worst < NEAR_COPY
