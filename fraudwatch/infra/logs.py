"""Log output: text (the default) or JSON, one object a line (LOG_FORMAT=json), and the
request id every record carries.

The request id is the caller's X-Request-ID when it is sane (1-64 characters of letters,
digits and `-_.:@`), else a new one; it is kept in a context variable for the request (and
for a job a request enqueued, from the job's meta), so every record logged meanwhile has it."""
from __future__ import annotations

import contextvars
import logging
import os
import re
import time

import orjson

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("fw_request_id", default=None)
_SANE = re.compile(r"[A-Za-z0-9._:@-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# LogRecord attributes of every record: the rest were given with `extra=` and go in the JSON.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}
MAX_FIELD = 2000  # characters of one extra field (a message is never cut)


def sane_request_id(value: str | None) -> str | None:
    """`value` if it may be a request id (and echoed in a header), else None."""
    return value if value and _SANE.fullmatch(value) else None


def new_request_id() -> str:
    """A fresh request id (32 hex digits)."""
    return os.urandom(16).hex()


def set_request_id(value: str | None) -> contextvars.Token:
    """Make `value` the current request id; returns the token to `reset_request_id` with."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    """Restore the request id that was current before `set_request_id`."""
    _request_id.reset(token)


def current_request_id() -> str | None:
    """The id of the request (or job) being handled, if any."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, the record's extra
    fields (an access log's method, path, status, duration_ms) and the exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
               + f".{int(record.msecs):03d}Z",
               "level": record.levelname, "logger": record.name, "message": record.getMessage(),
               "request_id": getattr(record, "request_id", None) or _request_id.get()}
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, int | float | bool | None) else str(value)[:MAX_FIELD]
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def configure(fmt: str) -> None:
    """Set up the root logger (INFO, stderr) in `fmt` ("text" or "json"), once per process;
    gunicorn's own loggers get the same format."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)
    if fmt == "json":
        formatter = JsonFormatter()
        for name in ("", "gunicorn.error", "rq.worker"):
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(formatter)
    for handler in root.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
