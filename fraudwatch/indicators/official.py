"""Official tax-authority domains and hotlines, and the lookalike judgement of a host.

Backed by the CSV files in `data/official/`. A host is `official` when it equals an
official domain or is a subdomain of one (`domains.csv`, which names the tax authority),
or lies under a government namespace whose registration is restricted to government
bodies (`namespaces.csv`: any host under gov.au, gov.uk, .gov... is official, with the
generic government code of that row, e.g. AU-GOV, unless domains.csv names it more
precisely; user-content hosts listed there as exceptions are not); it is a `lookalike`
when it borrows an official domain, brand label or near-spelling without being
official; else `unknown`.
"""
from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import phonenumbers

from fraudwatch.config import extra_official_domains
from fraudwatch.datafiles import data_path
from fraudwatch.indicators.authorities import read_authorities
from fraudwatch.indicators.hosts import at_or_under, url_host
from fraudwatch.indicators.known import is_domain, known_brand
from fraudwatch.indicators.normalize import unicode_host
from fraudwatch.indicators.wordlists import word_set

DATA_DIR = data_path("official")

# Characters that attackers swap in for ASCII letters (digits, Cyrillic, Greek).
_HOMOGLYPHS = str.maketrans({
    "0": "o", "1": "l", "3": "e", "5": "s", "7": "t", "4": "a", "8": "b",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "к": "k", "м": "m", "т": "t",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ϲ": "c",
})
_GOV_WORDS = {"gov", "govt", "gouv", "gob", "govcn", "govuk", "govau"}


class HostJudgement(NamedTuple):
    """How a host relates to the official tax-authority domains."""

    status: str  # "official" | "lookalike" | "unknown"
    authority: str | None
    reason: str
    matched: str | None = None


@dataclass(frozen=True)
class OfficialData:
    """The parsed contents of data/official/."""

    domains: dict[str, str]
    hotlines: dict[str, str]
    brands: dict[str, str | None]
    authorities: dict[str, dict[str, str]]
    # suffix -> (authority code, who may register under it), from namespaces.csv
    namespaces: dict[str, tuple[str, str]] = field(default_factory=dict)
    namespace_exceptions: frozenset[str] = frozenset()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if any(row.values())]




def read_domains(path: Path, codes: set[str] | dict) -> dict[str, str]:
    """domain -> authority code from a domains.csv file: a malformed domain, an authority
    code missing from authorities.csv, a domain listed twice or a source that is not an
    https:// URL is an error naming the line."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"domain", "authority", "source"} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path.name}: needs the columns domain,authority,note,source")
        for line, row in enumerate(reader, start=2):
            domain = (row.get("domain") or "").strip().lower()
            code = (row.get("authority") or "").strip()
            if not domain and not code:
                continue
            if not is_domain(domain):
                raise ValueError(f"{path.name} line {line}: bad domain {domain[:80]!r}")
            if code not in codes:
                raise ValueError(f"{path.name} line {line}: unknown authority code {code[:40]!r} "
                                 "(not in authorities.csv)")
            if domain in out:
                raise ValueError(f"{path.name} line {line}: {domain} listed twice")
            if not (row.get("source") or "").strip().startswith("https://"):
                raise ValueError(f"{path.name} line {line}: {domain} needs an https:// source")
            out[domain] = code
    return out


@functools.lru_cache(maxsize=4)
def load_official(data_dir: str | None = None) -> OfficialData:
    """Read the official lists once per process (domains.csv and authorities.csv strictly)."""
    base = Path(data_dir) if data_dir else DATA_DIR
    registry = read_authorities(base / "authorities.csv")
    domains = read_domains(base / "domains.csv", registry)
    extra = extra_official_domains()
    if extra and Path(extra).is_file():
        for row in _rows(Path(extra)):
            name = (row.get("domain") or row.get("Domain name") or "").strip().lower()
            if name and name not in domains:
                domains[name] = (row.get("authority") or "US-IRS").strip() or "US-IRS"
    hotlines = {}
    for row in _rows(base / "hotlines.csv"):
        key = _hotline_key(row["number"], row["region"])
        if key:
            hotlines[key] = row["authority"].strip()
    brands = {r["token"].strip().lower(): (r["authority"].strip() or None) for r in _rows(base / "brand_tokens.csv")}
    authorities = {code: {"name_en": a.name_en, "name_zh": a.name_zh, "country": a.country, "kind": a.kind}
                   for code, a in registry.items()}
    namespaces, exceptions = _namespaces(base / "namespaces.csv")
    return OfficialData(domains, hotlines, brands, authorities, namespaces, exceptions)


def _namespaces(path: Path) -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
    """Government namespaces and the user-content hosts under them that are excepted."""
    if not path.is_file():
        return {}, frozenset()
    namespaces: dict[str, tuple[str, str]] = {}
    exceptions: set[str] = set()
    for row in _rows(path):
        suffix = row["suffix"].strip().lower().strip(".")
        if row["kind"].strip() == "exception":
            exceptions.add(suffix)
        elif suffix:
            namespaces[suffix] = (row["authority"].strip(), row["government"].strip())
    return namespaces, frozenset(exceptions)


def _hotline_key(number: str, region: str = "CN") -> str | None:
    try:
        parsed = phonenumbers.parse(number, region or "CN")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def official_domains() -> list[tuple[str, str]]:
    """All (domain, authority) pairs of the allowlist."""
    return sorted(load_official().domains.items())


def authorities() -> dict[str, dict[str, str]]:
    """Authority code -> names and country."""
    return load_official().authorities


def official_hotline(number: str, region: str = "CN") -> str | None:
    """Authority code when `number` (E.164 or national) is an official hotline."""
    key = number if number.startswith("+") and number[1:].isdigit() else _hotline_key(number, region)
    if not key:
        return None
    hotlines = load_official().hotlines
    if key in hotlines:
        return hotlines[key]
    # 12366 is also dialled behind a Chinese area code (010-12366, 021-12366...).
    if key.startswith("+86") and key.endswith("12366") and len(key) <= 12:
        return hotlines.get("+8612366")
    return None


def clean_host(host: str) -> str:
    """The normalised host of a host name or URL (`hosts.url_host`: after any user-name part,
    without port), or "" when there is none. Lenient, for judging: never raises."""
    try:
        return url_host((host or "").lstrip("."))
    except ValueError:
        return ""


def _skeleton(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_HOMOGLYPHS)
    return text.replace("rn", "m").replace("vv", "w")


def match_official(host: str) -> tuple[str, str] | None:
    """(official domain, authority) when `host` is that domain or a subdomain of it."""
    domains = load_official().domains
    labels = host.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in domains:
            return candidate, domains[candidate]
    return None


def match_namespace(host: str, data: OfficialData | None = None) -> tuple[str, str, str] | None:
    """(namespace, authority code, government) when `host` lies strictly under a government
    namespace (a name registered in it, or a subdomain of one), the longest namespace
    first; None for the namespace itself, for anything else, and for hosts at or under
    an excepted user-content host. Labels are compared whole: gov-uk.com and
    gov.uk.example.top are under no namespace. `data`: other lists than data/official/."""
    data = data or load_official()
    if not data.namespaces:
        return None
    labels = host.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels))]
    if any(suffix in data.namespace_exceptions for suffix in suffixes):
        return None
    for suffix in suffixes[1:]:
        if suffix in data.namespaces:
            authority, government = data.namespaces[suffix]
            return suffix, authority, government
    return None


def judge_host(host: str) -> HostJudgement:
    """Say whether `host` is official, a lookalike of an official domain, or unknown."""
    return HostJudgement(*_judged(host))


@functools.lru_cache(maxsize=65536)
def _judged(host: str) -> tuple[str, str | None, str, str | None]:
    """judge_host's cache holds plain tuples of strings: the garbage collector stops tracking
    those (not tuple subclasses), so a full cache does not lengthen its full passes."""
    return tuple(_judge(host))


def _judge(host: str) -> HostJudgement:
    ascii_host = clean_host(host)
    if not ascii_host:
        return HostJudgement("unknown", None, "empty host")
    found = match_official(ascii_host)
    if found and not _excepted(ascii_host):
        return HostJudgement("official", found[1], f"official domain {found[0]}", found[0])
    namespace = match_namespace(ascii_host)
    if namespace:
        suffix, authority, government = namespace
        return HostJudgement("official", authority,
                             f"government namespace {suffix} (registered only by {government})", suffix)
    if known_brand(ascii_host):  # 12306.cn is China Railway, not a misspelt 12366
        return HostJudgement("unknown", None, "the domain of a known company (data/brands), not an authority's")
    for check in (_embedded_official, _brand_label, _near_spelling, _gov_and_tax_words):
        verdict = check(ascii_host)
        if verdict:
            return verdict
    return HostJudgement("unknown", None, "not an official domain and no lookalike pattern")


def _excepted(host: str) -> bool:
    """Whether `host` is at or under a user-content host excepted in namespaces.csv (its
    pages are written by anyone, even when its parent domain is on the allowlist)."""
    exceptions = load_official().namespace_exceptions
    if not exceptions:
        return False
    return at_or_under(host, exceptions)


_BROAD = {"gov.cn", "gov.uk", "gc.ca", "canada.ca", "treasury.gov", "pay.gov"}


@functools.lru_cache(maxsize=1)
def _distinctive_domains() -> tuple[tuple[str, str, str], ...]:
    """(domain, authority, domain without separators) for domains worth finding inside others."""
    return tuple((d, a, re.sub(r"[^a-z0-9]", "", d)) for d, a in load_official().domains.items()
                 if "." in d and d not in _BROAD)


@functools.lru_cache(maxsize=1)
def _distinctive_patterns() -> tuple[re.Pattern, re.Pattern]:
    """One alternation of the distinctive domains and one of their separator-less forms: a
    single search rules out nearly every host before the per-domain loop."""
    domains = _distinctive_domains()
    return (re.compile("|".join(re.escape(d) for d, _, _ in domains)),
            re.compile("|".join(re.escape(f) for _, _, f in domains)))


def _flat_labels(host: str) -> tuple[str, frozenset[int]]:
    """The host's letters and digits without separators (after homoglyph folding), and the
    positions in that string where a label starts or ends."""
    flat, bounds = [], {0}
    for label in re.split(r"[^a-z0-9]+", _skeleton(unicode_host(host))):
        if label:
            flat.append(label)
            bounds.add(sum(map(len, flat)))
    return "".join(flat), frozenset(bounds)


def _whole_labels(text: str, part: str, bounds: frozenset[int] | None = None) -> bool:
    """Whether `part` occurs in `text` as whole labels: starting and ending at a label
    boundary (`bounds`), or next to a non-alphanumeric character or an end."""
    at = text.find(part)
    while at >= 0:
        end = at + len(part)
        if bounds is not None:
            if at in bounds and end in bounds:
                return True
        elif (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        at = text.find(part, at + 1)
    return False


def _embedded_official(host: str) -> HostJudgement | None:
    """An official domain inside another host, as whole labels (ato.gov.au.refund-claim.top,
    irs-gov.com, chinatax-gov-cn.top): not as letters inside a label (aros.ie and
    rosiesbakery.com do not borrow ros.ie)."""
    flat, bounds = _flat_labels(host)
    whole, separated = _distinctive_patterns()
    if not whole.search(host) and not separated.search(flat):
        return None
    for domain, authority, domain_flat in _distinctive_domains():
        if domain in host and _whole_labels(host, domain):
            return HostJudgement("lookalike", authority,
                                 f"contains the official domain {domain} inside a non-official domain", domain)
        if domain_flat in flat and _whole_labels(flat, domain_flat, bounds):
            return HostJudgement("lookalike", authority,
                                 f"spells the official domain {domain} with other separators", domain)
    return None


@functools.lru_cache(maxsize=4096)
def _labels(host: str) -> tuple[str, ...]:
    """Labels of the host split on dots, hyphens and underscores, raw and de-homoglyphed
    (cached: three checks of one judgement read them)."""
    text = unicode_host(host).lower()
    raw = [p for p in re.split(r"[.\-_]", text) if p]
    # a label of digits only is a number (a phone, a date, 470), not a word spelt in digits
    disguised = [_skeleton(p) for p in raw if not p.isdigit()]
    return tuple(raw + [p for p in disguised if p and p not in raw])


def _brand_label(host: str) -> HostJudgement | None:
    brands = load_official().brands
    labels = _labels(host)
    for label in labels:
        if label in brands and (brands[label] or _GOV_WORDS & set(labels)):
            authority = brands[label]
            return HostJudgement("lookalike", authority,
                                 f"uses the tax-authority name '{label}' in a non-official domain",
                                 _official_for(authority))
    return None


def _official_for(authority: str | None) -> str | None:
    if not authority:
        return None
    for domain, code in load_official().domains.items():
        if code == authority:
            return domain
    return None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (edits and adjacent transpositions), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i:i + 2] for i in range(len(text) - 1))


@functools.lru_cache(maxsize=1)
def _spelling_brands() -> dict[int, tuple[tuple[str, int, frozenset[str], frozenset[str], int], ...]]:
    """Authority names long enough for near-spelling checks, by the label lengths they can
    match: {length: ((name, edits allowed, letters, bigrams, bigrams to share), ...)}.

    The last is the q-gram bound: one edit (insert, delete, substitute, transpose) destroys
    at most three of the name's bigrams, so a label within k edits keeps all but 3k of them.
    With the length index, nearly every label is dismissed without any distance computed."""
    by_length: dict[int, list] = {}
    for brand, authority in load_official().brands.items():
        if authority and len(brand) >= 5:
            edits = 1 if len(brand) < 7 else 2
            grams = _bigrams(brand)
            for length in range(len(brand) - edits, len(brand) + edits + 1):
                by_length.setdefault(length, []).append((brand, edits, frozenset(brand), grams, len(grams) - 3 * edits))
    return {length: tuple(entries) for length, entries in by_length.items()}


def _near_spelling(host: str) -> HostJudgement | None:
    candidates_by_length = _spelling_brands()
    for label in _labels(host):
        candidates = candidates_by_length.get(len(label)) if len(label) >= 5 else None
        if not candidates:
            continue
        letters, grams = set(label), None
        for brand, edits, brand_letters, brand_grams, shared in candidates:
            if len(brand_letters - letters) > 2:
                continue  # two edits cannot bring back three missing letters
            if shared > 0:
                grams = grams or _bigrams(label)
                if len(brand_grams & grams) < shared:
                    continue
            if label != brand and _edit_distance(label, brand, edits) <= edits:
                authority = load_official().brands[brand]
                return HostJudgement("lookalike", authority,
                                     f"'{label}' is a near-spelling of the tax-authority name '{brand}'",
                                     _official_for(authority))
    return None


def _gov_and_tax_words(host: str) -> HostJudgement | None:
    labels = _labels(host)
    words, joined = set(labels), "".join(labels)
    has_gov = bool(words & _GOV_WORDS) or "gov" in joined
    has_tax = bool(words & word_set("tax_words")) or any(w in joined for w in ("tax", "refund", "rebate"))
    if has_gov and has_tax:
        return HostJudgement("lookalike", None,
                             "combines 'gov' with tax or refund words in a non-government domain")
    return None
