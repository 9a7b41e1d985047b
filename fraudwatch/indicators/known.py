"""Known brands: the real domains of banks, payment services, tax software, accountants,
payroll providers, news sites, shops, couriers and telecoms (data/brands/known_domains.csv).

A link to one of these is neither official (no tax authority owns it) nor unknown: a real
tax message may well point to the bank that took the payment, the software that filed the
return or a newspaper's article on a deadline. The classifier keeps such links apart
(`url_known`), so "a link that is not the government's" stops meaning "scam". A host on a
shared domain (data/hosting: shorteners, free hosting, platforms whose pages anyone can
write) is never a known brand, even when its parent is listed.
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import NamedTuple

from fraudwatch.datafiles import data_path
from fraudwatch.indicators.hosting import shared_kind

DATA = data_path("brands", "known_domains.csv")
KINDS = frozenset({"bank", "payment", "tax_software", "accounting", "payroll", "news", "commerce", "courier",
                   "telecom", "work_tools"})


class KnownBrand(NamedTuple):
    """The listed domain a host is at or under, its kind and the brand's name."""

    domain: str
    kind: str
    name: str


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def is_domain(text: str) -> bool:
    """A lower-case ASCII name of at least two labels (each checked alone: linear)."""
    labels = text.split(".")
    return len(text) <= 253 and len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels)


def read_known(path: Path) -> dict[str, tuple[str, str]]:
    """domain -> (kind, name) from a `domain,kind,name` file; a malformed domain, an unknown
    kind or a domain listed twice is an error naming the line."""
    table: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"domain", "kind"} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path.name}: needs the columns domain,kind,name")
        for line, row in enumerate(reader, start=2):
            domain = (row.get("domain") or "").strip().lower()
            kind = (row.get("kind") or "").strip()
            if not is_domain(domain):
                raise ValueError(f"{path.name} line {line}: bad domain {domain[:80]!r}")
            if kind not in KINDS:
                raise ValueError(f"{path.name} line {line}: unknown kind {kind[:40]!r} (one of {sorted(KINDS)})")
            if domain in table:
                raise ValueError(f"{path.name} line {line}: {domain} listed twice")
            table[domain] = (kind, (row.get("name") or "").strip())
    return table


@functools.lru_cache(maxsize=1)
def known_domains() -> dict[str, tuple[str, str]]:
    """The shipped table (data/brands/known_domains.csv), read once."""
    return read_known(DATA)


def known_brand(host: str) -> KnownBrand | None:
    """The known brand whose domain `host` (an ASCII, lower-case host name) is at or under,
    unless the host is on a shared domain."""
    if not host or shared_kind(host):
        return None
    table = known_domains()
    labels = host.strip(".").split(".")
    for i in range(len(labels) - 1):
        domain = ".".join(labels[i:])
        found = table.get(domain)
        if found:
            return KnownBrand(domain, *found)
    return None


IMPERSONATED = data_path("brands", "impersonated.csv")


class ImpersonatedBrand(NamedTuple):
    """A brand that phishing pages often dress up as: the names a page shows it by, the
    names that count only in a strong place (a whole title part, a logo's alt text: short
    or common words such as "DHL", "Orange", "Chase"), and its own registrable domains."""

    brand: str
    names: tuple[str, ...]
    strong_names: tuple[str, ...]
    domains: frozenset[str]
    sector: str


def read_impersonated(path: Path) -> tuple[ImpersonatedBrand, ...]:
    """The rows of a `brand,names,domains,sector,reports` file (names and domains separated
    by "|"; a name written "=Name" counts only in a strong place); a malformed domain or a
    row without names is an error naming the line."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"brand", "names", "domains"} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path.name}: needs the columns brand,names,domains,sector,reports")
        for line, row in enumerate(reader, start=2):
            written = [n.strip() for n in (row.get("names") or "").split("|") if n.strip()]
            domains = [d.strip().lower() for d in (row.get("domains") or "").split("|") if d.strip()]
            bad = [d for d in domains if not is_domain(d)]
            if not written or not domains or bad:
                raise ValueError(f"{path.name} line {line}: needs names and domains ({bad[:1]})")
            names = tuple(n.lstrip("=").strip() for n in written)
            strong = tuple(n.lstrip("=").strip() for n in written
                           if n.startswith("=") or (n.isascii() and len(n.replace("&", "")) < 4))
            rows.append(ImpersonatedBrand((row.get("brand") or names[0]).strip(), names, strong,
                                          frozenset(domains), (row.get("sector") or "").strip()))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def impersonated_brands() -> tuple[ImpersonatedBrand, ...]:
    """The shipped table of the most-impersonated brands (data/brands/impersonated.csv)."""
    return read_impersonated(IMPERSONATED)
