"""JSON errors: `{"error": {"code", "message", "fields"}}` for every API failure."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from fraudwatch.exceptions import Conflict, DomainError, Invalid, NotFound, Unavailable
from fraudwatch.storage.transactions import is_unavailable

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 406: "not_acceptable", 408: "request_timeout", 409: "conflict",
          411: "length_required", 413: "body_too_large", 414: "uri_too_long", 415: "unsupported_media_type",
          416: "range_not_satisfiable", 417: "expectation_failed", 422: "unprocessable", 428: "precondition_required",
          429: "rate_limited", 431: "headers_too_large", 500: "internal_error", 501: "not_implemented",
          502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout", 505: "http_version_not_supported"}


DOMAIN_STATUS = {NotFound: 404, Invalid: 400, Conflict: 409, Unavailable: 503}


class APIError(Exception):
    """An error answered as JSON with an HTTP status."""

    def __init__(self, status: int, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.fields = fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """A Flask response carrying the error document."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _wants_json() -> bool:
    return (request.path.startswith(("/api/", "/healthz", "/readyz"))
            or request.accept_mimetypes.best == "application/json")


def register_error_handlers(app: Flask) -> None:
    """Answer API errors as JSON (HTML pages keep Flask's default pages)."""

    @app.errorhandler(APIError)
    def _api_error(exc: APIError):
        response, status = error_response(exc.status, exc.code, exc.message, exc.fields)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="fraudwatch"'
        return response, status

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        status = next((DOMAIN_STATUS[k] for k in type(exc).__mro__ if k in DOMAIN_STATUS), 400)
        return error_response(status, exc.code, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        """Werkzeug's and Flask's own errors (404, 405, 413 on a too long body, 400 on a
        malformed request...) as the JSON error document under the JSON paths."""
        if not _wants_json() or exc.code is None or exc.code < 400:
            return exc
        message = exc.description or exc.name
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if exc.code == 413 and limit and (request.content_length or 0) > limit:
            message = f"request body is larger than {limit} bytes"
        response, status = error_response(exc.code, _CODES.get(exc.code, "error"), message)
        original = exc.get_response().headers
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if original.get(header):
                response.headers[header] = original[header]
        return response, status

    @app.errorhandler(sa.exc.DBAPIError)
    def _database_error(exc: sa.exc.DBAPIError):
        """The database is down, restarting, or kept making the transaction lose: a 503
        the client may retry (nothing was stored), not a 500. Anything else is a bug."""
        if not is_unavailable(exc):
            return _unexpected(exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc.orig).__name__)
        if not _wants_json():
            return "Service Unavailable", 503, {"Retry-After": "2"}
        response, status = error_response(503, "database_unavailable",
                                          "the database is unavailable for a moment; try again "
                                          "(a report may need to be sent again)")
        response.headers["Retry-After"] = "2"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _wants_json():
            return "Internal Server Error", 500
        return error_response(500, "internal_error", "internal error; it has been logged")
