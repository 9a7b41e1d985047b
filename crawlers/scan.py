"""Scan one URL: fetch it safely, analyse the page, judge the site, give a verdict.

`scan_url` returns the dict of the `fraudwatch scan --json` contract:
`{"url", "final_url", "http_status", "title", "verdict", "site_signals", "forms",
"error"}` plus evidence fields (content hash, text excerpt, brand cues, ...). A fetch
failure is reported in `error` (with its code); the URL's own signals still count.
`analyse_fetched` is everything done with the fetched bytes (no network but the favicon);
the classifier reads the page without the links of its own site (`classifier_text`).

The verdict adds up the evidence a phishing analyst weighs (crawlers/signals.py,
crawlers/content.py): scam from SCAM_AT, suspicious from SUSPICIOUS_AT. The text model is
one vote among them (`text_vote`), and only for a text in a language it was trained on:
keywords alone never make a page suspicious. A page is legit on an official domain or a
known company's, or when the model reads it as ordinary and nothing counts against it;
anything else, a page in a language the model does not know included, is unknown.
"""
from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from crawlers.content import is_article
from crawlers.errors import FetchError
from crawlers.fetch import FetchConfig, Fetcher, FetchResult
from crawlers.page import Page, favicon_hash, parse_page
from crawlers.signals import Signal, page_signals, url_signals
from fraudwatch.indicators import registrable_domain
from fraudwatch.indicators.hosting import shared_kind
from fraudwatch.indicators.links import find_links
from fraudwatch.indicators.official import clean_host

log = logging.getLogger(__name__)

# Text in, the classifier's output dict out (see the classifier issue's contract).
Classifier = Callable[[str], dict]
SCAM_AT = 4.0
SUSPICIOUS_AT = 2.0
LEGIT_AT = 0.5  # a page the text model reads as ordinary is legit up to this score
MODEL_LANGUAGES = frozenset({"zh", "en"})  # what the text model was trained on
TEXT_SCAM = 1.0
TEXT_LEGIT = 0.0  # an ordinary reading makes a clean page legit; it never cancels evidence
CLASSIFIER_TEXT = 8000
EXCERPT = 1000


def _form_dict(form: Any, page_host: str) -> dict:
    target = form.target(page_host)[1]
    return {"action": form.action, "method": form.method, "asks": form.asks,
            "sensitive": form.sensitive,
            "cross_domain": registrable_domain(target) != registrable_domain(page_host)}


def _label(score: float, codes: set[str], text_label: str | None = None) -> str:
    """The page's label from its evidence: scam and suspicious by score; legit for an
    official domain, or the domain of a known company, or a page the text model reads as
    ordinary in a language it knows, when nothing counts against it; else unknown."""
    if score >= SCAM_AT:
        return "scam"
    if score >= SUSPICIOUS_AT:
        return "suspicious"
    if codes & {"official_domain", "known_site"} and score <= 0:
        return "legit"
    if text_label == "legit" and score <= LEGIT_AT:
        return "legit"
    return "unknown"


def _scores(score: float) -> dict:
    return {"scam_score": round(1 / (1 + math.exp(-(score - SCAM_AT + 1))), 3), "site_score": round(score, 2)}


def _explain(signals: list[Signal]) -> list[str]:
    return [s.detail for s in sorted(signals, key=lambda s: -abs(s.weight))][:8]


def signals_verdict(signals: list[Signal], fetched: bool = True) -> dict:
    """A verdict from site/page signals alone, shaped like the classifier's output."""
    score = sum(s.weight for s in signals)
    note = "no classifier model available: verdict from page and site signals only"
    if not fetched:
        note += " (the page itself could not be fetched)"
    return {"label": _label(score, {s.code for s in signals}), **_scores(score), "basis": "site_signals",
            "note": note, "explanation": _explain(signals)}


def text_vote(classification: dict, language: str, article: bool = False) -> Signal | None:
    """The text model's reading as one signal among the others, and only for a language it
    was trained on: a scam reading weighs +1 (never enough alone), half that on an article
    (the model learnt from messages; long pages full of tax, police and bank words are where
    it errs); an ordinary reading weighs nothing, it only lets a page with nothing against
    it be called legit."""
    if language not in MODEL_LANGUAGES:
        return None
    label = classification.get("label")
    if label == "scam":
        return Signal("text_model", TEXT_SCAM / 2 if article else TEXT_SCAM,
                      f"the text model reads the text as a scam (score {classification.get('scam_score')})")
    if label == "legit":
        return Signal("text_model", TEXT_LEGIT, "the text model reads the text as ordinary")
    return None


def combined_verdict(classification: dict, signals: list[Signal], language: str = "en",
                     article: bool = False) -> dict:
    """The page's verdict from its signals, the text model's reading (`classification`) being
    one vote (`text_vote`); the model's own fields are kept, its label as `text_label`."""
    vote = text_vote(classification, language, article)
    counted = signals + ([vote] if vote else [])
    score = sum(s.weight for s in counted)
    text_label = classification.get("label")
    label = _label(score, {s.code for s in signals}, text_label if vote else None)
    verdict = {**classification, "label": label, "text_label": text_label, "text_language": language,
               "text_scam_score": classification.get("scam_score"), **_scores(score),
               "basis": "classifier+site_signals" if vote else "site_signals",
               "explanation": _explain(counted)}
    if not vote:
        verdict["note"] = (f"the text is in a language the model was not trained on ({language}): "
                           "verdict from page and site signals only")
    if vote and label != text_label:
        official = "official_domain" in {s.code for s in signals}
        verdict["overridden_by"] = "official_domain" if official and label == "legit" else "site_signals"
    return verdict


def _classify(classifier: Classifier | None, page: Page | None, signals: list[Signal],
              fetched: bool) -> dict:
    if classifier is None or page is None:
        return signals_verdict(signals, fetched)
    if page.text_language not in MODEL_LANGUAGES:
        return combined_verdict({}, signals, page.text_language)
    try:
        result = classifier(classifier_text(page))
    except Exception as exc:  # a broken model must not lose the scan
        log.exception("classifier failed on %s", page.url)
        verdict = signals_verdict(signals, fetched)
        verdict["note"] = f"classifier failed ({type(exc).__name__}): verdict from signals only"
        return verdict
    return combined_verdict(result, signals, page.text_language, is_article(page))


def classifier_text(page: Page) -> str:
    """Title and text for the classifier, without the links and e-mail addresses of the
    page's own site. The classifier reads every link as a destination to judge, and a link
    it does not know as a reason for suspicion ("non-government link"); a page naming
    itself (www.xinhuanet.com in its footer, news@ its own domain) sends nobody anywhere.
    The site itself is judged by its signals (official, lookalike, hosting)."""
    text = f"{page.title}\n{page.text[:CLASSIFIER_TEXT]}"
    host = clean_host(page.url)
    if not host:
        return text
    pieces, end = [], 0
    for kind, start, stop in find_links(text):
        written = text[start:stop]
        if own_site(host, clean_host(written.rsplit("@", 1)[-1] if kind == "email" else written)):
            pieces.append(text[end:start])
            end = stop
    return "".join(pieces) + text[end:] if pieces else text


def own_site(page_host: str, host: str) -> bool:
    """Whether `host` belongs to the site of `page_host`: the same host, or the same
    registrable domain unless that domain is shared by many sites (a platform such as
    sites.google.com; free hosts like *.github.io are registrable per site already)."""
    if not host:
        return False
    if host == page_host:
        return True
    return (registrable_domain(host) == registrable_domain(page_host)
            and shared_kind(page_host) != "platform")


def _favicon(fetcher: Fetcher, page: Page) -> None:
    if page.favicon_hash or not page.favicon_url:
        return
    try:
        res = fetcher.fetch(page.favicon_url, allowed_types=("image/*", "application/octet-stream"),
                            max_body=100_000)
    except FetchError as exc:
        log.debug("no favicon for %s: %s", page.url, exc.code)
        return
    if res.status == 200 and res.body:
        page.favicon_hash = favicon_hash(res.body)


def page_report(url: str, res: FetchResult, page: Page, signals: list[Signal]) -> dict:
    """The evidence fields of a fetched page."""
    host = (urlsplit(page.url).hostname or "").lower()
    return {"url": url, "final_url": res.final_url, "http_status": res.status, "title": page.title,
            "site_signals": [s.as_dict() for s in signals],
            "forms": [_form_dict(f, host) for f in page.forms], "error": None,
            "redirects": res.redirects, "language": page.language, "text_language": page.text_language,
            "encoding": page.encoding,
            "content_hash": hashlib.sha256(res.body).hexdigest(),
            "text_excerpt": page.text[:EXCERPT],
            "brand_cues": [{"authority": c.authority, "cue": c.cue, "where": c.where}
                           for c in page.brand_cues],
            "downloads": page.downloads, "scripts": page.scripts[:20],
            "favicon_hash": page.favicon_hash, "links": len(page.links)}


def scan_page(url: str, fetcher: Fetcher, classifier: Classifier | None = None,
              favicon: bool = True) -> tuple[dict, Page | None]:
    """The scan result and the parsed page (None when the fetch failed); never raises FetchError."""
    try:
        res = fetcher.fetch(url)
    except FetchError as exc:
        signals = _safe_url_signals(url)
        return {"url": url, "final_url": exc.url, "http_status": None, "title": None,
                "verdict": _classify(None, None, signals, fetched=False),
                "site_signals": [s.as_dict() for s in signals], "forms": [],
                "error": exc.as_dict()}, None
    return analyse_fetched(url, res, classifier, fetcher if favicon else None)


def analyse_fetched(url: str, res: FetchResult, classifier: Classifier | None = None,
                    fetcher: Fetcher | None = None) -> tuple[dict, Page]:
    """Everything a scan does with a fetched page: parse, site and page signals, evidence,
    verdict. The network is used only for the favicon, and only when given a `fetcher`."""
    page = parse_page(res.body, res.final_url, res.charset)
    if fetcher is not None:
        _favicon(fetcher, page)
    signals = url_signals(url, res.final_url, res.had_credentials) + page_signals(page)
    report = page_report(url, res, page, signals)
    report["verdict"] = _classify(classifier, page, signals, fetched=True)
    return report, page


def scan_url(url: str, config: FetchConfig | None = None, classifier: Classifier | None = None,
             *, fetcher: Fetcher | None = None, favicon: bool = True) -> dict:
    """Fetch and analyse `url`; never raises for a fetch failure (see `error`)."""
    own = fetcher is None
    fetcher = fetcher or Fetcher(config)
    try:
        return scan_page(url, fetcher, classifier, favicon)[0]
    finally:
        if own:
            fetcher.close()


def _safe_url_signals(url: str) -> list[Signal]:
    try:
        return url_signals(url)
    except (ValueError, UnicodeError):
        return []
