"""Shared domains (URL shorteners, free hosting, big platforms) from data/hosting/.

A domain-level verdict is never inferred for these: a scam URL on one marks the URL only."""
from __future__ import annotations

import csv
import functools

from fraudwatch.datafiles import data_path

DATA = data_path("hosting", "shared_domains.csv")


@functools.lru_cache(maxsize=1)
def shared_domains() -> dict[str, str]:
    """domain -> kind (shortener, free_hosting, platform)."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        return {row["domain"].strip().lower(): row["kind"].strip() for row in csv.DictReader(fh) if row.get("domain")}


def shared_kind(host: str) -> str | None:
    """The kind of shared domain `host` is on (itself or a parent), or None."""
    table = shared_domains()
    labels = host.lower().strip(".").split(".")
    for i in range(len(labels) - 1):
        kind = table.get(".".join(labels[i:]))
        if kind:
            return kind
    return None


def domains_of_kind(kind: str) -> frozenset[str]:
    """Every shared domain of one kind."""
    return frozenset(d for d, k in shared_domains().items() if k == kind)
