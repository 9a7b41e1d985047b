"""Write labels_v3.csv: a third page set, chosen by rule before the page analysis was changed.

Written and run on 2026-11-28 (night) before any code change of that session; its pages
were then judged once before and once after the change, never used to design it.

Phishing pages: kits from two public repositories that hold captured or collected kits
and are neither sources of labels.csv / labels_v2.csv nor reserved:
ag-michael/phishingkits (kits captured on compromised hosts) and
maxamin/phishing-pages-ethical (a collection of kits). A kit is a top-level folder;
kits of maxamin/phishing-pages-ethical named like a template of zphisher (v1's source:
instagram, facebook, steam...) are left out, as copies of v1's templates, and so are its
folders that hold no kit (mailers, checkers, letters, tools). In each kit, a page is a
candidate when it is an .html/.htm/.php file outside the kit's back office (admin, panel,
track, bots, block, mailer, config, install, lang, inc, actions, templates, saved
`_files/` folders, __MACOSX), holds a <form> and an <input> that asks for a password or is
named or labelled for a credential, card, code or identity (pass, card, cc, cvv, ssn, pin,
otp, code, email, user, login, account, iban). Identical files count once. Per kit, the
first three candidates in path order are taken. A page byte-identical to a page of v1/v2 is left
out, and so is a whole kit holding a file whose path ends with the path of a v1/v2 page
(the same kit republished). Each is read at the pinned commit as
served markup (PHP as it is) and judged on a neutral host (`https://rNNN.example.com/...`).

Legitimate pages: every page of >= 4,000 bytes saved by four content-extraction test
corpora that are not sources of v1/v2 and not reserved: leogao2/htmltotext-benchmark
(news, blogs, forums in de, en, hr, zh), cantino/ruby-readability (spec fixtures),
bookieio/breadability (test articles), ukeeper/ukeeper-readability (test data, ru).
Identical files count once. A page is judged at the URL it names as its own (canonical or
og:url); a page naming none is judged on a neutral host (`https://lNNN.example.net/...`),
which gives it no credit from its real domain. Kind: official (data/official says the host
is official), own_login (a password field), keyword_heavy (>= 3 scam words), else page.

    .venv/bin/python bench/page_set/select_v3.py SOURCES_DIR > bench/page_set/labels_v3.csv
"""
from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fraudwatch.indicators.official import judge_host  # noqa: E402

KIT_REPOS = ("ag-michael/phishingkits", "maxamin/phishing-pages-ethical")
ZPHISHER = ("htr-tech/zphisher", "65b99bcc")  # v1's template source: its .sites names
NOT_KITS = re.compile(r"sender|mailer|checker|letter|dumper|sqli|bots?$|^(assets|css|images|inc|lang|"
                      r"track|install|actions?|block|account|help|pages|validation|login|customer_center|"
                      r"ipfinder|heart|leaf|shopping|origin|cryptocurrency)$|_hack$", re.I)
BACK_OFFICE = re.compile(r"(^|/)(admin|panel|track|bots?|block\w*|mailer|config|install|lang|language|inc|"
                         r"actions?|templates?|__MACOSX)(/|\.|$)|_files/|antibot|geoplugin|send|mail\.php", re.I)
FORM = re.compile(r"<form\b", re.I)
INPUT = re.compile(r"<input\b[^>]{0,600}>", re.I)
ASKS = re.compile(r"type\s*=\s*[\"']?password|(?:name|id|placeholder)\s*=\s*[\"']?[^\"'>]{0,40}"
                  r"(pass|card|\bcc|cvv|cvc|ssn|\bpin|otp|code|e-?mail|user|login|account|iban)", re.I)
PER_KIT = 3
LEGIT_REPOS = {
    "leogao2/htmltotext-benchmark": re.compile(r"^benchmarkdata/[^/]+/html/[^/]+\.html$"),
    "cantino/ruby-readability": re.compile(r"^spec/fixtures/.+\.html$"),
    "bookieio/breadability": re.compile(r"^tests/.+\.html$"),
    "ukeeper/ukeeper-readability": re.compile(r"^extractor/testdata/[^/]+\.html$"),
}
MIN_BYTES = 4000
SCAM_WORDS = re.compile(r"\b(tax|refund|police|password|irs|hmrc|bank account|credit card|arrest)\b", re.I)
CANONICAL = re.compile(r"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", re.I)
HREF = re.compile(r"(?:href|content)=[\"'](https?://[^\"']+)")
PASSWORD = re.compile(r"type=[\"']?password", re.I)


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True, check=True).stdout


def _git_dir(sources: Path, repo: str) -> Path:
    base = sources / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def _files(git_dir: Path, commit: str) -> list[str]:
    return _git(git_dir, "ls-tree", "-r", "-z", "--name-only", commit).decode("utf-8", "replace").split("\0")[:-1]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _earlier_pages(sources: Path) -> tuple[set[str], set[str]]:
    """The bytes (sha256) and paths of the pages of labels.csv and labels_v2.csv."""
    digests, paths = set(), set()
    for name in ("labels.csv", "labels_v2.csv"):
        with open(Path(__file__).with_name(name), encoding="utf-8", newline="") as f:
            labels = list(csv.DictReader(f))
        for row in labels:
            paths.add(row["path"])
            raw = _git(_git_dir(sources, row["repo"]), "show", f"{row['commit']}:{row['path']}")
            digests.add(hashlib.sha256(raw).hexdigest())
    return digests, {p for p in paths if "/" in p}


def phishing_rows(sources: Path) -> list[list[str]]:
    seen, earlier_paths = _earlier_pages(sources)
    zdir = _git_dir(sources, ZPHISHER[0])
    templates = {_key(p.split("/")[1]) for p in _files(zdir, ZPHISHER[1]) if p.startswith(".sites/")}
    rows, n = [], 0
    for repo in KIT_REPOS:
        git_dir = _git_dir(sources, repo)
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        kits: dict[str, list[str]] = {}
        for path in sorted(_files(git_dir, commit)):
            if "/" not in path or not re.search(r"\.(html?|php)$", path, re.I):
                continue
            kit = path.split("/", 1)[0]
            if BACK_OFFICE.search(path.split("/", 1)[1]) or NOT_KITS.search(kit):
                continue
            if repo != KIT_REPOS[0] and (_key(kit) in templates or _key(kit).removesuffix("phishing") in templates):
                continue
            kits.setdefault(kit, []).append(path)
        for kit, paths in kits.items():
            if any(path.endswith("/" + p) for path in paths for p in earlier_paths):
                continue
            taken = 0
            for path in paths:
                if taken == PER_KIT:
                    break
                raw = _git(git_dir, "show", f"{commit}:{path}")
                text = raw.decode("utf-8", "replace")
                digest = hashlib.sha256(raw).hexdigest()
                if digest in seen or not FORM.search(text):
                    continue
                if not any(ASKS.search(tag) for tag in INPUT.findall(text)):
                    continue
                seen.add(digest)
                taken += 1
                n += 1
                rows.append([f"R{n:03d}", repo, commit, path,
                             f"https://r{n:03d}.example.com/{path.rsplit('/', 1)[-1]}", "phishing", "kit",
                             f"kit {kit}"])
    return rows


def legit_rows(sources: Path) -> list[list[str]]:
    rows, seen, n = [], set(), 0
    for repo, pattern in LEGIT_REPOS.items():
        git_dir = _git_dir(sources, repo)
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        for path in sorted(p for p in _files(git_dir, commit) if pattern.search(p)):
            raw = _git(git_dir, "show", f"{commit}:{path}")
            digest = hashlib.sha256(raw).hexdigest()
            if len(raw) < MIN_BYTES or digest in seen:
                continue
            seen.add(digest)
            n += 1
            rows.append(legit_row(f"L{n:03d}", repo, commit, path, raw, path.rsplit('/', 1)[-1]))
    return rows


def legit_row(row_id: str, repo: str, commit: str, path: str, raw: bytes, file_name: str) -> list[str]:
    """One legitimate page's row: judged at its own canonical URL, or on a neutral host
    (`https://<row id>.example.net/<file_name>`) when it names none; its kind as the docstring says."""
    html = raw.decode("utf-8", "replace")[:300_000]
    url = next((m.group(1) for tag in CANONICAL.findall(html)[:3] if (m := HREF.search(tag))), None)
    own = bool(url)
    url = url or f"https://{row_id.lower()}.example.net/{file_name}"
    words = len({w.lower() for w in SCAM_WORDS.findall(html)})
    kind = ("official" if own and judge_host(urlsplit(url).hostname or "").status == "official" else
            "own_login" if PASSWORD.search(html) else "keyword_heavy" if words >= 3 else "page")
    return [row_id, repo, commit, path, url, "legit", kind,
            f"{words} scam words; {'own URL' if own else 'no own URL: neutral host'}"]


def write_rows(rows: list[list[str]]) -> None:
    """The labels CSV on standard output."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "repo", "commit", "path", "url", "label", "kind", "note"])
    out.writerows(rows)


def main() -> None:
    sources = Path(sys.argv[1])
    write_rows(phishing_rows(sources) + legit_rows(sources))


if __name__ == "__main__":
    main()
