"""Pages are judged on what phishing analysts use, not on keywords (issue #10 item 7).

Hand-written pages run through the scan's analysis of fetched bytes (`analyse_fetched`),
with no model, with a model that calls every text a scam (the worst keyword reader), and
with the fixture model; one clone is crawled end to end from the farm. The rules:
- a word-for-word clone of an official page on a non-official host is flagged even with
  no form (its text is official, its host is not);
- a sign-in page dressed as an authority or a known brand, asking for credentials, is a scam;
- an encyclopedia or news page full of tax, refund, police and password words, with no form,
  no dressing and no lookalike host, is never flagged, whatever the text model says;
- a page in a language the model was not trained on, with no evidence, is unknown;
- an official page is legit, and a news article quoting a lure URL is not a scam.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawlers.fingerprints import Fingerprint, copied_from, official_fingerprints, read_fingerprints, sketch
from crawlers.page import parse_page
from crawlers.scan import scan_url
from crawlers.script import fold_confusables, mixed_script_words, text_language
from fraudwatch.indicators.official import authorities
from tests.crawlers.farm.server import PAGES
from tests.crawlers.judging import codes
from tests.crawlers.judging import judge_page as judge

FLAGGED = {"scam", "suspicious"}
CLONE = (PAGES / "govuk_clone.html").read_bytes()


def always_scam(text: str) -> dict:
    """A text model that calls everything a scam: keywords alone must not decide a page."""
    return {"label": "scam", "scam_score": 0.99, "model_version": "keyword-reader"}


def always_legit(text: str) -> dict:
    return {"label": "legit", "scam_score": 0.01, "model_version": "trusting-reader"}


def article(title: str, paragraph: str, links: int = 40, lang: str = "en") -> bytes:
    """A page shaped like a news or encyclopedia article: a long text and many links."""
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(links))
    body = "".join(f"<p>{paragraph}</p>" for _ in range(12))
    return (f'<html lang="{lang}"><head><title>{title}</title></head><body><ul>{nav}</ul>'
            f"<h1>{title}</h1>{body}</body></html>").encode()


# 1. a clone of official text on a non-official host

@pytest.mark.parametrize("classifier", [None, always_legit, always_scam])
def test_a_govuk_clone_on_github_io_is_a_scam_although_its_text_is_official(classifier):
    report = judge(CLONE, "https://contact-help.github.io/", classifier)
    assert {"copied_official_text", "free_hosting", "brand_on_unofficial"} <= codes(report)
    assert report["verdict"]["label"] == "scam"
    assert report["forms"] == []  # no form needed


def test_a_clone_without_title_or_logo_is_still_suspicious():
    body = CLONE.replace(b"<title>Contact HMRC - GOV.UK</title>", b"<title>Help</title>")
    report = judge(body, "https://contact-help.github.io/", always_legit)
    assert "copied_official_text" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_the_same_page_on_gov_uk_is_legit():
    report = judge(CLONE, "https://www.gov.uk/contact-hmrc", always_scam)
    assert codes(report) == {"official_domain"}
    assert report["verdict"]["label"] == "legit" and report["verdict"]["overridden_by"] == "official_domain"


def test_quoting_two_sentences_of_guidance_is_not_copying_it():
    quote = ("HMRC says: You can also get help with signing in and using HMRC online services, for example if "
             "you’ve lost your user ID, password or activation code.")
    page = parse_page(article("What to do about tax scam e-mails", quote), "https://news.example.co.uk/a")
    assert copied_from(f"{page.title}\n{page.text}") == []


def test_shipped_fingerprints_name_their_source_and_a_registry_authority():
    prints = official_fingerprints()
    assert len(prints) >= 30
    assert all(fp.source.startswith("alphagov/publishing-api@") and fp.url.startswith("https://www.gov.uk/")
               for fp in prints)
    assert {fp.authority for fp in prints} <= set(authorities())
    assert all(12 <= len(fp.hashes) <= 64 for fp in prints)


def test_fingerprints_from_a_file(tmp_path: Path):
    official = "Sign in to your tax account to see your refund. " + " ".join(f"word{n}" for n in range(80))
    hashes = sketch(official)
    path = tmp_path / "prints.csv"
    path.write_text("authority,url,source,hashes\nUK-HMRC,https://www.gov.uk/x,test,"
                    + " ".join(f"{h:016x}" for h in hashes) + "\n", encoding="utf-8")
    prints = read_fingerprints(path)
    assert prints == (Fingerprint("UK-HMRC", "https://www.gov.uk/x", "test", frozenset(hashes)),)
    (found,) = copied_from(f"Welcome! {official} Enter your card below.", prints)
    assert found.share == 1.0
    assert copied_from(official[:200], prints) == []
    assert sketch("too short to fingerprint") is None


# 2. a fake IRS login on a lookalike host, posting elsewhere

FAKE_IRS = b"""<html lang="en"><head><title>IRS - Get Your Refund</title></head><body>
<img src="/img/irs-logo.png" alt="Internal Revenue Service">
<h1>Claim your tax refund</h1><p>Sign in to receive your refund of $1,248.00.</p>
<form action="https://collect-refunds.top/p.php" method="post">
<input name="ssn" placeholder="Social Security Number"><input type="password" name="pw">
<input name="cardnumber"><input name="cvv"></form></body></html>"""


@pytest.mark.parametrize("classifier", [None, always_legit])
def test_a_fake_irs_login_on_a_lookalike_host_posting_elsewhere_is_a_scam(classifier):
    report = judge(FAKE_IRS, "https://irs-gov-refund.com/login", classifier)
    assert {"lookalike_domain", "credential_form_cross_domain", "brand_on_unofficial", "impersonation_form",
            "lone_form"} <= codes(report)
    assert report["verdict"]["label"] == "scam"
    assert report["forms"][0]["cross_domain"] is True


def test_the_same_form_on_a_neutral_host_is_still_a_scam():
    report = judge(FAKE_IRS, "https://secure-login-portal.top/", None)
    assert report["verdict"]["label"] == "scam"


# 3. keywords alone

ENCYCLOPEDIA = ("Tax refund fraud is a crime in which a criminal files a tax return with a stolen identity and "
                "claims the refund. Police and the Internal Revenue Service advise taxpayers never to share a "
                "password, a bank account number or a credit card number; victims may be arrested by mistake, and "
                "the article on phishing explains how fraudsters ask for a verification code.")


@pytest.mark.parametrize("classifier", [None, always_scam, always_legit])
def test_a_keyword_heavy_encyclopedia_page_is_not_flagged(classifier):
    report = judge(article("Tax refund fraud - Wikipedia", ENCYCLOPEDIA, links=120),
                   "https://en.wikipedia.org/wiki/Tax_refund_fraud", classifier)
    assert report["verdict"]["label"] not in FLAGGED
    assert not codes(report) & {"brand_on_unofficial"} or report["verdict"]["site_score"] < 2


def test_the_fixture_model_on_the_encyclopedia_page(clf):
    report = judge(article("Tax refund fraud", ENCYCLOPEDIA, links=120), "https://www.wiki-example.org/Tax",
                   clf.classify)
    assert report["verdict"]["label"] not in FLAGGED
    assert report["verdict"]["text_label"] in {"scam", "spam", "legit"}  # the model was asked


def test_a_news_article_quoting_a_lure_url_is_not_a_scam():
    quote = ("Police warn of texts saying 'HMRC: you are due a tax refund, claim at hmrc-refund.top/login "
             "before midnight'. HMRC never asks for your password or bank details by text.")
    report = judge(article("Warning over fake HMRC refund texts", quote), "https://news.example.co.uk/2024/a",
                   always_scam)
    assert report["verdict"]["label"] not in FLAGGED
    assert report["verdict"]["site_score"] < 2


# 4. languages the model does not know

@pytest.mark.parametrize("title, text, lang", [
    ("Steuererstattung beantragen", "Die Steuererklärung können Sie bequem online einreichen. Ihr Finanzamt "
     "prüft die Angaben und überweist eine Erstattung auf Ihr Konto. Bei Fragen wenden Sie sich an die "
     "Beratungsstelle in Ihrer Stadt.", "other"),
    ("確定申告のお知らせ", "今年の確定申告の受付は三月十五日までです。ご不明な点はお近くの税務署にお問い合わせください。"
     "申告書はオンラインでも提出できます。", "ja"),
])
def test_a_page_in_another_language_with_no_evidence_is_unknown(title, text, lang):
    body = article(title, text, links=30, lang="en")  # a kit's lang="en" does not make the text English
    for classifier in (None, always_legit, always_scam):
        report = judge(body, "https://www.example-verein.de/steuer", classifier)
        assert report["verdict"]["label"] == "unknown"
        assert report["text_language"] == lang
        if classifier:
            assert report["verdict"]["basis"] == "site_signals" and "text_label" not in report["verdict"] or \
                report["verdict"]["text_label"] is None


def test_an_english_page_the_model_reads_as_ordinary_is_legit():
    report = judge(article("Gardening in May", "Sow beans and water the tomatoes in the evening; the roses "
                           "need pruning after they flower and the lawn can be cut once a week."),
                   "https://garden.example.org/may", always_legit)
    assert report["verdict"]["label"] == "legit" and report["verdict"]["text_label"] == "legit"


# 5. official pages

def test_an_official_login_page_is_legit_whatever_the_model_says():
    body = (b'<html><head><title>Sign in - HMRC online services - GOV.UK</title></head><body>'
            b'<form action="/login" method="post"><input name="user_id"><input type="password" name="pw">'
            b"</form></body></html>")
    report = judge(body, "https://www.tax.service.gov.uk/bas-gateway/sign-in", always_scam)
    assert report["verdict"]["label"] == "legit"


# 6. known brands and look-alike letters

PAYPAL = (b'<html><head><title>Log in to your account - PayPal</title></head><body><img src="pp-logo.svg" alt="PayPal">'
          b'<form action="login.php" method="post"><input type="email" name="login_email">'
          b'<input type="password" name="login_password"></form></body></html>')


def test_a_brand_login_clone_is_flagged_and_the_brand_itself_is_not():
    report = judge(PAYPAL, "https://account-review.example.net/webapps/")
    assert {"brand_mismatch", "impersonation_form", "lone_form"} <= codes(report)
    assert report["verdict"]["label"] in FLAGGED
    report = judge(PAYPAL, "https://www.paypal.com/signin")
    assert not codes(report) & {"brand_mismatch", "impersonation_form"}
    assert report["verdict"]["label"] not in FLAGGED


def test_a_headline_naming_a_brand_is_not_a_claim():
    report = judge(article("PayPal fined over account closures, regulator says", "The regulator said the "
                           "payment company closed accounts without notice. " * 3),
                   "https://news.example.co.uk/paypal")
    assert "brand_mismatch" not in codes(report)


def test_words_in_look_alike_letters_are_read_and_counted():
    title = "HΜRC : Tax Refund"  # Greek capital mu
    text = "Ρlease cοmplete the fοrm belοw sο that we can prοcess yοur refund"
    assert fold_confusables(title) == "HMRC : Tax Refund"
    assert fold_confusables("Ukrainian АТО") == "Ukrainian АТО"  # a word wholly in Cyrillic stays
    assert mixed_script_words(text) >= 5 and mixed_script_words("Pусский | Сomment") == 2
    page = parse_page(f"<title>{title}</title><body><p>{text}</p></body>".encode(), "https://x.example.net/")
    assert ("UK-HMRC", "title") in {(c.authority, c.where) for c in page.brand_cues}
    report = judge(f"<title>{title}</title><body><p>{text}</p></body>".encode(), "https://x.example.net/")
    assert "lookalike_letters" in codes(report)


def test_card_fields_outside_any_form_and_in_french_are_read():
    body = ('<html><body><h1>Remboursement</h1><input id="cc" placeholder="Carte de crédit">'
            '<input id="exp" placeholder="Date d\'expiration"><input id="ccv" placeholder="CCV"></body></html>')
    page = parse_page(body.encode(), "https://p.example.net/")
    (form,) = page.forms
    assert form.method == "script" and form.sensitive == ["bank_card", "card_expiry", "cvv"]


@pytest.mark.parametrize("text, lang", [
    ("Please sign in to your account to see the latest news and offers from our shop.", "en"),
    ("请登录您的账户查看最新的纳税信息和退税进度，如有疑问请拨打热线。", "zh"),
    ("Bitte melden Sie sich mit Ihrem Konto an, um die neuesten Nachrichten zu lesen.", "other"),
    ("ok", "und"),
])
def test_text_language(text, lang):
    assert text_language(text) == lang


# 7. end to end: the farm serves a clone of GOV.UK on a github.io host

def test_a_crawled_govuk_clone_is_a_scam_end_to_end(farm, farm_config):
    result = scan_url(farm.url("contact-help.github.io"), farm_config, always_legit)
    assert result["error"] is None and result["http_status"] == 200
    assert {"copied_official_text", "free_hosting"} <= {s["code"] for s in result["site_signals"]}
    assert result["verdict"]["label"] == "scam" and result["verdict"]["text_label"] == "legit"
    assert result["text_language"] == "en"


def _cpu(function, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        function(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("function", [fold_confusables, mixed_script_words, text_language, copied_from],
                         ids=lambda f: f.__name__)
def test_reading_the_script_stays_linear_on_one_endless_word(function):
    """One word of 200,000 letters with a look-alike at its end ("a word containing a
    look-alike" written as one regex retries from every letter: quadratic)."""
    small, big = "税" * 50_000 + "Μa", "税" * 200_000 + "Μa"
    assert _cpu(function, big) < 8 * max(_cpu(function, small), 1e-4)
