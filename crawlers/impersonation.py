"""Known brands a page dresses up as, on a domain that is not theirs.

The names come from the project's data, not from this module: the companies of
data/brands/known_domains.csv (banks, payment services, shops, couriers, tax software...)
with their domains, the brands that published phishing reports rank as the most
impersonated (data/brands/impersonated.csv: Microsoft, DHL, Instagram, AT&T...; their
product names too, "Outlook", "Apple ID") with all their domains, and the big platforms
of data/hosting/shared_domains.csv (kind `platform`), named by their domain
(facebook.com -> "facebook"). A page whose title, logo
or site name shows one of those names while it is served from none of that brand's
domains claims to be someone it is not: what phishing analysts call a brand/domain
mismatch. Names shorter than four letters ("BT", "QQ") and platform words that are common
nouns ("office", "docs") are left out: they name too many other things; a report brand's
short or common name ("DHL", "AT&T", "Orange", "Chase") is kept as a strong-only name: it
counts as a whole part of a title, a logo's alt text or the site name, never in running
text (`Claim.strong`). A known company's
own site claims nobody (its pages name partners: "Pay with PayPal"), and a platform's
pages do not claim another platform (accounts.google.com titled "Gmail"): the lists do not
hold every domain of a platform family, only its main ones.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

from fraudwatch.indicators import registrable_domain
from fraudwatch.indicators.hosting import domains_of_kind, shared_kind
from fraudwatch.indicators.known import impersonated_brands, known_brand, known_domains

MIN_NAME = 4
COMMON_WORDS = frozenset({"office", "forms", "sites", "docs", "live", "mail", "bank", "post"})
MAX_CLAIMS = 5
MAX_READ = 5000  # characters of one place (title, a logo's labels, the text's head) searched


class Claim(NamedTuple):
    """A brand name a page shows, where, and the domains that brand really uses."""

    name: str
    where: str  # "title", "logo", "site", "heading", "form" or "text"
    domains: frozenset[str]
    strong: bool = False  # a short or common name: it counts only where it stands alone


def _usable(name: str) -> bool:
    if name.isascii():
        return len(name) >= MIN_NAME and name.lower() not in COMMON_WORDS
    return len(name) >= 2  # 招商银行, 中国银行: distinctive however short


@functools.lru_cache(maxsize=1)
def _brands() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    table: dict[str, set[str]] = {}
    for domain, (_, name) in known_domains().items():
        if name and _usable(name.strip()):
            table.setdefault(name.strip().lower(), set()).add(registrable_domain(domain))
    for brand in impersonated_brands():
        own = {registrable_domain(d) for d in brand.domains}
        for name in brand.names:
            if _usable(name) or name in brand.strong_names:
                table.setdefault(name.lower(), set()).update(own)
    platforms = set()
    for domain in domains_of_kind("platform"):
        reg = registrable_domain(domain)
        label = reg.split(".", 1)[0]
        if label.isalpha() and _usable(label):
            table.setdefault(label, set()).add(reg)
            platforms.add(label)
    companies = {n for n in table if any(known_domains().get(d) for d in table[n])}
    return {name: frozenset(domains) for name, domains in table.items()}, frozenset(platforms - companies)


@functools.lru_cache(maxsize=1)
def strong_names() -> frozenset[str]:
    """Lower-cased names that count only where they stand alone (see the module docstring)."""
    weak = {n.lower() for b in impersonated_brands() for n in b.names if n not in b.strong_names}
    return frozenset(n.lower() for b in impersonated_brands() for n in b.strong_names) - weak


@functools.lru_cache(maxsize=1)
def brand_owned() -> frozenset[str]:
    """Every registrable domain of a report brand: a brand's own site claims nobody ("Sign in
    with Google" on microsoft.com)."""
    return frozenset(registrable_domain(d) for b in impersonated_brands() for d in b.domains)


def stands_alone(name: str, text: str) -> bool:
    """Whether `text` is the name alone, or "<name> logo" / "logo <name>" (a logo's alt)."""
    words = text.casefold().split()
    if words and words[0] == "logo":
        words = words[1:]
    elif words and words[-1] == "logo":
        words = words[:-1]
    return " ".join(words) == name


def brand_domains() -> dict[str, frozenset[str]]:
    """Lower-cased brand name -> the registrable domains it is served from."""
    return _brands()[0]


def platform_names() -> frozenset[str]:
    """The brand names that come from the platforms of data/hosting only."""
    return _brands()[1]


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = sorted(brand_domains(), key=len, reverse=True)  # "hsbc uk" before "hsbc"
    return re.compile(r"(?<![0-9a-z])(" + "|".join(re.escape(n) for n in names) + r")(?![0-9a-z])", re.I)


def find_brands(text: str) -> list[str]:
    """Distinct known brand names in `text` (lower-cased), in order of appearance."""
    found: list[str] = []
    for m in _pattern().finditer(text[:MAX_READ]):
        name = m.group(1).lower()
        if name not in found:
            found.append(name)
            if len(found) >= MAX_CLAIMS:
                break
    return found


def claims(host: str, places: dict[str, list[str]]) -> list[Claim]:
    """The brands shown in `places` (where -> texts) that are not the brands of `host`."""
    reg = registrable_domain(host) if host else ""
    if host and (known_brand(host) or reg in brand_owned()):
        return []
    on_platform = bool(host) and shared_kind(host) == "platform"
    table = brand_domains()
    out: list[Claim] = []
    seen: set[str] = set()
    for where, texts in places.items():
        for text in texts:
            for name in find_brands(text):
                if name in seen or reg in table[name] or (on_platform and name in platform_names()):
                    continue
                seen.add(name)
                out.append(Claim(name, where, table[name], name in strong_names()))
    return out[:MAX_CLAIMS]
