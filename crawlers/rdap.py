"""RDAP (RFC 9082/9083): who to tell about a domain. The registry is found from IANA's
bootstrap file (`dns.json`, RFC 9224), the domain's RDAP answer is fetched through the
crawler's guarded `Fetcher` (address policy, size and time limits, redirects re-checked), and
the registrar's name with its abuse e-mail and phone are read from the answer's entities
(roles `registrar` and `abuse`, jCard `vcardArray`, RFC 7095).

Parsing is a pure function of bytes: bounded input (MAX_ANSWER), JSON nested too deep is a
`RdapError`, and the walk over entities is bounded in depth and count, so a hostile server's
answer costs at most a linear read. Every failure is a `RdapError` with a code: `no_server`
(no RDAP service for the TLD), `bad_answer` (not RDAP JSON), `not_found` (404) or a
`crawlers.errors` fetch code (`dns_error`, `blocked_address`, `connect_error`, ...)."""
from __future__ import annotations

import ipaddress
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

from crawlers.errors import FetchError
from crawlers.fetch import Fetcher

RDAP_TYPES = ("application/rdap+json", "application/json")
MAX_BOOTSTRAP = 1024 * 1024  # IANA's dns.json is about 30 KB
MAX_ANSWER = 256 * 1024
MAX_ENTITIES = 50  # entities looked at in one answer, nested ones included
MAX_DEPTH = 3  # entities inside entities (registrar -> abuse contact)
MAX_SERVICES = 5000
MAX_TEXT = 320  # characters kept of a name, e-mail or phone
BOOTSTRAP_TTL = 24 * 3600.0
IANA_DNS_BOOTSTRAP = "https://data.iana.org/rdap/dns.json"


class RdapError(Exception):
    """An RDAP lookup that gave no answer; `code` is machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Contact:
    """A party to notify: who (`party`: registrar or host), its name, and how (`contact`)."""

    party: str
    name: str | None
    contact: str

    def as_dict(self) -> dict:
        """The form stored in a takedown's abuse_contacts (source `rdap`)."""
        return {"party": self.party, "name": self.name, "contact": self.contact, "source": "rdap"}


def load_json(body: bytes, limit: int) -> object:
    """JSON from at most `limit` bytes; RdapError for anything else (too big, not UTF-8, not
    JSON, nested beyond the parser's recursion limit)."""
    if len(body) > limit:
        raise RdapError("bad_answer", f"answer larger than {limit} bytes")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RdapError("bad_answer", f"not JSON: {type(exc).__name__}") from None


def bootstrap_services(document: object) -> dict[str, str]:
    """{tld: RDAP base URL} from a bootstrap document (`services`: [[tlds], [urls]], ...);
    https bases first. Malformed entries are skipped."""
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, list):
        raise RdapError("bad_answer", "bootstrap has no services list")
    found: dict[str, str] = {}
    for entry in services[:MAX_SERVICES]:
        if not (isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[0], list)
                and isinstance(entry[1], list)):
            continue
        urls = [u for u in entry[1][:10] if isinstance(u, str) and u.startswith(("https://", "http://"))]
        if not urls:
            continue
        base = sorted(urls, key=lambda u: not u.startswith("https://"))[0]
        for tld in entry[0][:MAX_SERVICES]:
            if isinstance(tld, str) and 0 < len(tld) <= 63:
                found.setdefault(tld.lower().strip("."), base if base.endswith("/") else base + "/")
    return found


def server_for(services: dict[str, str], domain: str) -> str | None:
    """The RDAP base URL for `domain`: the longest matching label suffix (RFC 9224 §4)."""
    labels = domain.lower().strip(".").split(".")
    for start in range(len(labels)):
        base = services.get(".".join(labels[start:]))
        if base:
            return base
    return None


def _vcard(entity: dict) -> dict[str, str]:
    """fn, email and tel of an entity's jCard (first of each, as text)."""
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return {}
    out: dict[str, str] = {}
    for prop in card[1][:100]:
        if not (isinstance(prop, list) and len(prop) >= 4 and isinstance(prop[0], str)):
            continue
        name, value = prop[0].lower(), prop[3]
        if name in ("fn", "email", "tel") and name not in out:
            if isinstance(value, list):  # a structured value: its first text part
                value = next((v for v in value[:10] if isinstance(v, str) and v), None)
            if isinstance(value, str) and value.strip():
                text = value.strip()[:MAX_TEXT]
                out[name] = text[4:] if name == "tel" and text.lower().startswith("tel:") else text
    return out


def _entities(document: dict) -> list[tuple[tuple[str, ...], dict, tuple[str, ...]]]:
    """(roles, jCard, roles of the entity it is nested in) of each entity, breadth first,
    at most MAX_ENTITIES and MAX_DEPTH deep."""
    out: list[tuple[tuple[str, ...], dict, tuple[str, ...]]] = []
    level: list[tuple[object, tuple[str, ...]]] = [(e, ()) for e in _list(document.get("entities"))]
    for _depth in range(MAX_DEPTH):
        following: list[tuple[object, tuple[str, ...]]] = []
        for entity, parent in level:
            if len(out) >= MAX_ENTITIES:
                return out
            if not isinstance(entity, dict):
                continue
            roles = tuple(r.lower() for r in _list(entity.get("roles"))[:10] if isinstance(r, str))
            out.append((roles, _vcard(entity), parent))
            following += [(e, roles) for e in _list(entity.get("entities"))[:MAX_ENTITIES]]
        level = following[:MAX_ENTITIES]
    return out


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def parse_domain_answer(document: object) -> list[Contact]:
    """The registrar's abuse e-mail and phone (from its `abuse` entity, else its own card)
    with the registrar's name, from an RDAP domain answer; [] when there are none."""
    if not isinstance(document, dict):
        raise RdapError("bad_answer", "RDAP answer is not an object")
    entities = _entities(document)
    registrar = next((card for roles, card, _ in entities if "registrar" in roles), {})
    name = registrar.get("fn")
    abuse = [card for roles, card, parent in entities if "abuse" in roles and ("registrar" in parent or not parent)]
    contacts: list[Contact] = []
    for card in abuse or [registrar]:
        for key in ("email", "tel"):
            if card.get(key):
                contacts.append(Contact("registrar", name, card[key]))
    if not contacts and name:
        contacts.append(Contact("registrar", name, name))
    return list(dict.fromkeys(contacts))[:10]


def domain_url(base: str, domain: str) -> str:
    """The RDAP URL of a domain at a base URL."""
    return base + "domain/" + quote(domain.lower().strip("."), safe="")


class RdapClient:
    """Domain lookups through a guarded fetcher; the bootstrap is kept BOOTSTRAP_TTL seconds."""

    _cache: dict[str, tuple[float, dict[str, str]]] = {}
    _lock = threading.Lock()

    def __init__(self, fetcher: Fetcher, bootstrap_url: str = IANA_DNS_BOOTSTRAP) -> None:
        self.fetcher = fetcher
        self.bootstrap_url = bootstrap_url

    def _get(self, url: str, limit: int) -> object:
        try:
            res = self.fetcher.fetch(url, allowed_types=RDAP_TYPES, max_body=limit, robots=False)
        except FetchError as exc:
            raise RdapError(exc.code, exc.message) from None
        if res.status == 404:
            raise RdapError("not_found", f"no RDAP record at {url[:200]}")
        if res.status != 200:
            raise RdapError("bad_answer", f"HTTP {res.status} from {url[:200]}")
        return load_json(res.body, limit)

    def services(self) -> dict[str, str]:
        """The bootstrap's {tld: base URL}, fetched at most once a BOOTSTRAP_TTL per URL."""
        with self._lock:
            held = self._cache.get(self.bootstrap_url)
        if held and time.monotonic() - held[0] < BOOTSTRAP_TTL:
            return held[1]
        services = bootstrap_services(self._get(self.bootstrap_url, MAX_BOOTSTRAP))
        with self._lock:
            self._cache[self.bootstrap_url] = (time.monotonic(), services)
        return services

    def domain_contacts(self, domain: str) -> list[Contact]:
        """The registrar and its abuse contacts for `domain` (RdapError when there is no answer)."""
        if _is_address(domain):
            raise RdapError("no_server", "an IP address has no domain registrar")
        base = server_for(self.services(), domain)
        if base is None:
            raise RdapError("no_server", f"no RDAP service for {domain[:100]}")
        return parse_domain_answer(self._get(domain_url(base, domain), MAX_ANSWER))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
