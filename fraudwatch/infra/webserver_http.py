"""HTTP/1.1 pieces of the buffering web server (`fraudwatch.infra.webserver`), free of sockets:
its limits and settings (`read_limits`), deciding from the bytes received so far whether
one request is complete (`RequestReader`), and the JSON error document for the errors the
server answers itself (`error_response`, `status_for`).

`RequestReader` only frames a request (where its head and body end) and enforces the size
limits; every other check stays gunicorn's, which parses the complete request again."""
from __future__ import annotations

import json
from dataclasses import dataclass

from gunicorn.http import errors as gerrors
from gunicorn.http.body import CHUNK_EXT_RE
from gunicorn.http.message import DEFAULT_MAX_HEADERFIELD_SIZE, MAX_HEADERS, MAX_REQUEST_LINE
from werkzeug.exceptions import RequestTimeout

NEED, READY, REJECT = "need", "ready", "reject"

REASONS = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 413: "Content Too Large",
           414: "URI Too Long", 417: "Expectation Failed", 431: "Request Header Fields Too Large",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}
CODES = {400: "bad_request", 403: "forbidden", 408: "request_timeout", 413: "body_too_large",
         414: "uri_too_long", 417: "expectation_failed", 431: "headers_too_large", 500: "internal_error",
         501: "not_implemented", 503: "unavailable"}

# Most specific first: the first class the exception is an instance of gives the status.
_STATUS = ((gerrors.InvalidResponseHeader, 500), (gerrors.InvalidResponseHeaderName, 500),
           (gerrors.ConfigurationProblem, 500), (gerrors.LimitRequestLine, 414),
           (gerrors.LimitRequestHeaders, 431), (gerrors.ExpectationFailed, 417),
           (gerrors.UnsupportedTransferCoding, 501), (gerrors.ForbiddenProxyRequest, 403),
           (RequestTimeout, 408), (gerrors.ParseException, 400))


class RequestTimedOut(RequestTimeout):
    """The rest of a request did not arrive by its deadline (408; also an HTTP error for the app)."""

    description = "the request was not received in time"


@dataclass(frozen=True)
class Limits:
    """Bounds of one buffered request."""

    line: int  # request line, bytes
    head: int  # request head (line and header fields), bytes
    field: int  # one header field or chunk-size line, bytes
    body: int  # body bytes buffered before the request is handed over anyway
    content: int  # the app's largest body: a larger chunked body is refused (413)


def read_limits(cfg, app) -> tuple[Limits, float, int]:
    """The request limits, read deadline (s) and per-worker buffer budget (bytes) in force."""
    line = cfg.limit_request_line
    line = MAX_REQUEST_LINE if line < 0 or line >= MAX_REQUEST_LINE else line
    fields = cfg.limit_request_fields if 0 < cfg.limit_request_fields <= MAX_HEADERS else MAX_HEADERS
    field = cfg.limit_request_field_size if cfg.limit_request_field_size > 0 else DEFAULT_MAX_HEADERFIELD_SIZE
    head = (line or MAX_REQUEST_LINE) + 4 + fields * (field + 2) + 4
    config = getattr(app, "config", {})  # the app's settings (fraudwatch/config.py), defaults for another app
    max_content = config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
    body = int(config.get("REQUEST_BUFFER_BYTES") or max_content + 64 * 1024)
    limits = Limits(line=line or head, head=head, field=field, body=body, content=max_content)
    timeout = float(config.get("REQUEST_READ_TIMEOUT") or 10.0)
    return limits, timeout, int(config.get("REQUEST_BUFFER_TOTAL_BYTES") or 64 * 1024 * 1024)


def error_response(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response carrying the JSON error document; the connection closes."""
    body = json.dumps({"error": {"code": CODES.get(status, "error"), "message": message, "fields": {}}}).encode()
    head = (f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n")
    return head.encode("latin-1") + body


def status_for(exc: BaseException) -> tuple[int, str]:
    """The status and message answering an error raised while gunicorn served a request."""
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    if status == 500:
        return status, "internal error; it has been logged"
    if isinstance(exc, RequestTimeout):
        return status, exc.description or "request timeout"
    return status, str(exc)[:300]


def _is_continue(line: bytes) -> bool:
    name, _, value = line.partition(b":")
    return name.strip().lower() == b"expect" and value.strip().lower() == b"100-continue"


def _chunk_size(line: bytes) -> int | None:
    """The size a chunk-size line announces, or None if gunicorn would refuse the line."""
    size, *ext = line.split(b";", 1)
    if ext:
        if b"\r" in ext[0] or not CHUNK_EXT_RE.fullmatch(b";" + ext[0]):
            return None
        size = size.rstrip(b" \t")
    if not size or size.strip(b"0123456789abcdefABCDEF"):
        return None
    return int(size, 16)


class RequestReader:
    """Bytes of one request as they arrive, and whether it is complete (`state`)."""

    def __init__(self, limits: Limits, data: bytes = b"") -> None:
        self.limits = limits
        self.data = bytearray()
        self.state, self.complete, self.send_continue = NEED, False, False
        self.status, self.message = 0, ""
        self._head_end = 0  # index after the blank line ending the head, 0 before
        self._body_end: int | None = None  # with a Content-Length
        self._left: int | None = None  # chunked: bytes of chunk data to pass, -1 size line, -2 CRLF, -3 trailers
        self._pos = 0  # chunked: the next byte to read
        self._payload = 0  # chunked: body bytes announced so far
        self.feed(data)

    def feed(self, chunk: bytes) -> str:
        """Add received bytes; the new state (NEED, READY or REJECT)."""
        old = len(self.data)
        self.data += chunk
        if self.state == NEED and (chunk or not old):
            if not self._head_end:
                self._scan_head(old)
                if self._head_end and self.state == NEED:
                    self._plan_body()
            if self.state == NEED:
                self._scan_body()
        return self.state

    def _ready(self, complete: bool) -> None:
        self.state, self.complete, self.send_continue = READY, complete, False

    def _reject(self, status: int, message: str) -> None:
        self.state, self.status, self.message = REJECT, status, message

    def _scan_head(self, old: int) -> None:
        data, limits = self.data, self.limits
        end = data.find(b"\r\n\r\n", max(0, old - 3))
        start = old - 1 if old and data[old - 1] == 13 else old
        region = data[start:end + 2 if end >= 0 else len(data)]
        if region.count(b"\n") != region.count(b"\r\n"):
            return self._reject(400, "every line of the request head must end with CRLF")
        skip = 2 if data.startswith(b"\r\n") else 0
        line_end = data.find(b"\r\n", skip)
        if (line_end if line_end >= 0 else len(data)) - skip > limits.line:
            return self._reject(414, f"the request line is longer than {limits.line} bytes")
        if (end + 4 if end >= 0 else len(data)) > limits.head:
            return self._reject(431, f"the request head is larger than {limits.head} bytes")
        if end >= 0:
            self._head_end = end + 4

    def _plan_body(self) -> None:
        """From the head: how the body ends (Content-Length or chunked) or that there is none."""
        skip = 2 if self.data.startswith(b"\r\n") else 0
        lines = bytes(self.data[skip:self._head_end - 4]).split(b"\r\n")
        fields = [(n.strip().lower(), v.strip()) for n, sep, v in (line.partition(b":") for line in lines[1:]) if sep]
        expect = not lines[0].endswith(b"HTTP/1.0") and any(map(_is_continue, lines[1:]))
        if expect:  # answered here (send_continue), so gunicorn must not answer it again
            head = b"\r\n".join(line for line in lines if not _is_continue(line))
            self.data[skip:self._head_end - 4] = head
            self._head_end = skip + len(head) + 4
        lengths = [v for n, v in fields if n == b"content-length"]
        codings = b",".join(v for n, v in fields if n == b"transfer-encoding").split(b",")
        if codings != [b""]:
            if lengths or codings[-1].strip().lower() != b"chunked":
                return self._ready(complete=False)  # gunicorn refuses this head
            self._left, self._pos = -1, self._head_end
        elif lengths:
            if len(lengths) > 1 or not lengths[0].isdigit() or int(lengths[0]) > self.limits.body:
                return self._ready(complete=False)  # gunicorn refuses it, or the app answers 413 unread
            self._body_end = self._head_end + int(lengths[0])
        else:
            return self._ready(complete=True)
        self.send_continue = expect

    def _scan_body(self) -> None:
        if self._body_end is not None:
            if len(self.data) >= self._body_end:
                self._ready(complete=True)
        elif self._left is not None:
            self._scan_chunks()
            if self.state == NEED and len(self.data) - self._head_end > self.limits.body:
                self._ready(complete=False)  # the app reads the rest, within the deadline

    def _scan_chunks(self) -> None:
        data = self.data
        while self.state == NEED:
            if self._left > 0:
                step = min(self._left, len(data) - self._pos)
                self._pos, self._left = self._pos + step, self._left - step
                if self._left:
                    return
                self._left = -2
            if len(data) - self._pos < 2:
                return
            if self._left == -2:
                if data[self._pos:self._pos + 2] != b"\r\n":
                    return self._reject(400, "invalid chunked body: chunk data not followed by CRLF")
                self._pos, self._left = self._pos + 2, -1
            elif self._left != -1:
                return self._scan_trailers()
            elif not self._scan_size_line():
                return

    def _scan_size_line(self) -> bool:
        """Read one chunk-size line; False while it is incomplete."""
        eol = self.data.find(b"\r\n", self._pos)
        if eol < 0:
            if len(self.data) - self._pos > self.limits.field:
                self._reject(400, f"invalid chunked body: chunk-size line over {self.limits.field} bytes")
            return False
        size = _chunk_size(bytes(self.data[self._pos:eol]))
        if size is None:
            self._reject(400, "invalid chunked body: bad chunk-size line")
        elif self._payload + size > self.limits.content:
            self._reject(413, f"request body is larger than {self.limits.content} bytes")
        self._payload += size or 0
        self._pos, self._left = eol + 2, size or -3
        return True

    def _scan_trailers(self) -> None:
        data, pos = self.data, self._pos
        if data[pos:pos + 2] == b"\r\n":
            return self._ready(complete=True)
        if data.find(b"\r\n\r\n", pos) >= 0:
            return self._ready(complete=True)
        if len(data) - pos > self.limits.head:
            self._reject(431, f"the trailer section is larger than {self.limits.head} bytes")
