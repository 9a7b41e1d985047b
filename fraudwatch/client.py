"""A small typed client of the fraudwatch API (httpx): lookups, batch lookups, reports,
vendor checks, the public check and feed downloads.

    from fraudwatch.client import Client

    with Client("https://fraudwatch.example", api_key="...") as fw:
        answer = fw.lookup("domain", "etax-refund.top")
        print(answer.status, answer.risk_score)

Answers are frozen dataclasses with the fields of the API's answers (fraudwatch/api/answers.py
is the contract; `raw` keeps the whole JSON object). A 429 or 503 with Retry-After is retried
after the wait it names, at most `max_retries` times and only while the waits add up to no
more than `max_wait` seconds; otherwise, and for every other error, FraudwatchError says the
status, the error code and the message. This module needs only httpx: it imports nothing else
of fraudwatch."""
from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

__all__ = ["CheckResult", "Client", "FeedDownload", "FraudwatchError", "LookupError_", "LookupResult",
           "ReportReceipt", "VendorCheckResult"]

RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 3600.0  # a Retry-After beyond this is read as this (and is over any sane max_wait)
CHUNK = 64 * 1024


class FraudwatchError(Exception):
    """The API refused or failed a request: HTTP status, error code, message, fields, and the
    Retry-After it named (seconds), if any. Status 0: no answer (connection failed)."""

    def __init__(self, status: int, code: str, message: str, fields: Mapping[str, str] | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})
        self.retry_after = retry_after


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class LookupResult:
    """What fraudwatch knows about one indicator (LookupAnswer)."""

    type: str
    value: str
    display: str
    status: str  # official | confirmed_fraud | suspected | unknown (and disputed, when appeals exist)
    risk_score: float
    authority: str | None
    reports: int
    first_seen: datetime | None
    last_seen: datetime | None
    evidence: list[dict[str, Any]]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LookupResult:
        """From the API's JSON object."""
        return cls(type=data["type"], value=data["value"], display=data.get("display", data["value"]),
                   status=data["status"], risk_score=float(data.get("risk_score") or 0),
                   authority=data.get("authority"), reports=int(data.get("reports") or 0),
                   first_seen=_time(data.get("first_seen")), last_seen=_time(data.get("last_seen")),
                   evidence=list(data.get("evidence") or []), raw=dict(data))


@dataclass(frozen=True)
class LookupError_:  # noqa: N801 - LookupError is Python's own
    """A batch item that could not be looked up (LookupItemError)."""

    type: str | None
    value: str | None
    code: str
    message: str
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class ReportReceipt:
    """A stored report (ReportCreated)."""

    id: int
    status: str
    created_at: datetime | None
    indicators: list[dict[str, Any]]
    processing: str
    verdict: dict[str, Any] | None
    location: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class VendorCheckResult:
    """A vendor check's verdict (VendorCheckOut): high_risk, caution or no_known_risk."""

    verdict: str
    reasons: list[dict[str, Any]]
    checked: list[dict[str, Any]]
    advice: dict[str, list[str]]
    official_channels: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VendorCheckResult:
        """From the API's JSON object."""
        return cls(verdict=data["verdict"], reasons=list(data.get("reasons") or []),
                   checked=list(data.get("checked") or []), advice=dict(data.get("advice") or {}),
                   official_channels=dict(data.get("official_channels") or {}), raw=dict(data))


@dataclass(frozen=True)
class CheckResult:
    """The public check's answer (CheckOut): what the text was taken for, and the verdict."""

    checked_as: str
    official: bool
    result: VendorCheckResult

    @property
    def verdict(self) -> str:
        """high_risk, caution or no_known_risk."""
        return self.result.verdict


@dataclass(frozen=True)
class FeedDownload:
    """A feed download: `modified` False when the server said 304 (the file is untouched)."""

    path: Path
    modified: bool
    bytes: int
    etag: str | None
    last_modified: str | None
    content_type: str | None


class Client:
    """The fraudwatch API at `base_url` (e.g. http://127.0.0.1:8000), with an API key or none."""

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout: float = 30.0, max_retries: int = 3,
                 max_wait: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an http:// or https:// URL")
        headers = {"User-Agent": "fraudwatch-client", "Accept": "application/json"}
        if api_key is not None:
            if not api_key or len(api_key) > 200 or not api_key.isascii() or not api_key.isprintable() \
                    or any(c.isspace() for c in api_key):
                raise ValueError("api_key must be 1-200 printable ASCII characters without spaces")
            headers["Authorization"] = f"Bearer {api_key}"
        self.max_retries, self.max_wait, self._sleep = max(0, max_retries), max(0.0, max_wait), sleep
        self._http = httpx.Client(base_url=str(url).rstrip("/"), headers=headers, timeout=timeout,
                                  transport=transport, follow_redirects=False)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- the API ---

    def lookup(self, type: str, value: str) -> LookupResult:  # noqa: A002 - the API's name
        """GET /api/v1/lookup: one indicator (url, domain, phone, email, company, bank_account)."""
        return LookupResult.from_json(self._json("GET", "/api/v1/lookup", params={"type": type, "value": value}))

    def batch_lookup(self, items: Iterable[tuple[str, str]]) -> list[LookupResult | LookupError_]:
        """POST /api/v1/lookup: (type, value) pairs answered in order; an invalid item is a
        LookupError_ in its place (the others are answered)."""
        body = {"items": [{"type": kind, "value": value} for kind, value in items]}
        out: list[LookupResult | LookupError_] = []
        for entry in self._json("POST", "/api/v1/lookup", json=body).get("results", []):
            if "error" in entry:
                error = entry.get("error") or {}
                out.append(LookupError_(entry.get("type"), entry.get("value"), str(error.get("code", "error")),
                                        str(error.get("message", "")), dict(entry)))
            else:
                out.append(LookupResult.from_json(entry))
        return out

    def report(self, **fields: str) -> ReportReceipt:
        """POST /api/v1/reports: message_text, url, domain, phone, email, company, bank_account,
        description, reporter_contact, channel, received_at, region (at least one of the first seven)."""
        response = self._request("POST", "/api/v1/reports", json=fields)
        data = _body(response)
        return ReportReceipt(id=int(data["id"]), status=data["status"], created_at=_time(data.get("created_at")),
                             indicators=list(data.get("indicators") or []), processing=data.get("processing", ""),
                             verdict=data.get("verdict"), location=response.headers.get("Location"), raw=data)

    def vendor_check(self, **fields: str) -> VendorCheckResult:
        """POST /api/v1/vendor-check (an enterprise or officer key): company, uscc, domain, url,
        phone, email, bank_account, message_text (at least one)."""
        return VendorCheckResult.from_json(self._json("POST", "/api/v1/vendor-check", json=fields))

    def check(self, text: str) -> CheckResult:
        """POST /api/v1/check: a pasted message, link, phone number, e-mail or company name."""
        data = self._json("POST", "/api/v1/check", json={"text": text})
        return CheckResult(checked_as=data["checked_as"], official=bool(data.get("official")),
                           result=VendorCheckResult.from_json(data))

    def feed(self, path: str, dest: str | os.PathLike, *, since: str | int | None = None,
             etag: str | None = None, params: Mapping[str, str] | None = None) -> FeedDownload:
        """Download a feed (e.g. "/feeds/confirmed.csv") to `dest`, streamed (written to a
        temporary file beside it, then renamed). `since`: the incremental cursor; `etag`: the
        ETag of the copy you have (a 304 leaves `dest` as it is)."""
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError("path must be a path on the server, starting with one /")
        query = dict(params or {})
        if since is not None:
            query["since"] = str(since)
        headers = {"Accept": "*/*", "Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        waited = 0.0
        for attempt in range(self.max_retries + 1):
            try:
                with self._http.stream("GET", path, params=query, headers=headers) as response:
                    if response.status_code >= 400:
                        response.read()
                        waited = self._wait_or_raise(response, attempt, waited)
                        continue
                    if response.status_code not in (200, 304):
                        raise FraudwatchError(response.status_code, "unexpected_status",
                                              f"a feed is answered 200 or 304, not {response.status_code}")
                    size = _save(response, part, dest) if response.status_code != 304 else 0
            except httpx.HTTPError as exc:
                part.unlink(missing_ok=True)
                raise FraudwatchError(0, "connection_error", f"{type(exc).__name__}: {exc}") from exc
            head = response.headers
            return FeedDownload(dest, response.status_code != 304, size, head.get("ETag") or etag,
                                head.get("Last-Modified"), head.get("Content-Type"))
        raise AssertionError("unreachable")  # the last attempt's error is raised

    # --- the plumbing ---

    def _json(self, method: str, path: str, **kwargs) -> dict[str, Any]:
        return _body(self._request(method, path, **kwargs))

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        waited = 0.0
        for attempt in range(self.max_retries + 1):
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise FraudwatchError(0, "connection_error", f"{type(exc).__name__}: {exc}") from exc
            if response.status_code < 400:
                return response
            waited = self._wait_or_raise(response, attempt, waited)
        raise AssertionError("unreachable")  # the last attempt's error is raised

    def _wait_or_raise(self, response: httpx.Response, attempt: int, waited: float) -> float:
        """Sleep as Retry-After says and return the total waited, or raise FraudwatchError."""
        error = _error(response)
        wait = error.retry_after
        if (response.status_code not in RETRY_STATUSES or wait is None or attempt >= self.max_retries
                or waited + wait > self.max_wait):
            raise error
        self._sleep(wait)
        return waited + wait


def _save(response: httpx.Response, part: Path, dest: Path) -> int:
    """Stream the body to `part`, then rename it to `dest`; the bytes written."""
    size = 0
    try:
        with open(part, "wb") as out:
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
                size += len(chunk)
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return size


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise FraudwatchError(response.status_code, "bad_answer", "the answer is not JSON") from None
    if not isinstance(data, dict):
        raise FraudwatchError(response.status_code, "bad_answer", "the answer is not a JSON object")
    return data


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if unreadable."""
    if not value or len(value) > 64:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _error(response: httpx.Response) -> FraudwatchError:
    """The API's error document as FraudwatchError (or what can be said of another answer)."""
    wait = retry_after(response.headers.get("Retry-After"))
    try:
        detail = response.json().get("error")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, dict):
        fields = detail.get("fields")
        fields = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
        return FraudwatchError(response.status_code, str(detail.get("code") or "error")[:100],
                               str(detail.get("message") or "")[:2000], fields, wait)
    return FraudwatchError(response.status_code, "http_error", (response.reason_phrase or "error")[:200],
                           None, wait)
