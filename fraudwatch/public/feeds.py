"""The outgoing feeds over HTTP: the /feeds/ page (public site), /feeds/index.json, and each
feed (confirmed, suspected) as CSV, JSON, a URL list, a hosts file and a DNS RPZ zone at
/feeds/<feed>.<format>.

The feed answers live on their own blueprint (`data_bp`, nested in the public one: endpoints
`public.feeds.*`) with its own error handlers, so that every refusal is the JSON error
document, not a page. Full answers list what is listed; `?since=<cursor>`
(CSV and JSON) answers every change after that cursor, removals included (action "remove").
Each answer names the feed's cursor (X-Feed-Cursor, and in JSON), carries an ETag and
Last-Modified from it (If-None-Match / If-Modified-Since -> 304), is gzip-compressed as it
streams when the client accepts it, and is built in constant memory (storage/feeds.py pages).
A feed named in FEEDS_REQUIRE_KEY needs an enterprise, officer or admin API key."""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from fraudwatch.indicators.decay import DecayModel
from fraudwatch.infra.extensions import db
from fraudwatch.public import bp, nav
from fraudwatch.public.cache import cached_page
from fraudwatch.publish import feed_formats as formats
from fraudwatch.services.feeds import valid_until
from fraudwatch.storage import feeds as store
from fraudwatch.storage.models import utcnow
from fraudwatch.web.auth import load_principal
from fraudwatch.web.errors import APIError, error_response
from fraudwatch.web.i18n import catalog
from fraudwatch.web.i18n import mark as _l

data_bp = Blueprint("feeds", __name__)
FORMAT_VERSION = "1"  # part of every ETag: a change of a format's output changes it
KEY_ROLES = ("enterprise", "officer", "admin")
MAX_SINCE_DIGITS = 18
MIMETYPES = {"csv": "text/csv", "json": "application/json", "txt": "text/plain", "hosts": "text/plain",
             "rpz": "text/dns"}
INCREMENTAL = ("csv", "json")
BROWSER_SECONDS = 10
DESCRIPTIONS = {
    "confirmed": _l("Indicators (links, domains, e-mail addresses, phone numbers, companies) tax officers "
                    "confirmed as part of a tax scam."),
    "suspected": _l("Indicators named in reports or found by crawls that no officer has decided yet."),
}
FORMAT_NAMES = {"csv": _l("CSV"), "json": _l("JSON"), "txt": _l("URL list"), "hosts": _l("hosts file"),
                "rpz": _l("DNS RPZ zone")}
_OTHER_FEEDS: list[dict] = []  # other modules' feeds for /feeds/ and index.json (add_feed)

nav.add_page("public.feeds_page", _l("Feeds"), order=70)


def add_feed(name: str, fmt: str, endpoint: str, description: str, access: str = "public",
             incremental: bool = False, **values) -> None:
    """List another feed (Atom, MISP, TAXII...) on /feeds/ and in /feeds/index.json;
    `incremental`: it answers changes after a cursor (STIX ?since, TAXII added_after)."""
    _OTHER_FEEDS.append({"name": name, "format": fmt, "endpoint": endpoint, "values": values,
                         "description": description, "access": access, "incremental": incremental})


for _kind in ("atom", "rss"):
    add_feed(f"advisories.{_kind}", _kind, "public.advisories_feed", _l("Advisories of the fraudwatch editors."),
             kind=_kind)
    add_feed(f"examples.{_kind}", _kind, "public.examples_feed", _l("The latest confirmed examples of every pattern."),
             kind=_kind)
# the STIX, MISP and TAXII exports (public/stix_feeds.py, public/taxii.py), listed when they are served
for _feed in ("confirmed", "suspected"):
    add_feed(f"{_feed}.stix.json", "stix", "sharing.stix_bundle", _l("The feed as a STIX 2.1 bundle."),
             incremental=True, feed=_feed)
add_feed("misp", "misp", "sharing.misp_index", _l("A MISP feed: one event per campaign (manifest.json, hashes.csv)."))
add_feed("misp warninglist", "misp", "sharing.misp_warninglist",
         _l("The official tax-authority domains as a MISP warninglist."))
add_feed("taxii2", "taxii", "taxii.discovery", _l("A read-only TAXII 2.1 server of the feeds' STIX objects."),
         incremental=True)


def _access(feed: str) -> str:
    return "key" if feed in current_app.config["FEEDS_REQUIRE_KEY"] else "public"


def _catalogue() -> list[dict]:
    """Every feed: name, feed, format, url, access, incremental, description (in the page's language)."""
    base = current_app.config["PUBLIC_URL"] or request.url_root.rstrip("/")
    text = catalog().ugettext
    out = [{"name": f"{feed}.{fmt}", "feed": feed, "format": fmt, "format_name": text(FORMAT_NAMES[fmt]),
            "url": base + url_for("public.feeds.feed", feed=feed, fmt=fmt), "access": _access(feed),
            "incremental": fmt in INCREMENTAL, "description": text(DESCRIPTIONS[feed])}
           for feed in store.FEEDS for fmt in MIMETYPES]
    served = current_app.view_functions
    out += [{"name": f["name"], "feed": f["values"].get("feed"), "format": f["format"], "format_name": f["format"],
             "url": base + url_for(f["endpoint"], **f["values"]), "incremental": f["incremental"],
             "access": _access(f["values"]["feed"]) if "feed" in f["values"] else f["access"],
             "description": text(f["description"])} for f in _OTHER_FEEDS if f["endpoint"] in served]
    return out


@bp.get("/feeds/")
@cached_page()
def feeds_page():
    """The feeds, their formats and addresses, and how to follow one by its cursor."""
    return render_template("public/feeds.html", feeds=_catalogue(), formats=MIMETYPES, incremental=INCREMENTAL)


@data_bp.get("/feeds/index.json")
def feeds_index():
    """The feeds as JSON (descriptions in the caller's Accept-Language, zh by default)."""
    _refuse_unknown_args(())
    return {"feeds": _catalogue()}


@data_bp.get("/feeds/<any(confirmed, suspected):feed>.<any(csv, json, txt, hosts, rpz):fmt>")
def feed(feed: str, fmt: str):
    """One feed in one format, full or (?since=<cursor>, CSV and JSON) incremental."""
    _refuse_unknown_args(("since",))
    access = _access(feed)
    if access == "key":
        _require_key(feed)
    since = _since(fmt)
    engine = db.engine
    cursor, changed = store.feed_state(engine, feed)
    if since is not None and since > cursor:
        raise APIError(400, f"since ({since}) is ahead of the feed's cursor ({cursor}): take the full feed",
                       code="cursor_ahead", fields={"since": "ahead of the cursor"})
    etag = f"{feed}.{fmt}.{cursor}.{'full' if since is None else since}.{FORMAT_VERSION}"
    headers = {"X-Feed-Cursor": str(cursor), "Vary": "Accept-Encoding" + (", Authorization, X-API-Key"
                                                                             if access == "key" else ""),
               "Cache-Control": f"{'private' if access == 'key' else 'public'}, max-age={BROWSER_SECONDS}"}
    response = Response(status=200, headers=headers, mimetype=MIMETYPES[fmt])
    response.set_etag(etag, weak=True)
    if changed is not None:
        response.last_modified = changed
    if _not_modified(etag, changed):
        response.status_code = 304
        return response
    chunks = _body(feed, fmt, since, cursor, engine)
    gzip = request.accept_encodings["gzip"] > 0
    if gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.response = _gzipped(chunks) if gzip else (c.encode("utf-8") for c in chunks if c)
    response.direct_passthrough = True
    return response


def _refuse_unknown_args(known: tuple[str, ...]) -> None:
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        name = unknown[0][:40]
        raise APIError(400, f"unknown parameter '{name}' (known: {', '.join(known)})", code="unknown_parameter",
                       fields={name: "unknown parameter"})
    for name in known:
        if len(request.args.getlist(name)) > 1:
            raise APIError(400, f"'{name}' is given more than once", code="invalid", fields={name: "repeated"})


def _require_key(feed: str) -> None:
    principal = load_principal()  # 401 on a malformed, unknown or revoked key
    if principal.kind == "anonymous":
        raise APIError(401, f"the {feed} feed needs an API key (enterprise, officer or admin): "
                            "send it as 'Authorization: Bearer <key>'", code="key_required")
    if principal.kind not in KEY_ROLES:
        raise APIError(403, f"the {feed} feed needs an enterprise, officer or admin key", code="forbidden")


def _since(fmt: str) -> int | None:
    raw = request.args.get("since")
    if raw is None:
        return None
    if fmt not in INCREMENTAL:
        raise APIError(400, f"incremental answers (since) are CSV or JSON, not {fmt}", code="invalid",
                       fields={"since": f"not available for {fmt}"})
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_SINCE_DIGITS):
        raise APIError(400, "since must be a cursor: a whole number from a feed's X-Feed-Cursor", code="invalid",
                       fields={"since": "not a cursor"})
    return int(raw)


def _not_modified(etag: str, changed) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return bool(since and changed and changed.replace(microsecond=0) <= since)


def _body(feed: str, fmt: str, since: int | None, cursor: int, engine) -> Iterator[str]:
    """The answer's text, chunk by chunk (read from the database as it is sent)."""
    if fmt in ("hosts", "rpz"):
        hosts = store.iter_hosts(engine, feed)
        facts = {"feed": feed, "cursor": cursor, "generated": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
        if fmt == "hosts":
            return formats.hosts_chunks(hosts, formats.comment_header("#", f"fraudwatch {feed} hosts", facts))
        origin = formats.rpz_origin(feed, urlsplit(current_app.config["PUBLIC_URL"]).hostname)
        return formats.rpz_chunks(hosts, origin, cursor, formats.comment_header(";", f"fraudwatch {feed} RPZ", facts))
    rows = store.iter_entries(engine, feed, since_seq=since, until_seq=cursor, text_dates=True)
    until = valid_until(DecayModel.from_config(current_app.config))
    if fmt == "csv":
        return formats.csv_chunks(rows, until)
    if fmt == "json":
        head = {"feed": feed, "cursor": cursor, "since": since, "generated_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
        return formats.json_chunks(rows, head, until)
    return formats.url_chunks(rows)


def _gzipped(chunks: Iterable[str]) -> Iterator[bytes]:
    """gzip as the text streams (one compressor, its output sent whenever it has some)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = compressor.compress(chunk.encode("utf-8"))
        if out:
            yield out
    yield compressor.flush()


@data_bp.errorhandler(APIError)
def _api_error(exc: APIError):
    """Refusals as the JSON error document (the public blueprint's handler would make a page)."""
    challenge = {"WWW-Authenticate": 'Bearer realm="fraudwatch"'} if exc.status == 401 else {}
    return *error_response(exc.status, exc.code, exc.message, exc.fields), challenge


@data_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Werkzeug's errors under the feeds (404, 405...) as the JSON error document."""
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)


bp.register_blueprint(data_bp)
