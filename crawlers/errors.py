"""Typed fetch errors: every failure carries a machine-readable code.

Codes: bad_url, bad_scheme, bad_port, dns_error, blocked_address, connect_error,
timeout, too_many_redirects, body_too_large, bad_content_type, bad_encoding,
robots_disallowed, http_error (transport-level protocol error).
"""
from __future__ import annotations

CODES = frozenset({
    "bad_url", "bad_scheme", "bad_port", "dns_error", "blocked_address", "connect_error",
    "timeout", "too_many_redirects", "body_too_large", "bad_content_type", "bad_encoding",
    "robots_disallowed", "http_error",
})


# Failures that may pass on their own (a crawl job retries them later).
TRANSIENT = frozenset({"timeout", "connect_error", "http_error"})


class FetchError(Exception):
    """A fetch that did not produce a usable response; `code` is machine-readable."""

    def __init__(self, code: str, message: str, url: str | None = None,
                 transient: bool | None = None) -> None:
        assert code in CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
        self.transient = code in TRANSIENT if transient is None else transient

    def as_dict(self) -> dict:
        """The JSON form used by `fraudwatch scan --json`."""
        return {"code": self.code, "message": self.message, "url": self.url,
                "transient": self.transient}

    def __repr__(self) -> str:
        return f"FetchError({self.code!r}, {self.message!r})"
