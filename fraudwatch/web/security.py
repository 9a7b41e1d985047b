"""Security headers on every response, set once for the whole app (`init_app`).

Pages (HTML) get a Content-Security-Policy that allows no inline script; everything else
(the JSON API, health checks, static files) gets `default-src 'none'`. Responses that need
a token or carry personal data (the officer endpoints, any authenticated answer) and every
error are `Cache-Control: no-store`; so are the public lookups and classifications, which
were never marked cacheable: an answer differs by caller (officers see report ids) and by
the hour, and a stored lookup would tell a shared cache what someone checked. HSTS is sent
on https requests (behind a proxy, with FRAUDWATCH_TRUSTED_PROXIES so that
X-Forwarded-Proto is believed), or always with the `HSTS` config flag."""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "clipboard-read", "clipboard-write", "display-capture",
    "encrypted-media", "fullscreen", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer",
    "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
    "serial", "usb", "xr-spatial-tracking"))
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
          "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin",
          "Permissions-Policy": PERMISSIONS}
HSTS = "max-age=31536000; includeSubDomains"
VARY = "Authorization, X-API-Key"  # answers differ by caller
_API = (*ALWAYS.items(), ("Content-Security-Policy", API_CSP))
_PAGE = (*ALWAYS.items(), ("Content-Security-Policy", PAGE_CSP))
_HSTS = (("Strict-Transport-Security", HSTS),)
_NO_STORE = (("Cache-Control", "no-store"),)
SERVICE_PATHS = ("/api/", "/healthz", "/readyz")  # answers that change with the data or the caller
PUBLIC_DOCUMENTS = ("/api/v1/openapi.json", "/api/docs")  # the same for every caller


def init_app(app: Flask) -> None:
    """Add the security headers to every response of `app`."""
    app.after_request(add_security_headers)


def _authenticated() -> bool:
    """A token was sent, or a signed-in person's session cookie."""
    principal = g.get("principal")
    return bool(request.headers.get("Authorization") or request.headers.get("X-API-Key")
                or current_app.config["SESSION_COOKIE_NAME"] in request.cookies) or (
        principal is not None and principal.kind != "anonymous")


def add_security_headers(response: Response) -> Response:
    """after_request: CSP, nosniff, framing, referrer, isolation, permissions, HSTS, caching."""
    headers = response.headers
    present = {name.lower(): value for name, value in headers.items()}  # a view's own choice is kept
    wanted = _PAGE if response.mimetype == "text/html" else _API
    if request.is_secure or current_app.config.get("HSTS"):
        wanted = wanted + _HSTS
    path = request.path
    if path.startswith("/api/"):
        wanted = wanted + (("Vary", ", ".join(filter(None, (present.pop("vary", None), VARY)))),)
        headers.remove("Vary")
    answers = path.startswith(SERVICE_PATHS) and not path.startswith(PUBLIC_DOCUMENTS)
    if response.status_code >= 400 or answers or _authenticated():
        present.pop("cache-control", None)
        headers.remove("Cache-Control")
        wanted = wanted + _NO_STORE
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response
