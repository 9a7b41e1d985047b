"""What the page-judgement tests share: a page judged as a crawl judges it once fetched."""
from __future__ import annotations

from crawlers.fetch import FetchResult
from crawlers.scan import analyse_fetched


def judge_page(body: str | bytes, url: str, classifier=None) -> dict:
    """The crawl report of `body` served with status 200 as text/html at `url` (no redirect)."""
    raw = body.encode() if isinstance(body, str) else body
    res = FetchResult(url=url, final_url=url, status=200, headers={}, content_type="text/html", charset=None,
                      body=raw)
    return analyse_fetched(url, res, classifier)[0]


def codes(report: dict) -> set[str]:
    """The site-signal codes of a crawl report."""
    return {s["code"] for s in report["site_signals"]}
