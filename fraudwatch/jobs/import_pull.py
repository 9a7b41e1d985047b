"""Scheduled pulls of other services' feeds (import_sources), through the crawler's guarded fetcher.

The periodic task `import_pull` (jobs/periodic.py, every IMPORT_SWEEP_SECONDS) pulls each
enabled source whose interval has passed. A pull is a conditional GET (If-None-Match from the
stored ETag, If-Modified-Since from the stored Last-Modified) through `crawling.get_fetcher()`:
the same address checks (CRAWL_ALLOW_NETWORKS, CRAWL_ALLOWED_PORTS), redirects re-checked,
timeouts, gzip decoded with its size counted, at most IMPORT_MAX_BYTES. A MISP source's URL is
its feed folder (or its manifest.json): the manifest is fetched conditionally, then its events.

Every pull is an import run: 304 is a run with not_modified, a failed fetch or a body that is
not the source's format is a run with its error; none of them fails the worker (the next turn
tries again), and the stored validators move only after a successful import.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from flask import current_app

from crawlers.errors import FetchError
from fraudwatch.infra.extensions import db
from fraudwatch.jobs.crawling import get_fetcher
from fraudwatch.messages.records import IngestFileError
from fraudwatch.services.imports import feed_runs
from fraudwatch.services.imports.feed_json import manifest_events
from fraudwatch.services.imports.feed_runs import FeedResult, FeedSource
from fraudwatch.storage import imports as store
from fraudwatch.storage.models import ImportSource

log = logging.getLogger(__name__)
MAX_BYTES = 64 * 1024 * 1024


def sweep() -> list[int]:
    """Pull every due enabled source; the ids of the runs recorded."""
    runs = []
    for name in [s.name for s in store.due_sources(db.session)]:
        try:
            runs.append(pull_named(name).run_id)
        except LookupError:  # removed meanwhile
            continue
    return runs


def pull_named(name: str) -> FeedResult:
    """Pull the source named `name` now, due or not (LookupError when there is none)."""
    source = store.get_source(db.session, name)
    if source is None:
        raise LookupError(f"no source named {name!r}")
    return pull_source(source)


def _feed(source: ImportSource) -> FeedSource:
    return FeedSource(source.name[:32], source.format, source.confidence, source.licence, source.status)


def pull_source(source: ImportSource) -> FeedResult:
    """One pull of `source`, recorded as an import run whatever happens."""
    source_id, feed = source.id, _feed(source)
    validators = {"If-None-Match": source.etag, "If-Modified-Since": source.last_modified}
    headers = {k: v for k, v in validators.items() if v}
    store.mark_pulled(db.session, source_id, keep_validators=True)  # not due for a sweep that overlaps this one
    result = FeedResult(feed_runs.begin_run(feed))
    try:
        first = _fetch(_manifest_url(source.url) if feed.format == "misp" else source.url, headers)
        if first.status == 304:
            result.not_modified = True
        elif first.status != 200:
            result.error = f"http_status: the source answered {first.status}"
        else:
            streams = _misp_streams(source.url, first.body, result) if feed.format == "misp" else [
                io.BytesIO(first.body)]
            imported = feed_runs.import_feed(streams, feed, region=current_app.config["PHONE_REGION"],
                                             run_id=result.run_id)
            error = result.error
            result = imported
            if error:  # MISP events that could not be fetched
                result.error = error
                feed_runs.finish(result)
            store.mark_pulled(db.session, source_id, etag=first.headers.get("etag"),
                              last_modified=first.headers.get("last-modified"))
            db.session.commit()
            return result
    except FetchError as exc:
        result.error = f"{exc.code}: {exc.message}"
    except IngestFileError:
        db.session.rollback()
        store.mark_pulled(db.session, source_id, keep_validators=True)
        db.session.commit()
        return result  # its error is on the run already
    except Exception as exc:  # noqa: BLE001 - recorded on the run; the worker goes on
        log.exception("pull of import source %s failed", feed.name)
        db.session.rollback()
        result.error = f"internal_error: {type(exc).__name__}: {exc}"
    feed_runs.finish(result)
    store.mark_pulled(db.session, source_id, keep_validators=True)
    db.session.commit()
    return result


def _fetch(url: str, headers: dict[str, str] | None = None):
    max_bytes = int(current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES))
    return get_fetcher().fetch(url, allowed_types=("*",), max_body=max_bytes, robots=False, headers=headers)


def _manifest_url(url: str) -> str:
    return url if url.endswith("manifest.json") else url.rstrip("/") + "/manifest.json"


def _misp_streams(url: str, manifest: bytes, result: FeedResult) -> Iterator[io.BytesIO]:
    """The events a MISP feed's manifest lists, fetched one by one (at most MAX_MISP_EVENTS);
    those that cannot be fetched are named in the run's error."""
    base = _manifest_url(url)[: -len("manifest.json")]
    failed: list[str] = []
    for uuid in manifest_events(io.BytesIO(manifest))[:feed_runs.MAX_MISP_EVENTS]:
        try:
            answer = _fetch(f"{base}{uuid}.json")
        except FetchError as exc:
            failed.append(f"{uuid}: {exc.code}")
            continue
        if answer.status != 200:
            failed.append(f"{uuid}: HTTP {answer.status}")
            continue
        yield io.BytesIO(answer.body)
    if failed:
        result.error = f"{len(failed)} MISP event(s) not fetched: {', '.join(failed[:5])}"
