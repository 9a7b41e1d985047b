"""Build data/official/page_fingerprints.csv: sketches of official pages' text.

The source is public official content kept in git: the GOV.UK content items that
alphagov/publishing-api keeps as examples of its content schemas
(`content_schemas/examples/<type>/frontend/*.json`: real GOV.UK pages, their title and
body as published, Crown copyright under the Open Government Licence v3.0). Only the
page types a citizen lands on from a search or a message are kept (guides, answers,
transactions, detailed guides, help pages, HMRC manuals, contacts...), each at most once
per base path, and only when long enough to fingerprint (crawlers/fingerprints.py). The
authority is UK-HMRC when HM Revenue & Customs is one of the page's organisations, else
UK-GOV. Nothing of the text is stored, only hashes of its word 6-grams.

    .venv/bin/python bench/page_set/build_fingerprints.py SOURCES_DIR [COMMIT]

SOURCES_DIR/alphagov+publishing-api/repo is a git copy of github.com/alphagov/publishing-api.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from crawlers.fingerprints import DATA, sketch  # noqa: E402

REPO = "alphagov/publishing-api"
COMMIT = "64d2c150d7272c08c7cc6d3520b45bd21c6011f2"
TYPES = ("answer", "guide", "transaction", "detailed_guide", "help_page", "hmrc_manual", "hmrc_manual_section",
         "contact", "local_transaction", "simple_smart_answer", "licence", "place", "completed_transaction",
         "step_by_step_nav", "travel_advice", "manual", "manual_section", "generic_with_external_related_links")
HMRC = "HM Revenue & Customs"


def _html_parts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v.get("content", "") for v in value
                if isinstance(v, dict) and v.get("content_type", "text/html") == "text/html"]
    return []


def page_text(item: dict) -> str:
    """Title and body text of a content item, as its page shows them."""
    details = item.get("details") or {}
    parts = [item.get("title") or "", item.get("description") or ""]
    for key in ("body", "introduction", "introductory_paragraph", "more_information", "start_button_text",
                "other_ways_to_apply", "what_you_need_to_know", "summary"):
        parts += _html_parts(details.get(key))
    for part in details.get("parts") or []:
        parts += [part.get("title") or ""] + _html_parts(part.get("body"))
    html = "\n".join(parts)
    return BeautifulSoup(html, "lxml").get_text("\n", strip=True)


def authority(item: dict) -> str:
    """UK-HMRC for HMRC's pages, UK-GOV for the rest of GOV.UK."""
    orgs = [o.get("title", "") for o in (item.get("links") or {}).get("organisations", []) if isinstance(o, dict)]
    return "UK-HMRC" if HMRC in orgs else "UK-GOV"


def rows(git_dir: Path, commit: str) -> list[dict]:
    """One fingerprint row per kept content item."""
    listing = subprocess.run(["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", commit,
                              "content_schemas/examples"], capture_output=True, check=True, text=True).stdout
    out, seen = [], set()
    for path in sorted(listing.splitlines()):
        parts = path.split("/")
        if len(parts) != 5 or parts[2] not in TYPES or parts[3] != "frontend" or not path.endswith(".json"):
            continue
        item = json.loads(subprocess.run(["git", "-C", str(git_dir), "show", f"{commit}:{path}"],
                                         capture_output=True, check=True).stdout)
        base = item.get("base_path")
        hashes = sketch(page_text(item)) if base and base not in seen else None
        if hashes is None:
            continue
        seen.add(base)
        out.append({"authority": authority(item), "url": f"https://www.gov.uk{base}",
                    "source": f"{REPO}@{commit[:12]}:{path}", "hashes": " ".join(f"{h:016x}" for h in hashes)})
    return out


def main() -> None:
    git_dir = Path(sys.argv[1]) / REPO.replace("/", "+") / "repo"
    commit = sys.argv[2] if len(sys.argv) > 2 else COMMIT
    found = rows(git_dir, commit)
    with DATA.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["authority", "url", "source", "hashes"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)
    print(f"{len(found)} official pages fingerprinted into {DATA}")


if __name__ == "__main__":
    main()
