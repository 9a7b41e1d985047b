"""The whole page analysis on real pages: no exception, cost linear in the page's size.

The pages are not in the repository (they belong to their sites and to the projects that
collected them): `bench/fetch_page_corpus.sh` gathers them (see bench/README.md, "Real-page
fuzz corpus") into a folder named by FRAUDWATCH_PAGE_CORPUS, by default ../fuzz-pages next
to the checkout. Every file under it is analysed as if fetched from a page of its own,
without the network (`analyse_fetched`, what `scan_page` runs once the fetch returned).
The crashes they found are reproduced, written small, in test_hostile_pages.py.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crawlers.fetch import FetchResult
from crawlers.scan import analyse_fetched

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("FRAUDWATCH_PAGE_CORPUS") or ROOT.parent / "fuzz-pages")
# Generous, so that a loaded test machine does not fail it, yet far below what a quadratic
# path costs on a 100 KB page (minutes): measured 0.18 us a byte over 1,061 pages, 4 us at worst.
BASE_SECONDS = 1.0
SECONDS_PER_BYTE = 10e-6
URLS = ("https://news.example.com/2024/05/article.html", "https://www.gov.uk/guidance/page")

pytestmark = pytest.mark.external


def _pages() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file()) if CORPUS.is_dir() else []


def _fetched(url: str, body: bytes) -> FetchResult:
    return FetchResult(url=url, final_url=url, status=200, headers={"content-type": "text/html"},
                       content_type="text/html", charset=None, body=body)


def test_every_real_page_is_analysed_without_error_in_linear_time():
    pages = _pages()
    if not pages:
        pytest.skip(f"no pages under {CORPUS} (set FRAUDWATCH_PAGE_CORPUS; bench/fetch_page_corpus.sh "
                    "gathers them): real-page fuzzing skipped")
    failures, slow = [], []
    for n, path in enumerate(pages):
        body = path.read_bytes()
        url = URLS[n % len(URLS)]  # an official host too: its signals take other branches
        started = time.perf_counter()
        try:
            report, page = analyse_fetched(url, _fetched(url, body))
        except Exception as exc:  # noqa: BLE001 - the test is that nothing escapes
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        if elapsed > BASE_SECONDS + SECONDS_PER_BYTE * len(body):
            slow.append(f"{path}: {elapsed:.2f} s for {len(body):,} bytes")
        assert report["verdict"]["label"] in {"scam", "suspicious", "unknown", "legit"}
        assert len(page.text) <= 100_000 and len(page.links) <= 500
    assert not failures, f"{len(failures)} of {len(pages)} pages raised:\n" + "\n".join(failures[:20])
    assert not slow, f"{len(slow)} of {len(pages)} pages were slow:\n" + "\n".join(slow[:20])
