"""Brand cues: tax-authority names, marks and hotlines that a page shows.

A cue on an official domain is normal; the same cue on any other domain is a sign the
page is dressing up as the authority. Where a cue was seen (title, logo alt text,
text) is kept, since a logo's alt text is a strong cue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# authority code -> pattern of its names, marks and hotlines.
BRAND_PATTERNS: dict[str, re.Pattern[str]] = {
    "CN-STA": re.compile(r"国家税务总局|國家稅務總局|电子税务局|電子稅務局|税务局|稅務局|个人所得税|個人所得稅|"
                         r"全国增值税发票查验|发票查验|12366|chinatax|金税|State Taxation Administration", re.I),
    "US-IRS": re.compile(r"Internal Revenue Service|(?-i:\bIRS\b)|irs\.gov|IRS2Go", re.I),
    "UK-HMRC": re.compile(r"(?-i:\bHMRC\b)|HM Revenue|Revenue (?:&|and) Customs|Government Gateway", re.I),
    "AU-ATO": re.compile(r"Australian Taxation Office|(?-i:\bATO\b)|myGov", re.I),
    "CA-CRA": re.compile(r"Canada Revenue Agency|(?-i:\bCRA\b)|Agence du revenu du Canada", re.I),
}


@dataclass(frozen=True)
class BrandCue:
    """An authority name seen on a page, and where."""

    authority: str
    cue: str
    where: str  # "title", "logo", "text", "meta"


def find_cues(where: str, text: str, limit: int = 20) -> list[BrandCue]:
    """Cues found in `text`, at most one per authority and distinct cue word."""
    cues: list[BrandCue] = []
    seen: set[tuple[str, str]] = set()
    for authority, pattern in BRAND_PATTERNS.items():
        for m in pattern.finditer(text):
            key = (authority, m.group(0).lower())
            if key not in seen:
                seen.add(key)
                cues.append(BrandCue(authority, m.group(0), where))
            if len(cues) >= limit:
                return cues
    return cues


def authorities(cues: list[BrandCue]) -> list[str]:
    """Distinct authority codes of `cues`, in order of appearance."""
    return list(dict.fromkeys(c.authority for c in cues))
