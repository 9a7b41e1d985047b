"""Near-duplicate clusters (classifiers/dedupe.py) and the held-out splits built on them."""
from __future__ import annotations

import itertools
import json
import random
import string

import pytest

from classifiers.corpus import load_corpus, split_buckets, text_bucket
from classifiers.dedupe import (
    THRESHOLD,
    cluster_bucket,
    cluster_ids,
    fold,
    in_cluster_with,
    shingle_size,
)
from classifiers.evaluate import held_out_mask
from tests.linear import TEXT_UNITS, repeat_to, work

NEAR_COPIES = [
    ("Call 0800123 now to claim your tax refund of 305.96", "call 0800999 now to claim your tax refund of 120.00"),
    ("HMRC: you are due a refund. Visit https://hmrc-refund.top/claim?id=Ab12 to claim it today",
     "HMRC: you are due a refund. Visit https://hmrc-refund.top/x/Zz9 to claim it today"),
    ("Your parcel is on hold, pay the 1.99 fee at royal-mail.help/pay within 24 hours",
     "Your parcel is on hold, please pay the 2.99 fee at royal-mail.help/p2 within 48 hours"),
    ("【国家税务总局】您的个人所得税退税xx元待领取，请登录tuishui.top办理",
     "【国家税务总局】您的个人所得税退税xxxx元待领取，请登录tuishui.top/abc办理"),
    ("您好，三月x号，东门超市奶粉x.x折，满xxx返xx元购物卡，欢迎惠顾！", "您好，三月x号，东门超市奶粉x.x折，满xxx返xx元购物卡，欢迎光临！"),
    ("See you at dinner tonight, I'll bring the wine", "see  you at DINNER tonight, I'll bring the wine!!"),
    ("退税请点击链接领取补贴", "退.税请点击链接领取补贴"),  # obfuscation undone by normalize_text
    ("ＨＭＲＣ ｒｅｆｕｎｄ ｎｏｗ ｃｌａｉｍ ｉｔ ａｔ ｈｍｒｃ．ｔｏｐ", "HMRC refund now claim it at hmrc.top"),
]
DIFFERENT = [
    "Call 0800123 now to claim your tax refund of 305.96",
    "Your parcel is on hold, pay the 1.99 fee at royal-mail.help/pay within 24 hours",
    "See you at dinner tonight, I'll bring the wine",
    "Your self assessment tax return is due by 31 January; log in to your HMRC online account yourself",
    "Reminder: your dentist appointment is on Tuesday at 10:30",
    "【国家税务总局】您的个人所得税退税xx元待领取，请登录tuishui.top办理",
    "【国家税务总局深圳市税务局】请于本月15日前通过电子税务局完成申报，咨询请拨打12366",
    "今天天气很好我们去公园散步吧",
    "晚上一起吃饭吗？我订了七点的位子",
    "hi", "ok", "", "0", "退税",
]


def _partition(texts: list[str], ids: list[int]) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for text, cid in zip(texts, ids):
        groups.setdefault(cid, set()).add(text)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("a, b", NEAR_COPIES)
def test_near_copies_cluster_together(a, b):
    ids = cluster_ids([a, *DIFFERENT[5:], b])
    assert ids[0] == ids[-1]


def test_different_texts_do_not():
    ids = cluster_ids(DIFFERENT)
    assert len(set(ids)) == len(DIFFERENT)


def test_ids_count_in_order_of_first_appearance():
    assert cluster_ids(["b text here", "a other one", "b text here", "c third text"]) == [0, 1, 0, 2]
    assert cluster_ids([]) == []


def test_fold_digits_masks_and_link_paths():
    assert fold("Call 0800 123 4567 or visit WWW.Tax-Refund.top/claim/Ab12?x=1 now") == \
        "call 0 0 0 or visit www.tax-refund.top/ now"
    assert fold("退税xx元，x月x日前") == "退税0元,0月0日前"  # NFKC folds the full-width comma
    assert fold("box of xxx and taxes") == "box of 0 and taxes"  # x inside a word stays
    assert shingle_size(fold("今天天气很好 ok")) == 3 and shingle_size(fold("hello 你")) == 5


def _mutate(text: str, rng: random.Random, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        chars[rng.randrange(len(chars))] = rng.choice(string.ascii_lowercase)
    return "".join(chars)


def _jaccard(a: str, b: str) -> float:
    def shingles(text: str) -> set[str]:
        folded = fold(text)
        k = shingle_size(folded)
        return {folded[i:i + k] for i in range(len(folded) - k + 1)} or {folded}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_agrees_with_exact_jaccard():
    """Pairs at exact Jaccard >= 0.85 share a cluster; pairs in one cluster are (through a chain) similar."""
    rng = random.Random(7)
    words = ["tax", "refund", "account", "pay", "today", "link", "verify", "bank", "parcel", "fee", "dinner",
             "meeting", "invoice", "office", "friend", "train", "weekend", "call", "code", "holiday"]
    bases = [" ".join(rng.choice(words) for _ in range(14)) for _ in range(40)]
    texts = [_mutate(b, rng, rng.randrange(0, 4)) for b in bases for _ in range(4)]
    ids = cluster_ids(texts)
    for i, j in itertools.combinations(range(len(texts)), 2):
        similarity = _jaccard(texts[i], texts[j])
        if similarity >= 0.85:
            assert ids[i] == ids[j], (texts[i], texts[j], similarity)
        if similarity < 0.3 and ids[i] == ids[j]:  # only through a chain of near-copies
            chain = [k for k in range(len(texts)) if ids[k] == ids[i]]
            assert any(_jaccard(texts[i], texts[k]) >= THRESHOLD - 0.15 for k in chain if k != i)


def test_whole_clusters_in_one_bucket_and_singletons_keep_sha1():
    texts = [t for pair in NEAR_COPIES for t in pair] + DIFFERENT
    ids = cluster_ids(texts)
    for mod, salt in [(5, ""), (10, "|val"), (3, "")]:
        buckets = cluster_bucket(texts, mod, salt)
        for cid in set(ids):
            assert len({b for b, c in zip(buckets, ids) if c == cid}) == 1
        for text, cid, bucket in zip(texts, ids, buckets):
            if ids.count(cid) == 1:
                assert bucket == text_bucket(text + salt, mod)
    assert split_buckets(texts, 5, "sha1", "|v") == [text_bucket(t + "|v", 5) for t in texts]
    assert split_buckets(texts, 5) == cluster_bucket(texts, 5)
    with pytest.raises(ValueError, match="unknown split"):
        split_buckets(texts, 5, "md5")


def test_deterministic_and_independent_of_order_and_copies(fixture_corpus):
    texts = [r["text"] for r in load_corpus(fixture_corpus)] + [t for pair in NEAR_COPIES for t in pair]
    first = cluster_ids(texts)
    assert cluster_ids(texts) == first and cluster_bucket(texts, 5) == cluster_bucket(texts, 5)
    shuffled = texts[::-1] + texts[:10]
    assert _partition(shuffled, cluster_ids(shuffled)) == _partition(texts, first)


def test_odd_inputs():
    odd = ["", " ", "\x00\u200b", "\ud800 lone surrogate", "a", "税", "x" * 3, "🙂" * 10, "\n\n\n", "١٢٣ arabic digits"]
    ids = cluster_ids(odd)
    assert len(ids) == len(odd)
    assert ids[0] == ids[1] == ids[2]  # all fold to nothing
    huge = "pay the tax now " * 100_000  # 1.6 MB: read as the classifier does (normalize_text's bounds)
    assert cluster_ids([huge, huge[:50_000], "hello"])[:2] == [0, 0]
    with pytest.raises(ValueError):
        cluster_ids(["ok", None])


def test_in_cluster_with():
    assert in_cluster_with([0, 0, 1, 2, 2], [True, False, False, False, False]) == [True, True, False, False, False]


@pytest.mark.slow
@pytest.mark.parametrize("unit", list(dict.fromkeys(TEXT_UNITS)))
def test_linear_in_a_long_hostile_text(unit):
    ratio, growth = work(lambda text: cluster_ids([text]), repeat_to(unit, 5_000), repeat_to(unit, 20_000),
                         max_ratio=200, max_growth=8)
    assert ratio < 200 and growth < 8, (unit, ratio, growth)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["one template", "identical", "random", "short"])
def test_linear_in_the_number_of_texts(kind):
    rng = random.Random(3)

    def texts(n: int) -> str:
        def word() -> str:
            return "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        make = {"one template": lambda: f"please pay the tax now or face arrest {word()}",
                "identical": lambda: "please pay the tax now or face arrest",
                "random": lambda: " ".join(word() for _ in range(6)),
                "short": lambda: rng.choice(string.ascii_lowercase)}[kind]
        return "\n".join(make() for _ in range(n))

    # One-letter texts: the per-text cost dwarfs the reference scan of 2 characters a text, so
    # the constant-factor bound is looser there; growth (the linearity) is held to the same 8.
    max_ratio = 400 if kind == "short" else 200
    ratio, growth = work(lambda joined: cluster_ids(joined.split("\n")), texts(2_000), texts(8_000),
                         max_ratio=max_ratio, max_growth=8)
    assert ratio < max_ratio and growth < 8, (kind, ratio, growth)


def _model_meta(tmp_path, corpus_rows: list[dict], extra_rows: list[tuple[str, str]], mod: int | None) -> dict:
    from classifiers.corpus import data_hash

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus_rows), encoding="utf-8")
    extra = tmp_path / "extra.csv"
    extra.write_text("label,text\n" + "".join(f'{label},"{text}"\n' for label, text in extra_rows), encoding="utf-8")
    return {"holdout_mod": mod, "split": "cluster", "label_map": {"1": "scam", "0": "legit"},
            "data": [{"file": str(corpus), "sha256": data_hash([corpus]), "extra": False},
                     {"file": str(extra), "sha256": data_hash([extra]), "extra": True}]}


def test_held_out_rows_have_no_near_copy_in_training(tmp_path):
    rng = random.Random(11)
    families = [" ".join("".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(12))
                for _ in range(60)]
    extra = [(str(i % 2), _mutate(f, rng, 1)) for i, f in enumerate(families) for _ in range(3)]
    corpus = [{"text": _mutate(f, rng, 1), "label": "legit"} for f in families[:20]]
    meta = _model_meta(tmp_path, corpus, extra, 5)
    texts = [t for _, t in extra]
    union = [r["text"] for r in corpus] + texts
    trained = [b != 0 for b in split_buckets(union, 5)]
    ids = cluster_ids(union)
    near_trained = in_cluster_with(ids, trained)[len(corpus):]
    held = held_out_mask(texts, 5, "cluster", meta)
    assert 0 < sum(held) < len(texts)
    assert not any(h and n for h, n in zip(held, near_trained))
    sha1_held = held_out_mask(texts, 5, "sha1", meta)
    assert sha1_held == [text_bucket(t, 5) == 0 for t in texts]
    assert any(h and n for h, n in zip(sha1_held, near_trained))  # the sha1 split leaks near-copies

    # A file the model never read: its near-copies of trained rows are not held out, whatever their bucket.
    unseen = [_mutate(f, rng, 1) for f in families] + ["a message unlike any other, about a garden party"]
    mask = held_out_mask(unseen, 5, "cluster", meta)
    assert mask[-1] == (text_bucket(unseen[-1], 5) == 0)
    union2 = union + unseen
    seen2 = in_cluster_with(cluster_ids(union2), trained + [False] * len(unseen))[len(union):]
    assert not any(m and s for m, s in zip(mask, seen2)) and any(seen2)

    # A model trained on everything holds out only rows with no near-copy in its data.
    everything = _model_meta(tmp_path, corpus, extra, None)
    assert held_out_mask(unseen, 5, "cluster", everything) == [False] * len(families) + [mask[-1]]


def test_held_out_needs_the_training_files(tmp_path):
    meta = _model_meta(tmp_path, [{"text": "hello there", "label": "legit"}], [("1", "pay now at x.top")], 5)
    (tmp_path / "extra.csv").write_text("label,text\n1,changed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing or has changed"):
        held_out_mask(["pay now at x.top"], 5, "cluster", meta)
    assert held_out_mask(["pay now at x.top"], 5, "sha1", meta) == [text_bucket("pay now at x.top", 5) == 0]
