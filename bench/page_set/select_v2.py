"""Write labels_v2.csv: a second page set, chosen before the page analysis was changed for it.

Phishing pages: captured or published kits from eight public repositories that are not
sources of labels.csv nor reserved. In each kit, the pages a victim is shown that ask for
credentials, card, bank or identity data (sign-in, billing, card, 3-D Secure, bank steps),
read at the pinned commit as served markup (PHP templates as they are), at most four per
kit, taken in the kit's own order (KITS below names them; nothing else was looked at to
pick them). They are judged on a neutral host (`https://qNNN.example.org/<path>`): a kit's
live host is unknown or, for the captured ones, recorded in the note only.

Legitimate pages: AndreasMadsen/htmlparser-benchmark, 226 real pages saved from news,
commerce and public sites (none of them in the fuzz corpus or labels.csv). A page is a
candidate when it names its own URL (canonical or og:url) and is judged there; chosen are
- every page on an official domain or government namespace (data/official): official;
- every page with a password field (a site's own sign-in box): own_login;
- every page naming at least three scam words (tax, refund, police, password, IRS, HMRC,
  bank account, credit card, arrest): keyword_heavy;
- then a draw with a fixed seed from the rest up to 30 pages: news_commerce_en.

    .venv/bin/python bench/page_set/select_v2.py SOURCES_DIR > bench/page_set/labels_v2.csv
"""
from __future__ import annotations

import csv
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fraudwatch.indicators.official import judge_host  # noqa: E402

# repository -> [(path, kind, note)], in the kit's order (entry page first)
KITS = {
    "barnacl437/scampages-datamine": [
        ("archive/type/steamcommunity.com/2024/07/steamcommnunjlty.com/index.html", "brand_login",
         "Steam gift-card redeem page captured at steamcommnunjlty.com (2024-07)"),
        ("archive/type/steamcommunity.com/2025/01/steamgifter.com/login/home/index.html", "brand_login",
         "Steam sign-in captured at steamgifter.com (2025-01)"),
        ("archive/type/match.tf/2025/01/coincap.fun/HTML/auth.html", "brand_login",
         "Steam sign-in pop-up of a fake match.tf tournament site, captured at coincap.fun (2025-01)"),
    ],
    "MrG3P5/Archive-ScamPage": [
        ("SITES/spotify/spotif/spotify/index.php", "brand_login", "Spotify kit: sign-in"),
        ("SITES/spotify/spotif/spotify/billing.php", "brand_card", "Spotify kit: profile and billing address"),
        ("SITES/spotify/spotif/spotify/payment.php", "brand_card", "Spotify kit: card payment"),
    ],
    "gimpunk/scampage": [
        ("myaccount/form/card_info.php", "brand_card", "PayPal kit (MoreArt): card step, no title"),
        ("myaccount/form/address_info.php", "brand_card", "PayPal kit (MoreArt): address step, no title"),
    ],
    "SADDAMASS/Apple_Scampage": [
        ("ro/files/login-desktop.php", "brand_login", "Apple ID kit: sign-in"),
        ("ro/files/desktop-billing.php", "brand_card", "Apple ID kit: billing and card (look-alike 'AppIe')"),
        ("ro/files/verifycard.php", "brand_card", "Apple ID kit: card verification"),
    ],
    "1m4mssl/Scama-amelie-for-spam": [
        ("index.php", "authority_login", "ameli.fr (French health insurance) kit: sign-in, header in an include"),
        ("steps/billing.php", "authority_identity", "ameli kit: identity and address"),
        ("steps/cc.php", "authority_card", "ameli kit: card"),
        ("steps/rib.php", "authority_bank", "ameli kit: bank account (RIB/IBAN)"),
    ],
    "edwardvillarin07/Scam-page-www.jcom.co.jp": [
        ("index.php", "brand_login", "J:COM (Japanese cable operator) kit: sign-in"),
        ("card.php", "brand_card", "J:COM kit: card"),
        ("add.php", "brand_card", "J:COM kit: card and identity"),
        ("3d.php", "brand_card", "J:COM kit: 3-D Secure code (Japan Net Bank)"),
    ],
    "papiloqa/paypal-scam-page-v3-2021": [
        ("app/signin.php", "brand_login", "PayPal kit v3: sign-in (PHP language strings)"),
        ("app/myacc.php", "brand_card", "PayPal kit v3: account and card"),
        ("app/3ds.php", "brand_card", "PayPal kit v3: 3-D Secure"),
        ("app/bnk.php", "brand_bank", "PayPal kit v3: bank login"),
    ],
    "injectexpert/Binance-scampage-new": [
        ("Login/index.php", "brand_login", "Binance kit: sign-in"),
        ("Login/control.php", "brand_login", "Binance kit: verification step"),
    ],
}
LEGIT_REPO = "AndreasMadsen/htmlparser-benchmark"
SCAM_WORDS = re.compile(r"\b(tax|refund|police|password|irs|hmrc|bank account|credit card|arrest)\b", re.I)
CANONICAL = re.compile(r"<link[^>]*canonical[^>]*>|<meta[^>]*og:url[^>]*>", re.I)
HREF = re.compile(r"(?:href|content)=[\"'](https?://[^\"']+)")
PASSWORD = re.compile(r"type=[\"']?password", re.I)
SEED = 20261128
LEGIT_PAGES = 30


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(git_dir), *args], capture_output=True, check=True).stdout


def _git_dir(sources: Path, repo: str) -> Path:
    base = sources / repo.replace("/", "+") / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def phishing_rows(sources: Path) -> list[list[str]]:
    """The kit pages of KITS at each repository's HEAD."""
    rows, n = [], 0
    for repo, pages in KITS.items():
        commit = _git(_git_dir(sources, repo), "rev-parse", "HEAD").decode().strip()
        for path, kind, note in pages:
            n += 1
            rows.append([f"Q{n:03d}", repo, commit, path, f"https://q{n:03d}.example.org/{path.rsplit('/', 1)[-1]}",
                         "phishing", kind, note])
    return rows


def legit_rows(sources: Path) -> list[list[str]]:
    """The legitimate pages, by the rule of the module docstring."""
    git_dir = _git_dir(sources, LEGIT_REPO)
    commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
    candidates = []
    for path in _git(git_dir, "ls-tree", "-r", "--name-only", commit, "files/").decode().split():
        html = _git(git_dir, "show", f"{commit}:{path}").decode("utf-8", "replace")[:300_000]
        url = next((m.group(1) for tag in CANONICAL.findall(html)[:3] if (m := HREF.search(tag))), None)
        if url:
            candidates.append({"path": path, "url": url, "password": bool(PASSWORD.search(html)),
                               "words": len({w.lower() for w in SCAM_WORDS.findall(html)})})
    chosen: dict[str, str] = {}
    for c in candidates:
        kind = ("official" if judge_host(urlsplit(c["url"]).hostname or "").status == "official" else
                "own_login" if c["password"] else "keyword_heavy" if c["words"] >= 3 else None)
        if kind:
            chosen[c["path"]] = kind
    rest = [c for c in candidates if c["path"] not in chosen]
    for c in random.Random(SEED).sample(rest, max(LEGIT_PAGES - len(chosen), 0)):
        chosen[c["path"]] = "news_commerce_en"
    rows = []
    for n, c in enumerate((c for c in candidates if c["path"] in chosen), start=1):
        rows.append([f"M{n:03d}", LEGIT_REPO, commit, c["path"], c["url"], "legit", chosen[c["path"]],
                     f"{c['words']} scam words; password field: {'yes' if c['password'] else 'no'}"])
    return rows


def main() -> None:
    sources = Path(sys.argv[1])
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "repo", "commit", "path", "url", "label", "kind", "note"])
    out.writerows(phishing_rows(sources) + legit_rows(sources))


if __name__ == "__main__":
    main()
