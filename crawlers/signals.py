"""Site signals: what a page's URL, domain and forms say, with weights and reasons.

A positive weight is suspicious, a negative one reassuring. The domain, never the
address it was served from, is judged: official-domain allowlist and lookalikes come
from `fraudwatch.indicators.official.judge_host`; the rest (authority name in a subdomain, IP
hosts, punycode and homoglyphs, free hosting, new TLDs, credentials in the URL, the
domain of a known company, credential forms and where they post) is decided here; what
the page shows (dressing, copied text, look-alike letters, downloads) in crawlers/content.py.
"""
from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

from crawlers.content import content_signals, is_article
from crawlers.forms import Form
from crawlers.page import Page
from crawlers.signal import Signal
from fraudwatch.indicators import registrable_domain, unicode_host
from fraudwatch.indicators.hosting import shared_kind
from fraudwatch.indicators.hosts import normalize_host
from fraudwatch.indicators.known import known_brand
from fraudwatch.indicators.official import HostJudgement, judge_host, load_official
from fraudwatch.indicators.wordlists import word_set

NEW_TLDS = word_set("cheap_tlds")  # data/lexicon/cheap_tlds.txt
CREDENTIAL_KINDS = frozenset({"password", "bank_card", "id_number", "cvv", "otp", "card_expiry"})
CARD_KINDS = frozenset({"cvv", "card_expiry", "bank_card"})
Judge = Callable[[str], HostJudgement]  # judge_host (cached: the same hosts come back page after page)


def _clean_host(raw: str) -> str:
    """The host in the shared normal form (`fraudwatch.indicators.hosts.normalize_host`),
    IPv6 without brackets; a host that form refuses is still judged, lower-cased."""
    try:
        return normalize_host(raw).strip("[]")
    except ValueError:
        return raw.lower().strip(".")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _suffix_of(host: str) -> str:
    reg = registrable_domain(host)
    return reg.split(".", 1)[1] if "." in reg else reg


def _homoglyph_detail(host: str) -> str | None:
    shown = unicode_host(host)
    if shown == host:
        return None
    scripts = {unicodedata.name(ch, "?").split()[0] for ch in shown if ch.isalpha() and not ch.isascii()}
    folded = unicodedata.normalize("NFKD", shown).encode("ascii", "ignore").decode()
    if scripts & {"CYRILLIC", "GREEK"} or (folded.replace(".", "").isascii() and folded != shown):
        return f"{shown} mixes look-alike letters ({', '.join(sorted(scripts))})"
    return None


def _hosting_kind(host: str, reg: str) -> str | None:
    """shortener / free_hosting / platform from data/hosting/ (the host or a parent domain)."""
    return shared_kind(host)


def _brand_tokens() -> set[str]:
    data = load_official()
    return {t for t, a in data.brands.items() if a and len(t) >= 3} | {
        d for d in data.domains if d.count(".") >= 1 and d not in {"gov.cn", "gov.uk", "gc.ca"}}


def host_signals(host: str, judge: Judge = judge_host) -> list[Signal]:
    """Signals of a host name alone (official, lookalike, subdomain tricks, TLD, hosting)."""
    host = _clean_host(host)
    if _is_ip(host):
        return [Signal("ip_host", 1.5, f"the site is addressed by IP ({host}), not by a name")]
    out: list[Signal] = []
    verdict = judge(host)
    if verdict.status == "official":
        return [Signal("official_domain", -3.0, verdict.reason)]
    if verdict.status == "lookalike":
        out.append(Signal("lookalike_domain", 3.0, verdict.reason))
    elif (known := known_brand(host)) is not None:
        out.append(Signal("known_site", -1.5, f"the domain of {known.name}, a known {known.kind.replace('_', ' ')} "
                                              f"({known.domain})"))
    reg = registrable_domain(host)
    sub = host[: -len(reg)].rstrip(".") if host.endswith(reg) and host != reg else ""
    if sub and any(tok in sub for tok in _brand_tokens()):
        out.append(Signal("authority_in_subdomain", 2.0,
                          f"the subdomain '{sub}' carries a tax-authority name on {reg}"))
    if "xn--" in host:
        detail = _homoglyph_detail(host)
        out.append(Signal("homoglyph_host" if detail else "punycode_host", 2.0 if detail else 1.0,
                          detail or f"internationalised name shown as {unicode_host(host)}"))
    kind = _hosting_kind(host, reg)
    if kind == "free_hosting":
        out.append(Signal("free_hosting", 1.0, f"hosted on a free or throwaway service ({reg})"))
    elif kind == "shortener":
        out.append(Signal("url_shortener", 0.5, f"a link shortener ({reg}) hides the destination"))
    tld = _suffix_of(host)
    if tld in NEW_TLDS or tld.rsplit(".", 1)[-1] in NEW_TLDS:
        out.append(Signal("new_tld", 1.0, f"cheap / new top-level domain .{tld}"))
    return out


def url_signals(url: str, final_url: str | None = None, had_credentials: bool = False,
                judge: Judge = judge_host) -> list[Signal]:
    """Signals of the requested URL and the URL it ended at."""
    final = final_url or url
    parts = urlsplit(final)
    host = _clean_host(parts.hostname or "")
    out = host_signals(host, judge)
    if had_credentials or "@" in urlsplit(url).netloc:
        out.append(Signal("credentials_in_url", 2.0,
                          "the URL hides its real host behind a user-name part (user@host)"))
    if parts.port and parts.port not in (80, 443):
        out.append(Signal("odd_port", 0.5, f"served on port {parts.port}"))
    start = _clean_host(urlsplit(url).hostname or "")
    if start and host and registrable_domain(start) != registrable_domain(host):
        out.append(Signal("cross_domain_redirect", 0.5,
                          f"{registrable_domain(start)} redirected to {registrable_domain(host)}"))
    return out


def _form_signals(form: Form, page_host: str, official: bool, judge: Judge, article: bool) -> list[Signal]:
    """Signals of one form. A sign-in box on an article (news, blogs) is the site's own
    account system, often on a sister domain (single sign-on): it weighs little there;
    card and identity numbers weigh the same on any page."""
    asks = [k for k in form.sensitive if k in CREDENTIAL_KINDS]
    if not asks:
        return []
    out: list[Signal] = []
    scheme, host = form.target(page_host)
    target = _clean_host(host)
    what = ", ".join(asks)
    sign_in = not (CARD_KINDS | {"id_number"}) & set(asks)
    if registrable_domain(target) != registrable_domain(page_host) and judge(target).status != "official":
        out.append(Signal("credential_form_cross_domain", 1.0 if sign_in and article else 3.0,
                          f"a form asking for {what} posts to another domain ({target})"))
    if not official:
        # a sign-in form is on every site; card data and identity numbers are not
        weight = 2.5 if CARD_KINDS & set(asks) else 1.5 if "id_number" in asks else 0.0 if article else 0.5
        out.append(Signal("sensitive_form", weight, f"a non-official site asks for {what}"))
    if scheme == "http":
        out.append(Signal("insecure_credential_form", 0.5 if sign_in and article else 1.0,
                          f"{what} would be sent without TLS"))
    return out


def page_signals(page: Page, judge: Judge = judge_host) -> list[Signal]:
    """Signals of the page content, judged by its domain: forms and where they post, what
    the page dresses up as (tax authorities, known brands), copied official text, words in
    look-alike letters, program downloads (see crawlers/content.py)."""
    host = _clean_host(urlsplit(page.url).hostname or "")
    official = not _is_ip(host) and judge(host).status == "official"
    out: list[Signal] = []
    article = is_article(page)
    for form in page.forms:
        for sig in _form_signals(form, host, official, judge, article):
            if sig.code not in {s.code for s in out}:
                out.append(sig)
    if not official:
        asks = any(set(f.sensitive) & CREDENTIAL_KINDS for f in page.forms)
        out += content_signals(page, host, asks)
    elif page.downloads:
        out.append(Signal("executable_download", 0.5, f"offers a program download: {page.downloads[0]}"))
    return out
