"""One observation about a site or a page, its weight and the reason, for people to read.

A positive weight is suspicious, a negative one reassuring; a verdict adds them up
(crawlers/scan.py)."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Signal:
    """One observation about a site, its weight and a human-readable detail."""

    code: str
    weight: float
    detail: str

    def as_dict(self) -> dict:
        """JSON form."""
        return asdict(self)
