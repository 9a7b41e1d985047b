"""Does a confirmed scam site still serve the scam? A pure judgement of one revisit's scan
(`crawlers.scan.scan_page`'s result) against the evidence the site was confirmed on.

`judge_revisit` answers `serving`, `gone` or `unknown`, with a reason:
- serving: the same page (content hash), the same title, a form asking the same sensitive
  data posting to the same place, or a page the scan judges a scam (or suspicious with a
  form asking sensitive data);
- gone: the name no longer resolves (only when the network itself is known to work:
  `network_up`), 404/410/451, a parked, for-sale or suspended page, or other content;
- unknown: anything that says nothing about the site: a refused or blocked connection, a
  timeout, robots.txt, a server error, 401/403/429 without a suspension page.
Every text looked at is bounded (TEXT_LIMIT), so the work is linear in nothing larger."""
from __future__ import annotations

from collections.abc import Callable

GONE_STATUSES = frozenset({404, 410, 451})
TEXT_LIMIT = 4000
# Phrases of parking, for-sale and suspension pages (registrars, hosts, CERT sinkholes), lower case.
PARKED_PHRASES = (
    "domain is for sale", "domain may be for sale", "buy this domain", "this domain is parked",
    "domain has been suspended", "domain is suspended", "account has been suspended", "site has been suspended",
    "website has been suspended", "this site has been taken down", "has been taken down", "clienthold",
    "serverhold", "domain has expired", "domain name has expired", "parked free", "parkingcrew", "sedoparking",
    "域名已被暂停", "域名已暂停", "域名已过期", "域名出售", "此域名正在出售", "该域名正在出售", "网站已被关闭",
    "网站暂停访问", "网站已关闭", "该网站已被停止", "已被依法关闭", "域名已被冻结",
)
SERVING, GONE, UNKNOWN = "serving", "gone", "unknown"


def is_parked(title: str | None, text: str | None) -> bool:
    """Whether a page reads as a parked, for-sale or suspended domain."""
    sample = f"{title or ''}\n{text or ''}"[:TEXT_LIMIT].lower()
    return any(phrase in sample for phrase in PARKED_PHRASES)


def _form_keys(forms: object) -> set[tuple[str, tuple[str, ...]]]:
    """(action, kinds asked for) of the forms that ask for anything."""
    keys = set()
    for form in forms[:20] if isinstance(forms, list) else []:
        if not isinstance(form, dict):
            continue
        asks = form.get("asks") or []  # stored evidence keeps `asks` only
        asks = tuple(sorted(str(a)[:40] for a in asks[:20])) if isinstance(asks, list) else ()
        action = form.get("action")
        if asks:
            keys.add((action[:2100] if isinstance(action, str) else "", asks))
    return keys


def _asks_sensitive(forms: object) -> bool:
    return any(isinstance(f, dict) and f.get("sensitive") for f in (forms[:20] if isinstance(forms, list) else []))


def judge_revisit(result: dict, baseline: dict | None, network_up: Callable[[], bool]) -> tuple[str, str]:
    """(serving | gone | unknown, reason) of a revisit scan against the `baseline` evidence
    (`content_hash`, `title`, `forms`; None when the site was never crawled)."""
    error = result.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "error")
        if code == "dns_error" and not error.get("transient"):
            return (GONE, "dns_error") if network_up() else (UNKNOWN, "network_unavailable")
        return UNKNOWN, code
    status = result.get("http_status")
    if not isinstance(status, int):
        return UNKNOWN, "no_status"
    title, excerpt = result.get("title"), result.get("text_excerpt")
    if status in GONE_STATUSES:
        return GONE, f"http_{status}"
    if status >= 400:
        return (GONE, "suspended") if is_parked(title, excerpt) else (UNKNOWN, f"http_{status}")
    base = baseline or {}
    if base.get("content_hash") and result.get("content_hash") == base["content_hash"]:
        return SERVING, "same_content"
    if is_parked(title, excerpt):
        return GONE, "parked"
    if isinstance(title, str) and title.strip() and title.strip() == (base.get("title") or "").strip():
        return SERVING, "same_title"
    if _form_keys(result.get("forms")) & _form_keys(base.get("forms")):
        return SERVING, "same_form"
    label = (result.get("verdict") or {}).get("label")
    if label == "scam" or (label == "suspicious" and _asks_sensitive(result.get("forms"))):
        return SERVING, "scam_signals"
    return GONE, "different_content"
