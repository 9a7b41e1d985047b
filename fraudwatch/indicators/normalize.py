"""Normalising indicators: URLs, domains, phones, e-mails, company names and bank accounts
to the canonical forms that are stored and compared.

Every normaliser raises `ValueError` with a human-readable message on bad input, also when
the normalised value, match key or display form would be longer than MAX_VALUE_LENGTH
(percent-encoding makes a 2,022-character Chinese URL 18,000 characters long) or its host
longer than MAX_HOST_LENGTH: limits hold for what is stored, not only for what was sent.
Input longer than MAX_RAW_LENGTH is refused before any normalisation or pattern runs.
"""
from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import idna
import phonenumbers
import tldextract

from fraudwatch.indicators.hosting import shared_domains
from fraudwatch.indicators.hosts import MAX_HOST_LENGTH, normalize_host

INDICATOR_TYPES = ("url", "domain", "phone", "email", "company", "bank_account")
MAX_VALUE_LENGTH = 2048
MAX_TEXT_CHARS = 100_000  # of a free text searched for indicators
MAX_RAW_LENGTH = 4 * MAX_VALUE_LENGTH  # more than this cannot clean down to MAX_VALUE_LENGTH but for junk
TRACKING_PARAMS = {"gclid", "fbclid", "msclkid", "yclid", "igshid", "mc_eid", "mc_cid", "spm",
                   "_hsenc", "_hsmi", "ref_src", "scid", "share_source", "wechat_redirect"}
# Private suffixes (github.io, vercel.app, blogspot.com...) count: each site on them is its own domain.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_DEFANG = [("hxxps://", "https://"), ("hxxp://", "http://"), ("[.]", "."), ("(.)", "."),
           ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("。", ".")]
_MAYBE_DEFANGED = re.compile(r"hxxp|[\[({。]")  # one scan instead of eight replaces for most values
_COMPANY_SUFFIXES = [
    (re.compile(r"有限责任公司$"), "有限公司"),
    (re.compile(r"股份有限公司$"), "股份有限公司"),
    (re.compile(r"\b(?:company|co)\.?,?\s*(?:limited|ltd)\.?$"), "co ltd"),
    (re.compile(r"\b(?:limited|ltd)\.?$"), "co ltd"),
    (re.compile(r"\b(?:incorporated|inc)\.?$"), "inc"),
    (re.compile(r"\b(?:corporation|corp)\.?$"), "corp"),
    (re.compile(r"\bl\.?l\.?c\.?$"), "llc"),
]


@dataclass(frozen=True)
class Normalized:
    """A normalised indicator value."""

    type: str
    value: str  # the stored, canonical form
    match_key: str  # what lookups compare (URLs without tracking parameters)
    display: str  # human form (Unicode host names, masked bank accounts)
    host: str | None = None  # the full host, for URLs and domains

    @functools.cached_property
    def scope(self) -> str:
        """What the indicator belongs to: `domain:<registrable domain>` for URLs, domains and
        e-mails, else `<type>:<value>` (computed once, kept when pickled)."""
        if self.type in ("url", "domain", "email") and self.host:
            return "domain:" + registrable_domain(self.host)
        return f"{self.type}:{self.value}"


def _clean(raw: object, what: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{what} must be a string")
    if len(raw) > MAX_RAW_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_VALUE_LENGTH} characters")
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", raw)).strip()
    if not text:
        raise ValueError(f"{what} is empty")
    if len(text) > MAX_VALUE_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_VALUE_LENGTH} characters")
    return text


def refang(text: str) -> str:
    """Undo the usual defanging of links (hxxp, [.], (dot), full stops)."""
    if not _MAYBE_DEFANGED.search(text):
        return text
    for old, new in _DEFANG:
        text = text.replace(old, new)
    return text


def unicode_host(host: str) -> str:
    """Display form of a punycode host."""
    if "xn--" not in host:
        return host
    try:
        return idna.decode(host)
    except (idna.IDNAError, UnicodeError):
        return host


@functools.lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain of a host (public suffix + one label), or the host itself."""
    parts = _EXTRACT(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return host


def shared_site(host: str) -> str | None:
    """The kind of shared domain (shortener, free_hosting, platform) the host's registrable
    domain is, or None. `x.vercel.app` is its own site (a private suffix); `bit.ly/x` is not."""
    return shared_domains().get(registrable_domain(host))


def _split_url(text: str) -> tuple[object, str]:
    if not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", text):
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"URL scheme '{parts.scheme}' is not http or https")
    if not parts.hostname:
        raise ValueError("URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("URL port is not a number between 0 and 65535") from None
    return parts, normalize_host(parts.hostname) + ("" if port in (None, 80, 443) else f":{port}")


_SIMPLE_PATH = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*/?")


def _canonical_path(path: str) -> str:
    if path and _SIMPLE_PATH.fullmatch(path):
        return path  # nothing to decode, encode or resolve (most paths): the same result, faster
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~%")
    normal = posixpath.normpath(path) if path else "/"
    if path.endswith("/") and not normal.endswith("/"):
        normal += "/"
    return "/" + normal.lstrip("/") if normal != "." else "/"


_SIMPLE_URL = re.compile(r"(https?)://([A-Za-z0-9.-]+)((?:/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*/?)", re.IGNORECASE)


def _bounded(item: Normalized) -> Normalized:
    """`item`, unless its normalised forms are too long to store (then ValueError)."""
    if max(len(item.value), len(item.match_key), len(item.display)) > MAX_VALUE_LENGTH:
        raise ValueError(f"{item.type} is longer than {MAX_VALUE_LENGTH} characters once normalised")
    if item.host is not None and len(item.host) > MAX_HOST_LENGTH:
        raise ValueError(f"the host of the {item.type} is longer than {MAX_HOST_LENGTH} characters")
    return item


def normalize_url(raw: object) -> Normalized:
    """Canonical URL: lower-case scheme and host, punycode, no default port, no fragment."""
    return _bounded(_canonical_url(refang(_clean(raw, "url"))))


def _canonical_url(text: str) -> Normalized:
    simple = _SIMPLE_URL.fullmatch(text)
    if simple:  # scheme, plain host and a plain path (most URLs): no parsing library needed
        scheme, host = simple.group(1).lower(), normalize_host(simple.group(2))
        path = simple.group(3) or "/"
        value = f"{scheme}://{host}{path}"
        return Normalized("url", value, value, f"{scheme}://{unicode_host(host)}{path}", host)
    parts, netloc = _split_url(text)
    scheme = parts.scheme.lower()
    if (scheme == "https" and netloc.endswith(":443")) or (scheme == "http" and netloc.endswith(":80")):
        netloc = netloc.rsplit(":", 1)[0]
    path = _canonical_path(parts.path)  # always starts with "/"
    host = netloc.split(":", 1)[0] if not netloc.startswith("[") else netloc.split("]", 1)[0] + "]"
    base, shown = f"{scheme}://{netloc}", f"{scheme}://{unicode_host(host)}{netloc[len(host):]}"
    if not parts.query:
        return Normalized("url", base + path, base + path, shown + unquote(path), host)
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in query if not _is_tracking(k))
    value = base + path + _query(urlencode(query, quote_via=quote))
    match_key = base + path + _query(urlencode(kept, quote_via=quote))
    return Normalized("url", value, match_key, shown + unquote(path) + _query(unquote(urlencode(query))), host)


def _query(encoded: str) -> str:
    return "?" + encoded if encoded else ""


def url_match_key(raw: object) -> str:
    """Canonical URL without tracking parameters: what dedupe and lookups compare."""
    return normalize_url(raw).match_key


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMS


def normalize_domain(raw: object) -> Normalized:
    """Registrable domain of a host or URL (punycode), keeping the full host alongside."""
    text = refang(_clean(raw, "domain"))
    if "/" in text or ":" in text.split("]")[-1]:
        host = _split_url(text)[1].split(":", 1)[0]
    else:
        host = normalize_host(text)
    if "." not in host and not host.startswith("["):
        raise ValueError(f"'{host}' is not a domain name (no dot)")
    value = registrable_domain(host)
    return _bounded(Normalized("domain", value, value, unicode_host(value), host))


def normalize_phone(raw: object, region: str = "CN") -> Normalized:
    """E.164 form of a phone number (short numbers such as 12366 kept with their country code)."""
    text = _clean(raw, "phone")
    digits = len(re.sub(r"\D", "", text))
    if not 5 <= digits <= 17 or re.search(r"[A-Za-z]{2,}", text):
        raise ValueError("phone is not a phone number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"phone is not a phone number ({exc})") from None
    valid = phonenumbers.is_valid_number(number) or phonenumbers.shortnumberinfo.is_valid_short_number(number)
    long_enough = len(str(number.national_number)) >= 7 and phonenumbers.is_possible_number(number)
    if not (valid or long_enough):
        raise ValueError(f"'{text}' is not a valid phone number for region {region}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Normalized("phone", e164, e164, display)


def normalize_email(raw: object) -> Normalized:
    """Lower-case e-mail address with a punycode domain."""
    text = _clean(raw, "email").lower()
    local, sep, domain = text.rpartition("@")
    if not sep or not local or len(local) > 64 or re.search(r"[\s<>()\[\],;:\"]", local):
        raise ValueError(f"'{text[:80]}' is not an e-mail address")
    host = normalize_host(domain)
    if "." not in host:
        raise ValueError(f"'{text[:80]}' has no valid domain")
    value = f"{local}@{host}"
    return _bounded(Normalized("email", value, value, f"{local}@{unicode_host(host)}", host))


def normalize_company(raw: object) -> Normalized:
    """Company name folded for comparison: widths, case, spaces, brackets, legal suffixes."""
    text = _clean(raw, "company").lower()
    text = text.replace("（", "(").replace("）", ")")
    text = re.sub(r"\s+", " ", text).strip(" .,;")
    for pattern, replacement in _COMPANY_SUFFIXES:
        text, count = pattern.subn(replacement, text)
        if count:
            break
    key = re.sub(r"[\s,.'\"()·]", "", text)
    if len(key) < 2:
        raise ValueError("company name is too short")
    return Normalized("company", key, key, _clean(raw, "company"))


def normalize_bank_account(raw: object) -> Normalized:
    """Digits of a bank account or card number (8 to 34 characters, IBAN letters kept)."""
    text = re.sub(r"[\s-]", "", _clean(raw, "bank_account")).upper()
    if not re.fullmatch(r"[A-Z]{0,2}[0-9A-Z]{8,34}", text) or not re.search(r"\d{6}", text):
        raise ValueError("bank_account must be 8 to 34 digits (spaces and dashes allowed)")
    return Normalized("bank_account", text, text, f"{text[:4]}…{text[-4:]}")


def normalize(kind: str, raw: object, region: str = "CN") -> Normalized:
    """Normalise `raw` as an indicator of type `kind`."""
    if kind == "phone":
        return normalize_phone(raw, region)
    functions = {"url": normalize_url, "domain": normalize_domain, "email": normalize_email,
                 "company": normalize_company, "bank_account": normalize_bank_account}
    if kind not in functions:
        raise ValueError(f"unknown indicator type '{kind}'; use one of {', '.join(INDICATOR_TYPES)}")
    return functions[kind](raw)
