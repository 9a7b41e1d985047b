"""Public GET pages served from a short cache (infra/page_cache.py): rendered once per
PUBLIC_CACHE_SECONDS for everyone (or at once after a change of what they show), with
Cache-Control, an ETag and 304 answers.

The cache key is the page (endpoint and its URL values), its language and only the query
arguments the page declares, so `?x=1`, `?x=2`... cannot fill Redis with copies of a page."""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from flask import Response, current_app, make_response, request

from fraudwatch.infra import page_cache
from fraudwatch.web.i18n import select_locale

MAX_ARG = 64  # characters of a declared argument that make the key
BROWSER_SECONDS = 10


def cached_page(*args_used: str) -> Callable:
    """Decorator of a public GET view whose page depends only on its URL values, its language
    and the query arguments `args_used`."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
            if request.method != "GET" or seconds <= 0:
                return view(*args, **kwargs)
            key = _key(args_used)
            stored, generation = page_cache.get(key)
            if stored is not None:
                mimetype, _, body = stored.partition(b"\n")
                response = Response(body, mimetype=mimetype.decode())
                response.headers["X-Cache"] = "hit"
            else:
                response = make_response(view(*args, **kwargs))
                if response.status_code != 200 or response.direct_passthrough:
                    return response
                page_cache.put(key, response.mimetype.encode() + b"\n" + response.get_data(), seconds, generation)
                response.headers["X-Cache"] = "miss"
            # browsers and proxies cannot be told of a change: their copy lives shorter than ours
            response.headers["Cache-Control"] = f"public, max-age={min(seconds, BROWSER_SECONDS)}"
            response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
            return response.make_conditional(request)

        return wrapper

    return decorate


def _key(args_used: tuple[str, ...]) -> str:
    values = sorted((request.view_args or {}).items())
    chosen = [(name, request.args.get(name, "")[:MAX_ARG]) for name in args_used]
    return repr((request.endpoint, values, select_locale(), chosen))
