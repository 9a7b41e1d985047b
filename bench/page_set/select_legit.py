"""Choose the legitimate pages of the page-analysis set from the public test corpora.

Run once to write the `legit` rows of labels.csv (their choice is recorded there; rerunning
gives the same rows for the same commits). The rule picks pages by what they are, never by
how fraudwatch judges them:

- every page whose own canonical URL (<link rel=canonical> or og:url) lies on an official
  domain or government namespace (data/official): official pages;
- every page naming at least three of the "scam words" below: hard legitimate pages that a
  keyword judge calls scams (news on police, banks, passwords, tax);
- every Wikipedia page;
- every page in Chinese (the classifier's other language);
- 8 pages in languages the classifier does not know and 12 other English pages, drawn with
  a fixed seed from those with a canonical URL.

A page is judged at its canonical URL, so only pages that name one are candidates.

    .venv/bin/python bench/page_set/select_legit.py SOURCES_DIR > rows.csv
"""
from __future__ import annotations

import csv
import gzip
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fraudwatch.indicators.official import judge_host  # noqa: E402

SOURCES = {  # the sources and paths of bench/fetch_page_corpus.sh
    "mozilla/readability": r"^test/test-pages/[^/]+/source\.html$",
    "scrapinghub/article-extraction-benchmark": r"^html/[^/]+\.html\.gz$",
    "postlight/parser": r"^fixtures/[^/]+\.html$",
    "adbar/htmldate": r"^tests/(test_set|cache)/[^/]+\.html$",
    "codelucas/newspaper": r"^tests/data/html/[^/]+\.html$",
    "goose3/goose3": r"^tests/data/[^/]+/[^/]+\.html$",
    "scrapinghub/extruct": r"^tests/samples/.+\.html?$",
}
SCAM_WORDS = re.compile(r"\b(tax|refund|police|password|irs|hmrc|bank account|credit card|arrest)\b", re.I)
CANONICAL = re.compile(r"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", re.I)
HREF = re.compile(r"(?:href|content)=[\"'](https?://[^\"']+)")
LANG = re.compile(r"<html[^>]*\blang=[\"']?([A-Za-z]{2})", re.I)
SEED = 20261128


def _git(repo_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, check=True).stdout


def pages(sources_dir: Path):
    """(repo, commit, path, html text) of every corpus page."""
    for repo, pattern in SOURCES.items():
        git_dir = sources_dir / repo.replace("/", "+") / "repo"
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        for path in _git(git_dir, "ls-tree", "-r", "--name-only", commit).decode().splitlines():
            if re.search(pattern, path):
                body = _git(git_dir, "show", f"{commit}:{path}")
                if path.endswith(".gz"):
                    body = gzip.decompress(body)
                yield repo, commit, path, body.decode("utf-8", "replace")


def describe(html: str) -> tuple[str | None, str, int]:
    """(canonical URL, html lang or '', number of distinct scam words) of a page."""
    head = html[:300_000]
    url = None
    for tag in CANONICAL.findall(head)[:3]:
        m = HREF.search(tag)
        if m:
            url = m.group(1)
            break
    lang = LANG.search(head)
    return url, (lang.group(1).lower() if lang else ""), len({w.lower() for w in SCAM_WORDS.findall(head)})


def choose(candidates: list[dict]) -> list[dict]:
    """The rows, by the rule of the module docstring."""
    chosen: dict[str, dict] = {}
    for c in candidates:
        host = urlsplit(c["url"]).hostname or ""
        kind = ("official" if judge_host(host).status == "official" else
                "keyword_heavy" if c["words"] >= 3 else
                "encyclopedia" if host.endswith("wikipedia.org") else
                "news_zh" if c["lang"] == "zh" else None)
        if kind:
            chosen[c["path"]] = {**c, "kind": kind}
    rng = random.Random(SEED)
    rest = [c for c in candidates if c["path"] not in chosen]
    other = [c for c in rest if c["lang"] not in ("", "en", "zh")]
    english = [c for c in rest if c["lang"] == "en"]
    for c in rng.sample(other, 8):
        chosen[c["path"]] = {**c, "kind": "news_other_language"}
    for c in rng.sample(english, 12):
        chosen[c["path"]] = {**c, "kind": "news_commerce_en"}
    return list(chosen.values())


def main() -> None:
    candidates = []
    for repo, commit, path, html in pages(Path(sys.argv[1])):
        url, lang, words = describe(html)
        if url:
            candidates.append({"repo": repo, "commit": commit, "path": path, "url": url, "lang": lang,
                               "words": words})
    out = csv.writer(sys.stdout, lineterminator="\n")
    for n, c in enumerate(choose(candidates), start=1):
        out.writerow([f"L{n:03d}", c["repo"], c["commit"], c["path"], c["url"], "legit", c["kind"],
                      f"lang={c['lang'] or '?'}; {c['words']} scam words"])


if __name__ == "__main__":
    main()
