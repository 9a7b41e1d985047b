"""Training end to end on the fixture corpus, the model folder round trip, and the output contract."""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from classifiers.corpus import CATEGORIES
from classifiers.model import default_model_dir, load_model
from classifiers.train import train_model

FIELDS = {"label", "scam_score", "spam_score", "tax_impersonation", "authority", "category", "signals",
          "explanation", "model_version", "truncated"}


def test_model_folder_is_data_only(model_dir):
    assert {p.name for p in model_dir.iterdir()} == {"meta.json", "metrics.json", "terms.json", "weights.npz"}
    meta = json.loads((model_dir / "meta.json").read_text())
    assert meta["format"] == "fraudwatch-linear/1" and 0 < meta["thresholds"]["flag"] < 1
    assert meta["data"] and all(len(d["sha256"]) == 64 for d in meta["data"])
    with zipfile.ZipFile(model_dir / "weights.npz") as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())
    with np.load(model_dir / "weights.npz", allow_pickle=False) as data:  # no object arrays inside
        assert all(data[k].dtype != object for k in data.files)


def test_round_trip_gives_same_results(model_dir, clf):
    again = load_model(model_dir)
    text = "HMRC: claim your £300 tax refund at hmrc-refund.top"
    assert again.version == clf.version
    assert again.classify(text) == clf.classify(text)


def test_output_contract(clf):
    result = clf.classify("【税务局】您有一笔退税款，请点击 etax-gov.top 填写银行卡号和验证码")
    assert set(result) >= FIELDS
    assert result["label"] in ("scam", "spam", "legit")
    assert 0 <= result["scam_score"] <= 1 and 0 <= result["spam_score"] <= 1
    assert result["category"] in CATEGORIES
    assert result["model_version"] == clf.version
    assert all({"name", "text", "start", "end"} <= set(s) for s in result["signals"])
    assert all({"feature", "weight"} == set(e) for e in result["explanation"])


def test_fixture_model_learns_the_obvious(clf):
    scam = clf.classify("【国家税务总局】您的个税退税款1500元待领取，请24小时内登录 tuishui-gov.top 输入银行卡号和验证码")
    assert scam["label"] == "scam" and scam["tax_impersonation"] and scam["authority"] == "CN-STA"
    legit = clf.classify("【国家税务总局广州市税务局】请通过个人所得税App自行办理年度汇算，税务部门不会以短信发送链接，咨询请拨12366。")
    assert legit["label"] == "legit" and legit["category"] == "none" and legit["authority"] is None


@pytest.mark.parametrize("text", ["", " ", "a" * 1_000_000, "\x00\x01\x02\x1b[31m", "\ufffd" * 300 + "abc",
                                  "\udcff\udcfe junk", "😀" * 50, "退" * 30_000])
def test_edge_inputs_never_crash(clf, text):
    result = clf.classify(text)
    assert set(result) >= FIELDS
    assert result == clf.classify_many([text])[0]


def test_long_text_is_truncated_and_says_so(clf):
    result = clf.classify("tax refund " * 10_000)
    assert result["truncated"] is True
    assert any(s["name"] == "truncated" for s in result["signals"])


def test_binary_junk_is_unreadable_not_scam(clf):
    result = clf.classify(bytes(range(256)).decode("utf-8", errors="replace") * 4)
    assert result["label"] == "legit"
    assert any(s["name"] == "unreadable" for s in result["signals"])


def test_non_str_is_value_error(clf):
    with pytest.raises(ValueError):
        clf.classify(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        clf.classify_many(["ok", b"bytes"])  # type: ignore[list-item]


def test_batch_with_empty_texts_anywhere(clf):
    texts = ["", "HMRC refund at hmrc-refund.top", "", "hello", ""]
    assert clf.classify_many(texts) == [clf.classify(t) for t in texts]
    assert clf.classify_many([]) == []


def test_single_and_batch_agree_on_fixture(clf, fixture_corpus):
    texts = [json.loads(line)["text"] for path in fixture_corpus.glob("*.jsonl") for line in path.open()]
    assert [clf.classify(t) for t in texts] == clf.classify_many(texts)


def test_inference_tfidf_matches_sklearn(fixture_corpus):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from classifiers.features import Vectorizer, analyze
    texts = [json.loads(line)["text"].lower() for path in fixture_corpus.glob("*.jsonl") for line in path.open()]
    vec = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, dtype=np.float32).fit(texts)
    terms = [t for t, _ in sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])]
    ours = Vectorizer(terms, vec.idf_).transform(texts)
    assert np.allclose(ours.toarray(), vec.transform(texts).toarray(), atol=1e-5)


def test_train_rejects_empty(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ValueError):
        train_model([tmp_path], tmp_path / "m")


def test_train_with_extra_csv_and_label_map(tmp_path, fixture_corpus):
    extra = tmp_path / "extra.csv"
    extra.write_text("label,text\n0,明天一起吃饭吧\n1,全场五折优惠 回T退订\nham,see you soon\nweird,skipped\n",
                     encoding="utf-8")
    metrics = train_model([fixture_corpus], tmp_path / "m", extra=[extra], label_map="0=legit,1=spam_or_scam",
                          progress=lambda s, f: None)
    assert metrics["rows"] >= 59 and "summary" in metrics
    assert load_model(tmp_path / "m", warm=False).classify_many(["hi"])[0]["label"] in ("legit", "spam", "scam")


def test_load_missing_model_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path)


def test_default_model_dir(tmp_path):
    assert default_model_dir(tmp_path) == tmp_path / "models" / "current"


@pytest.mark.parametrize("text", ["代开发票：住宿费，餐饮费，办公用品，会议费，增值税普通发票、专用发票均可",
                                  "长期代开各行业正规发票，点数低，可验证后付款"])
def test_invoice_offers_are_spam_invoice_selling(clf, text):
    result = clf.classify(text)
    assert result["label"] in ("spam", "scam")
    if result["label"] == "spam":
        assert result["category"] == "invoice_selling"


def test_invoice_news_is_not_an_offer(clf):
    result = clf.classify("新闻：税务部门联合公安机关打击虚开发票犯罪，查处了一批“代开发票”团伙，提醒纳税人谨防诈骗。")
    names = {s["name"] for s in result["signals"]}
    assert "invoice_offer" in names and names & {"narrative", "never_ask"}  # so the offer rule stays off


def test_scores_are_plain_rounded_floats(clf):
    result = clf.classify("HMRC refund at hmrc-refund.top")
    for key in ("scam_score", "spam_score"):
        assert isinstance(result[key], float) and round(result[key], 4) == result[key]


def test_retraining_replaces_the_folder_cleanly(tmp_path, fixture_corpus):
    target = tmp_path / "models" / "current"
    train_model([fixture_corpus], target, progress=lambda s, f: None)
    first = load_model(target, warm=False).version
    train_model([fixture_corpus], target, seed=14, progress=lambda s, f: None)
    assert load_model(target, warm=False).version  # a complete model is there
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["current"]  # no temp or old folders left
    assert first


def test_a_model_replaces_a_folder_holding_a_subfolder(model_dir, tmp_path):
    import shutil

    from classifiers.model import save_model

    target = tmp_path / "m"
    shutil.copytree(model_dir, target)
    (target / "model").mkdir()  # e.g. left there by another tool
    (target / "model" / "x.json").write_text("{}")
    clf = load_model(model_dir)
    arrays = dict(np.load(model_dir / "weights.npz", allow_pickle=False))
    save_model(target, clf.meta, clf.vectorizer.terms, arrays, {"note": "replaced"})
    assert not (target / "model").exists()
    assert load_model(target).version == clf.version
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folder left behind
