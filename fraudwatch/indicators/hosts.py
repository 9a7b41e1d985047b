"""Host names: the one normaliser (`normalize_host`) every part of fraudwatch uses, the host
of a URL as a browser reads it (`url_host`), and the set of top-level domains a link may
end in (`public_tlds`, from tldextract's bundled public suffix list snapshot; no network).

The classifier, the crawler (behind its own SSRF checks in crawlers/netguard.py) and the
service all call these, so one host is spelled one way everywhere: a host that becomes an
indicator is the host the classifier and the crawler judge.
"""
from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata

import idna
import tldextract

MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63
# Full-width, ideographic and half-width ideographic full stops: scam texts write
# etax。chinatax。gov。cn so that filters miss the link; browsers read them as dots.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# Labels of a plain ASCII host name (fullmatch; the 253-character limit is checked apart).
# Underscores are kept: DNS allows them and scam hosts use them; IDNA would refuse them.
_PLAIN_HOST = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PUNYCODE_HOST = re.compile(r"[a-z0-9.-]+")
_NUMERIC = re.compile(r"[0-9.]+")
# Scheme, then the authority up to its first / ? # or backslash (browsers read \ as /).
_AUTHORITY = re.compile(r"(?i)^(?:https?:/{0,3}\s?|[a-z][a-z0-9+.-]*://)?([^/?#\\\s]*)")


def normalize_host(raw: object) -> str:
    """The canonical ASCII form of a host name or IP literal, or ValueError saying why not.

    NFKC, strip, lower case, ideographic dots folded to '.', trailing dot dropped; an IPv4
    address must be four numbers up to 255; an IPv6 literal comes back in brackets (the URL
    form), compressed; any other name is checked and punycoded by IDNA (UTS 46) and must
    keep to 63 characters a label and 253 in all."""
    if not isinstance(raw, str):
        raise ValueError("the host must be a string")
    if len(raw) > 4 * MAX_HOST_LENGTH:  # no normalisation brings that down to a host
        raise ValueError(f"the host is longer than {MAX_HOST_LENGTH} characters")
    if raw.isascii():  # most hosts, and the lookup hot path: NFKC and the dots change nothing
        host = raw.strip().lower().rstrip(".")
        if len(host) <= MAX_HOST_LENGTH and _PLAIN_HOST.fullmatch(host) and "xn--" not in host \
                and not host.replace(".", "").isdigit():
            return host  # a plain name (one regex): IDNA would only lower-case it
    else:
        host = unicodedata.normalize("NFKC", raw).translate(_DOTS).strip().lower().rstrip(".")
    if not host:
        raise ValueError("the host is empty")
    if host.startswith("[") or ":" in host:
        return _ipv6(host)
    if _NUMERIC.fullmatch(host):
        return _ipv4(host)
    if len(host) <= MAX_HOST_LENGTH and "xn--" not in host and _PLAIN_HOST.fullmatch(host):
        return host
    return _idna(host)


def _ipv6(host: str) -> str:
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.IPv6Address(inner)
    except ValueError:
        raise ValueError(f"'{host[:80]}' is not a valid IPv6 address") from None
    return f"[{address.compressed}]"


def _ipv4(host: str) -> str:
    parts = host.split(".")
    if len(parts) != 4 or any(not p or len(p) > 3 or int(p) > 255 for p in parts):
        raise ValueError(f"'{host[:80]}' is not a valid IPv4 address")
    return host


def _idna(host: str) -> str:
    if host.isascii() and len(host) > MAX_HOST_LENGTH:  # punycode never makes a host shorter
        raise ValueError(f"the host is longer than {MAX_HOST_LENGTH} characters")
    labels = host.split(".")
    if any(len(label) > MAX_LABEL_LENGTH for label in labels):
        raise ValueError(f"'{host[:80]}' has a label longer than {MAX_LABEL_LENGTH} characters")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"'{host[:80]}' is not a valid host name ({exc})") from None
    if len(ascii_host) > MAX_HOST_LENGTH:
        raise ValueError(f"the host is longer than {MAX_HOST_LENGTH} characters")
    if not _PUNYCODE_HOST.fullmatch(ascii_host):
        raise ValueError(f"'{host[:80]}' is not a valid host name")
    return ascii_host


def at_or_under(host: str, names: set[str] | frozenset[str], *, tld: bool = True) -> bool:
    """Whether `host` is one of `names` or a name under one (b.a.top is under a.top); with
    `tld` false a bare TLD in `names` does not count."""
    labels = host.split(".")
    return any(".".join(labels[i:]) in names for i in range(len(labels) if tld else len(labels) - 1))


def url_host(url: str) -> str:
    """The normalised host of a URL or bare `host[:port][/path]`, as a browser reads it:
    after the last '@' of the authority (`https://www.chinatax.gov.cn@etax.hn-tax.cc` is
    etax.hn-tax.cc) and before the port. ValueError when there is no valid host."""
    match = _AUTHORITY.match(url.strip()) if isinstance(url, str) else None
    authority = match.group(1).rsplit("@", 1)[-1] if match else ""
    if authority.startswith("["):
        return normalize_host(authority.split("]", 1)[0] + "]")
    return normalize_host(authority.split(":", 1)[0])


@functools.cache
def public_tlds() -> frozenset[str]:
    """Every top-level domain of the bundled public suffix list (ASCII, punycode for the
    internationalised ones): the last label a link's host may end in."""
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    return frozenset(_ascii_tld(suffix.rsplit(".", 1)[-1]) for suffix in extract.tlds) - {""}


def _ascii_tld(label: str) -> str:
    label = label.lstrip("*!").lower()
    if label.isascii():
        return label
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return ""
