"""A read-only TAXII 2.1 server over the feeds' STIX objects (blueprint `taxii`, beside the
public one): discovery at /taxii2/, one API root /taxii2/fraudwatch/, a collection per feed with
its objects, manifest, single objects and their versions (services/taxii.py).

Every answer is `application/taxii+json;version=2.1`; a request that accepts neither that nor
any JSON gets 406. Collections of a feed named in FEEDS_REQUIRE_KEY need an enterprise, officer
or admin API key, given as a bearer token or as the password of HTTP Basic (TAXII clients' usual
way; the user name is not looked at). Errors are TAXII error messages."""
from __future__ import annotations

import base64
import binascii

import orjson
from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from fraudwatch.exceptions import DomainError, Invalid
from fraudwatch.infra.extensions import db
from fraudwatch.public import bp as public_bp
from fraudwatch.public.stix_feeds import feed_allowed, require_feed
from fraudwatch.services import taxii
from fraudwatch.storage import users
from fraudwatch.web.auth import ANONYMOUS, Principal, load_principal
from fraudwatch.web.errors import DOMAIN_STATUS, APIError

bp = Blueprint("taxii", __name__, url_prefix="/taxii2")
MEDIA = "application/taxii+json;version=2.1"
ROOT = f"/taxii2/{taxii.API_ROOT}/"
_ACCEPTED = ("application/taxii+json;version=2.1", "application/taxii+json", "application/json", "*/*",
             "application/*")
_NO_ARGS = ("taxii.discovery", "taxii.api_root", "taxii.collections", "taxii.collection")
_OBJECT_ARGS = ("added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
                "match[spec_version]")


class TaxiiError(Exception):
    """A TAXII error message with its HTTP status."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def _accepts() -> bool:
    header = request.headers.get("Accept", "")
    if not header.strip():
        return True
    for part in header.split(",")[:20]:
        media, *params = [p.strip().lower() for p in part.split(";")]
        version = next((p.split("=", 1)[1].strip() for p in params if p.startswith("version=")), None)
        quality = next((p for p in params if p.startswith("q=")), "q=1")
        if quality in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        if media == "application/taxii+json" and version in (None, "2.1"):
            return True
        if media in ("application/json", "*/*", "application/*") and version is None:
            return True
    return False


def _principal() -> Principal:
    """The caller: a bearer token or X-API-Key (web/auth.py), or an API key as Basic password."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return load_principal()
    try:
        decoded = base64.b64decode(value.strip()[:400], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise TaxiiError(401, "Unauthorized", "malformed Basic credentials") from None
    token = decoded.partition(":")[2]
    if not token or len(token) > 200 or not token.isascii():
        raise TaxiiError(401, "Unauthorized", "invalid or revoked API key")
    found = users.resolve_token(db.session, token)
    if found is None:
        raise TaxiiError(401, "Unauthorized", "invalid or revoked API key")
    g.principal = Principal(found[1].role, found[1].name, found[0].id)
    return g.principal


@bp.before_request
def _negotiate() -> None:
    if not _accepts():
        raise TaxiiError(406, "Not Acceptable", f"this server answers {MEDIA}")
    if request.endpoint in _NO_ARGS and request.args:
        raise TaxiiError(400, "Bad Request", "this resource takes no parameters")
    g.principal = ANONYMOUS
    if request.headers.get("Authorization") or request.headers.get("X-API-Key"):
        _principal()


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(orjson.dumps(body), status=status, content_type=MEDIA)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Accept, Authorization, X-API-Key"
    response.headers.update(headers or {})
    return response


def _feed(collection: str) -> str:
    feed = taxii.COLLECTIONS.get(collection)
    if feed is None:
        raise TaxiiError(404, "Not Found", "no such collection")
    try:
        require_feed(feed, g.principal)
    except APIError as exc:
        raise TaxiiError(exc.status, "Unauthorized" if exc.status == 401 else "Forbidden", exc.message) from None
    return feed


def _query(allowed: tuple[str, ...]) -> taxii.Query:
    return taxii.parse_query({name: request.args.getlist(name) for name in request.args}, allow=allowed)


@bp.get("/")
def discovery():
    """Server discovery: the one API root."""
    return _json({"title": "fraudwatch TAXII 2.1", "description": "Tax-impersonation scam indicators as STIX 2.1",
                  "default": ROOT, "api_roots": [ROOT]})


@bp.get(f"/{taxii.API_ROOT}/")
def api_root():
    """The API root's information."""
    return _json({"title": "fraudwatch feeds", "description": "One collection per feed (confirmed, suspected)",
                  "versions": [MEDIA], "max_content_length": current_app.config["MAX_CONTENT_LENGTH"]})


def _collection(collection: str, feed: str) -> dict:
    return {"id": collection, "title": f"fraudwatch {feed} indicators",
            "description": f"Tax-impersonation scam indicators of the {feed} feed, their campaigns and reports",
            "can_read": feed_allowed(feed, g.principal), "can_write": False, "media_types": [taxii.stix.MEDIA_TYPE]}


@bp.get(f"/{taxii.API_ROOT}/collections/")
def collections():
    """The collections, one per feed (can_read says whether this caller may read it)."""
    return _json({"collections": [_collection(cid, feed) for cid, feed in taxii.COLLECTIONS.items()]})


@bp.get(f"/{taxii.API_ROOT}/collections/<collection>/")
def collection(collection: str):
    """One collection."""
    feed = taxii.COLLECTIONS.get(collection)
    if feed is None:
        raise TaxiiError(404, "Not Found", "no such collection")
    return _json(_collection(collection, feed))


def _date_headers(result: taxii.Page) -> dict:
    if not result.items:
        return {}
    added = [placed.added for placed in result.items]
    return {"X-TAXII-Date-Added-First": taxii.taxii_time(min(added)),
            "X-TAXII-Date-Added-Last": taxii.taxii_time(max(added))}


@bp.get(f"/{taxii.API_ROOT}/collections/<collection>/objects/")
def objects(collection: str):
    """A page of the collection's objects."""
    feed = _feed(collection)
    result = taxii.page(db.session, feed, _query(_OBJECT_ARGS))
    return _json(taxii.envelope(result), headers=_date_headers(result))


@bp.get(f"/{taxii.API_ROOT}/collections/<collection>/manifest/")
def manifest(collection: str):
    """A page of the collection's manifest."""
    feed = _feed(collection)
    result = taxii.page(db.session, feed, _query(_OBJECT_ARGS))
    return _json(taxii.manifest(result), headers=_date_headers(result))


def _one(collection: str, object_id: str) -> tuple[str, taxii.Query]:
    feed = _feed(collection)
    query = _query(("added_after", "limit", "next", "match[version]", "match[spec_version]"))
    try:
        ids = taxii.parse_query({"match[id]": [object_id]}, allow=("match[id]",)).ids
    except Invalid:
        raise TaxiiError(404, "Not Found", "no such object") from None
    return feed, taxii.Query(query.added_after, query.limit, query.position, ids, frozenset(), query.version)


def _found(collection: str, object_id: str) -> taxii.Page:
    feed, query = _one(collection, object_id)
    result = taxii.page(db.session, feed, query)
    if not result.items:
        raise TaxiiError(404, "Not Found", "no such object")
    return result


@bp.get(f"/{taxii.API_ROOT}/collections/<collection>/objects/<object_id>/")
def one_object(collection: str, object_id: str):
    """An object of the collection (its one current version)."""
    result = _found(collection, object_id)
    return _json(taxii.envelope(result), headers=_date_headers(result))


@bp.get(f"/{taxii.API_ROOT}/collections/<collection>/objects/<object_id>/versions/")
def versions(collection: str, object_id: str):
    """The versions of an object: the collection keeps the current one."""
    result = _found(collection, object_id)
    found = [placed.obj.get("modified") or placed.obj["created"] for placed in result.items]
    return _json({"more": False, "versions": found}, headers=_date_headers(result))


def _error(status: int, title: str, description: str = "") -> Response:
    response = _json({"title": title, "description": description, "http_status": str(status)}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="fraudwatch", Bearer realm="fraudwatch"'
    return response


def _as_taxii(exc: Exception):
    """Every error of the TAXII routes as a TAXII error message."""
    if isinstance(exc, TaxiiError):
        return _error(exc.status, exc.title, exc.description)
    if isinstance(exc, APIError):
        return _error(exc.status, exc.code, exc.message)
    if isinstance(exc, DomainError):
        return _error(next((DOMAIN_STATUS[k] for k in type(exc).__mro__ if k in DOMAIN_STATUS), 400), exc.code,
                      exc.message)
    return _error(exc.code or 500, exc.name, exc.description or "")


for _kind in (TaxiiError, APIError, DomainError, HTTPException):
    bp.register_error_handler(_kind, _as_taxii)
# Registered on the app beside the public blueprint (endpoints `taxii.*`), when that one is, so that
# its refusals are not the public pages' HTML.
public_bp.record_once(lambda state: state.app.register_blueprint(bp))
