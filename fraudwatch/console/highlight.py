"""The message of a report cut into plain and highlighted segments at the classifier's signal
offsets, for the template to escape and wrap in <mark> (never markup built from user text)."""
from __future__ import annotations

from dataclasses import dataclass

MAX_SIGNALS = 200


@dataclass(frozen=True)
class Segment:
    """A piece of the text; `names` are the signals covering it (empty: plain text)."""

    text: str
    names: tuple[str, ...] = ()


def _spans(text: str, signals: object) -> list[tuple[int, int, str]]:
    """Valid (start, end, name) of the signals: in range, non-empty, well typed."""
    out = []
    for item in (signals if isinstance(signals, list) else [])[:MAX_SIGNALS]:
        if not isinstance(item, dict):
            continue
        start, end, name = item.get("start"), item.get("end"), item.get("name")
        if (isinstance(start, int) and isinstance(end, int) and isinstance(name, str)
                and 0 <= start < end <= len(text)):
            out.append((start, end, name[:40]))
    return out


def segments(text: str, signals: object) -> list[Segment]:
    """`text` cut at every signal boundary; overlapping signals share their common piece."""
    spans = _spans(text, signals)
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        names = tuple(sorted({n for s, e, n in spans if s <= a and b <= e}))
        out.append(Segment(text[a:b], names))
    return out
