"""Lookalike domains of official tax domains, generated the way dnstwist does it.

`generate(domain)` runs dnstwist's `Fuzzer` (omission, insertion, transposition,
homoglyph, hyphenation, repetition, replacement, bitsquatting, TLD swap, dictionary
words) and adds tricks seen in tax scams: the official domain as a subdomain of a
throwaway one (`chinatax.gov.cn.tuishui.top`), the dotted name flattened
(`chinatax-gov-cn.top`) and brand + word combinations (`etax-chinatax.top`).
`resolve_all` checks which candidates exist through an injectable resolver (tests
point it at a static mapping), never through a fetch.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import dnstwist

from crawlers.errors import FetchError
from fraudwatch.indicators import registrable_domain, unicode_host
from fraudwatch.indicators.wordlists import word_list

log = logging.getLogger(__name__)

TAX_WORDS = word_list("lookalike_words")  # data/lexicon/lookalike_words.txt
SCAM_TLDS = word_list("lookalike_tlds")  # data/lexicon/lookalike_tlds.txt
MAX_CANDIDATES = 20_000


@dataclass(frozen=True)
class Lookalike:
    """A generated candidate domain and how it was made."""

    domain: str  # ASCII (punycode) form
    fuzzer: str
    base: str
    authority: str | None = None

    @property
    def display(self) -> str:
        """Unicode form, for people."""
        return unicode_host(self.domain)


class AddressResolver(Protocol):
    """Anything with `resolve(host, port) -> list of addresses` (see netguard.Resolver)."""

    def resolve(self, host: str, port: int) -> list: ...


@dataclass
class Resolved:
    """A candidate and the addresses it resolved to (empty: not registered/resolving)."""

    lookalike: Lookalike
    addresses: list[str] = field(default_factory=list)


def _tricks(domain: str, words: Iterable[str], tlds: Iterable[str]) -> Iterable[tuple[str, str]]:
    reg = registrable_domain(domain)
    name = reg.split(".", 1)[0]
    flat = domain.replace(".", "-")
    for tld in tlds:
        yield "flattened", f"{flat}.{tld}"
        yield "flattened", f"{domain.replace('.', '')}.{tld}"
        for word in words:
            yield "subdomain-trick", f"{domain}.{word}.{tld}"
            yield "subdomain-trick", f"{domain}.{word}-{name}.{tld}"
            yield "brand-word", f"{word}-{name}.{tld}"
            yield "brand-word", f"{name}-{word}.{tld}"
            yield "brand-word", f"{name}{word}.{tld}"


def generate(domain: str, *, words: Iterable[str] = TAX_WORDS, tlds: Iterable[str] = SCAM_TLDS,
             fuzzers: Iterable[str] = (), authority: str | None = None,
             limit: int = MAX_CANDIDATES) -> list[Lookalike]:
    """Lookalike candidates of `domain`, sorted by fuzzer then domain, at most `limit`."""
    domain = domain.lower().strip(".")
    words, tlds, wanted = list(words), list(tlds), set(fuzzers)
    fuzzer = dnstwist.Fuzzer(domain, dictionary=words, tld_dictionary=tlds)
    fuzzer.generate(fuzzers=sorted(wanted))  # empty: every dnstwist fuzzer
    found: dict[str, Lookalike] = {}
    for perm in fuzzer.domains:
        name, kind = perm["domain"], perm["fuzzer"]
        if kind != "*original" and name != domain and (not wanted or kind in wanted):
            found.setdefault(name, Lookalike(name, kind, domain, authority))
    for kind, name in _tricks(domain, words, tlds):
        if not wanted or kind in wanted:
            found.setdefault(name, Lookalike(name, kind, domain, authority))
    ordered = sorted(found.values(), key=lambda lk: (lk.fuzzer, lk.domain))
    return ordered[:limit]


def official_lookalikes(limit_per_domain: int = 2000, **kwargs: object) -> list[Lookalike]:
    """Candidates for every official tax domain of `fraudwatch.indicators.official`."""
    from fraudwatch.indicators.official import official_domains

    out: list[Lookalike] = []
    for domain, authority in official_domains():
        if domain.count(".") < 1 or domain in {"gov.cn", "gov.uk", "gc.ca"}:
            continue
        out.extend(generate(domain, authority=authority, limit=limit_per_domain, **kwargs))
    return out


def _resolve_one(resolver: AddressResolver, lk: Lookalike) -> Resolved:
    try:
        return Resolved(lk, [str(a) for a in resolver.resolve(lk.domain, 80)])
    except FetchError:
        return Resolved(lk, [])
    except Exception as exc:  # a resolver bug must not stop a sweep of thousands
        log.warning("resolving %s failed: %s", lk.domain, exc)
        return Resolved(lk, [])


def resolve_all(candidates: Iterable[Lookalike], resolver: AddressResolver,
                workers: int = 16) -> list[Resolved]:
    """Resolve each candidate (in parallel); keep input order, empty list when none."""
    items = list(candidates)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda lk: _resolve_one(resolver, lk), items))
