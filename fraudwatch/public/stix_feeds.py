"""The STIX 2.1 bundles and the MISP feed of the outgoing feeds (blueprint `sharing`, beside
the public one, answering errors as JSON):

- `/feeds/<feed>.stix.json`: the feed's listed indicators, or with `?since=<cursor>` every change
  after it (removals as versions with `valid_until`), up to the cursor it names (X-Feed-Cursor);
  streamed, ETag / If-None-Match, gzip.
- `/feeds/misp/`: MISP's feed layout for the confirmed feed (`manifest.json`, `hashes.csv`,
  `<event uuid>.json`) and `warninglist.json`, the official tax domains as a MISP warninglist.

A feed named in FEEDS_REQUIRE_KEY needs an enterprise, officer or admin API key (bearer or
X-API-Key), like the other formats of the feeds."""
from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator

import orjson
from flask import Blueprint, Response, current_app, request, stream_with_context
from werkzeug.exceptions import HTTPException

from fraudwatch.exceptions import DomainError
from fraudwatch.infra.extensions import db
from fraudwatch.public import bp as public_bp
from fraudwatch.publish.stix import MEDIA_TYPE
from fraudwatch.services import misp_export, stix_export
from fraudwatch.web.auth import Principal, load_principal
from fraudwatch.web.errors import DOMAIN_STATUS, APIError, error_response

bp = Blueprint("sharing", __name__)
FEED_ROLES = ("enterprise", "officer", "admin")
MAX_CURSOR_DIGITS = 18
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CACHE = "public, max-age=10"


def feed_allowed(feed: str, principal: Principal | None = None) -> bool:
    """Whether the caller may read `feed` (public unless FEEDS_REQUIRE_KEY names it)."""
    if feed not in current_app.config["FEEDS_REQUIRE_KEY"]:
        return True
    return (principal or load_principal()).kind in FEED_ROLES


def require_feed(feed: str, principal: Principal | None = None) -> None:
    """401 without a key, 403 with a key of the wrong role, for a feed that needs one."""
    if feed not in current_app.config["FEEDS_REQUIRE_KEY"]:
        return
    principal = principal or load_principal()
    if principal.kind == "anonymous":
        raise APIError(401, f"the {feed} feed needs an enterprise API key", code="unauthorized")
    if principal.kind not in FEED_ROLES:
        raise APIError(403, f"the {feed} feed needs an enterprise, officer or admin key", code="forbidden")


def _only_args(*allowed: str) -> None:
    extra = [name for name in request.args if name not in allowed]
    if extra:
        raise APIError(400, f"unknown parameter: {extra[0][:40]}", code="unknown_parameter")
    if any(len(request.args.getlist(name)) > 1 for name in allowed):
        raise APIError(400, "a parameter was given twice", code="repeated_parameter")


def _cursor() -> int | None:
    text = request.args.get("since")
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > MAX_CURSOR_DIGITS:
        raise APIError(400, "since must be a cursor (a whole number) from an earlier answer", code="invalid_cursor")
    return int(text)


def _gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        packed = packer.compress(chunk)
        if packed:
            yield packed
    yield packer.flush()


def _answer(chunks: Iterable[bytes], mimetype: str, etag: str, *, private: bool) -> Response:
    """A streamed answer with its ETag (304 when the caller has it), gzip when accepted."""
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache" if private else CACHE,
               "Vary": "Accept-Encoding, Authorization, X-API-Key"}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        chunks = _gzip(chunks)
    return Response(stream_with_context(chunks), mimetype=mimetype, headers=headers)


@bp.get("/feeds/<feed>.stix.json")
def stix_bundle(feed: str):
    """The feed as a STIX 2.1 bundle: full, or the changes after `since`."""
    if feed not in stix_export.FEEDS:
        raise APIError(404, "no such feed", code="not_found")
    require_feed(feed)
    _only_args("since")
    since = _cursor()
    cursor = stix_export.cursor(db.session)
    if since is not None and since > cursor:
        raise APIError(400, f"since is ahead of the feeds' cursor ({cursor})", code="invalid_cursor")
    etag = stix_export.state_tag(db.session, feed, since)
    private = feed in current_app.config["FEEDS_REQUIRE_KEY"]
    answer = _answer(stix_export.bundle_chunks(db.session, feed, since, cursor), MEDIA_TYPE, etag, private=private)
    answer.headers["X-Feed-Cursor"] = str(cursor)
    return answer


def _misp_tag(extra: str = "") -> str:
    return stix_export.state_tag(db.session, "misp" + extra, None)


@bp.get("/feeds/misp/")
def misp_index():
    """What the MISP feed folder holds."""
    _only_args()
    base = request.url_root.rstrip("/") + "/feeds/misp/"
    body = {"feed": misp_export.FEED, "manifest": base + "manifest.json", "hashes": base + "hashes.csv",
            "events": base + "<event uuid>.json", "warninglist": base + "warninglist.json"}
    return Response(orjson.dumps(body), mimetype="application/json", headers={"Cache-Control": CACHE})


@bp.get("/feeds/misp/manifest.json")
def misp_manifest():
    """manifest.json: every event of the feed."""
    _only_args()
    body = orjson.dumps(misp_export.manifest(db.session))
    return _answer([body], "application/json", _misp_tag(), private=False)


@bp.get("/feeds/misp/hashes.csv")
def misp_hashes():
    """hashes.csv: md5 of each live attribute's value, its event."""
    _only_args()
    lines = (line.encode() for line in misp_export.hash_lines(db.session))
    return _answer(lines, "text/csv", _misp_tag("-hashes"), private=False)


@bp.get("/feeds/misp/warninglist.json")
def misp_warninglist():
    """The official tax-authority domains as a MISP warninglist."""
    _only_args()
    body = orjson.dumps(misp_export.warninglist(), option=orjson.OPT_INDENT_2)
    return _answer([body], "application/json", hashlib.sha256(body).hexdigest()[:32], private=False)


@bp.get("/feeds/misp/<event_id>.json")
def misp_event(event_id: str):
    """One event's file."""
    _only_args()
    if not _UUID.fullmatch(event_id):
        raise APIError(404, "no such event", code="not_found")
    tag = _misp_tag(event_id)
    if request.if_none_match.contains_weak(tag):
        return _answer([], "application/json", tag, private=False)
    found = misp_export.event(db.session, event_id)
    if found is None:
        raise APIError(404, "no such event", code="not_found")
    return _answer([orjson.dumps(found)], "application/json", tag, private=False)


def _as_json(exc: Exception):
    """Errors of these routes as the JSON error document (not the public pages' HTML)."""
    if isinstance(exc, APIError):
        status, code, message, fields = exc.status, exc.code, exc.message, exc.fields
    elif isinstance(exc, DomainError):
        status = next((DOMAIN_STATUS[k] for k in type(exc).__mro__ if k in DOMAIN_STATUS), 400)
        code, message, fields = exc.code, exc.message, exc.fields
    else:
        status, code, message, fields = exc.code or 500, "error", exc.description or exc.name, {}
    response, status = error_response(status, code, message, fields)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fraudwatch"'
    return response, status


for _kind in (APIError, DomainError, HTTPException):
    bp.register_error_handler(_kind, _as_json)
# Registered on the app beside the public blueprint (endpoints `sharing.*`), when that one is, so that
# its refusals are not the public pages' HTML.
public_bp.record_once(lambda state: state.app.register_blueprint(bp))
