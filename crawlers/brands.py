"""Brand cues: tax-authority and government names, marks and hotlines that a page shows.

A cue on an official domain is normal; the same cue on any other domain is a sign the
page is dressing up as the authority. Where a cue was seen (title, logo alt text,
text) is kept, since a logo's alt text is a strong cue.

The names come from the authority registry (data/official/authority_names.csv) through
the matcher the classifier uses for messages (fraudwatch.indicators.mentions), so a page
and a message name the same authority for the same words: every authority of the
registry, in its own languages, short acronyms only in capitals and on word boundaries,
ambiguous names ("Inland Revenue", "ARC") only with their country on the page. Page text
is not normalised like messages, so names are matched as written (Traditional and
Simplified Chinese names are both listed). A tax body of unknown code ("the Tax Office"),
even with a country around it, is not a brand cue: a cue is the authority's own name.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from fraudwatch.indicators.authorities import load_registry
from fraudwatch.indicators.mentions import MentionFinder


@functools.lru_cache(maxsize=1)
def cue_finder() -> MentionFinder:
    """The registry's matcher over page text (names as written)."""
    return MentionFinder(load_registry())


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
    for mention in cue_finder().find(text):
        if mention.code is None or not mention.named:
            continue
        cue = text[mention.start:mention.end]
        key = (mention.code, cue.lower())
        if key not in seen:
            seen.add(key)
            cues.append(BrandCue(mention.code, cue, where))
            if len(cues) >= limit:
                break
    return cues


def authorities(cues: list[BrandCue]) -> list[str]:
    """Distinct authority codes of `cues`, in order of appearance."""
    return list(dict.fromkeys(c.authority for c in cues))
