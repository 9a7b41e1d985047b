"""Importing another service's feed: one import run per file or pull.

`import_feed` parses the feed (feeds.py, feed_json.py), writes its indicators through the bulk
path of storage/indicators.py (executemany, rows in key order, a commit every COMMIT_ROWS) with
the source's name (indicators.source, 32 characters), confidence and status, gives the ones
already stored a sighting (`import:<name>`, the run's id as reference), and records the run
(import_runs): rows read, imported, bad by reason with samples, or the error that refused the
whole input. The lookup cache of the touched scopes is dropped and watch lists hear of the rows.
"""
from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fraudwatch.indicators import Normalized
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.messages.records import IngestFileError
from fraudwatch.services import watch_match
from fraudwatch.services.imports import feeds
from fraudwatch.services.imports.feed_json import manifest_events
from fraudwatch.storage import imports as store
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.bulk import bulk_writes
from fraudwatch.storage.sightings import record_sightings

log = logging.getLogger(__name__)
CHUNK = 5000
COMMIT_ROWS = 20_000
MAX_MISP_EVENTS = 5000
STATUSES = ("suspected", "confirmed_fraud")
SOURCE_PATTERN = r"[A-Za-z0-9_.:-]{1,32}"
SOURCE_NAME = re.compile(SOURCE_PATTERN)
Opener = Callable[[], BinaryIO]


@dataclass(frozen=True)
class FeedSource:
    """Who a feed comes from and what its rows are worth."""

    name: str
    format: str
    confidence: float = 0.5
    licence: str | None = None
    status: str = "suspected"

    def __post_init__(self) -> None:
        if not SOURCE_NAME.fullmatch(self.name):
            raise ValueError("a source name is 1 to 32 letters, digits, '_', '.', ':' or '-'")
        if self.format not in feeds.FORMATS:
            raise ValueError(f"format must be one of {', '.join(feeds.FORMATS)}")
        if self.status not in STATUSES:
            raise ValueError("status must be suspected or confirmed_fraud")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError("confidence is between 0 and 1")


@dataclass
class FeedResult:
    """What a run did (also stored as its import_runs row)."""

    run_id: int
    rows: int = 0
    imported: int = 0
    new: int = 0
    sighted: int = 0
    bad: int = 0
    skipped: int = 0
    bad_reasons: dict[str, int] = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None


def sniff_path(path: Path) -> str:
    """The format of a feed file or folder (a folder, or a manifest.json, is a MISP feed)."""
    if path.is_dir() or path.name == "manifest.json":
        return "misp"
    with path.open("rb") as raw:
        return feeds.sniff(feeds.head_of(feeds.open_stream(raw)))


def file_streams(path: Path, fmt: str) -> Iterator[BinaryIO]:
    """The streams of a feed file, or of every event of a MISP feed folder (its manifest.json,
    at most MAX_MISP_EVENTS events; one missing is skipped with a warning)."""
    if fmt == "misp" and (path.is_dir() or path.name == "manifest.json"):
        folder = path if path.is_dir() else path.parent
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise IngestFileError("missing", f"{folder} has no manifest.json")
        with manifest.open("rb") as raw:
            uuids = manifest_events(feeds.open_stream(raw))
        for uuid in uuids[:MAX_MISP_EVENTS]:
            event = folder / f"{uuid}.json"
            if not event.is_file():
                log.warning("MISP feed %s: %s.json is missing", folder, uuid)
                continue
            with event.open("rb") as raw:
                yield raw
        return
    if not path.is_file():
        raise IngestFileError("missing", f"{path} does not exist or is not a file")
    with path.open("rb") as raw:
        yield raw


def import_feed(streams: Iterable[BinaryIO], source: FeedSource, *, region: str = "CN",
                run_id: int | None = None) -> FeedResult:
    """Import every stream of a feed (needs an app context); a whole input that is not the
    format is recorded on the run as its error (and raised again, IngestFileError)."""
    if run_id is None:
        run_id = begin_run(source)
    result, tally = FeedResult(run_id), feeds.Tally()
    if store.refresh_statistics(db.session):
        db.session.commit()
    scopes: set[str] = set()
    matches: list = []
    try:
        with bulk_writes(db.session):
            try:
                for stream in streams:
                    candidates = feeds.parse(feeds.open_stream(stream), source.format, tally)
                    items = feeds.normalised(candidates, tally, region)
                    scopes |= _write(items, source, result, matches)
                db.session.commit()
            finally:
                db.session.rollback()
    except IngestFileError as exc:
        result.error = f"{exc.code}: {exc}"
        finish(result, tally)
        raise
    finish(result, tally)
    cache.invalidate(scopes)
    watch_match.match_quietly(watch_match.record_feed, matches)
    return result


def begin_run(source: FeedSource) -> int:
    """Record that a run of `source` started (committed: officers see it running)."""
    run = store.start_run(db.session, source=source.name, format=source.format,
                          confidence=source.confidence, licence=source.licence)
    db.session.commit()
    return run.id


def finish(result: FeedResult, tally: feeds.Tally | None = None) -> None:
    """Record the run's counts (from `tally`), reasons, samples or error, and commit."""
    if tally is not None:
        result.rows, result.bad, result.skipped = tally.rows, tally.bad, tally.skipped
        result.bad_reasons, result.samples = dict(tally.reasons.most_common()), list(tally.samples)
    reasons = dict(result.bad_reasons)
    if result.skipped:
        reasons["(skipped: not indicators)"] = result.skipped
    store.finish_run(db.session, result.run_id, rows=result.rows, imported=result.imported, bad=result.bad,
                     bad_reasons=reasons, samples=result.samples, not_modified=result.not_modified,
                     error=result.error and result.error[:2000])
    db.session.commit()


def _chunks(items: Iterable[Normalized]) -> Iterator[list[Normalized]]:
    chunk: list[Normalized] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(items: Iterable[Normalized], source: FeedSource, result: FeedResult, matches: list) -> set[str]:
    """Store the indicators in chunks: new ones inserted, stored ones sighted; the scopes touched."""
    scopes: set[str] = set()
    uncommitted = 0
    for chunk in _chunks(items):
        rows = ind_store.import_fields(chunk)
        new = ind_store.import_new(db.session, rows, source=source.name, status=source.status, note=source.licence,
                                   confidence=source.confidence)
        fresh = [row for row in rows if (row[0], row[1]) in new]
        seen_again = [row for row in rows if (row[0], row[1]) not in new]
        if seen_again:
            stored = ind_store.existing_ids(db.session, seen_again)
            result.sighted += record_sightings(db.session, stored.values(), f"import:{source.name}",
                                               ref=str(result.run_id))
        matches += watch_match.match_quietly(watch_match.match_rows, fresh)
        result.imported, result.new = result.imported + len(rows), result.new + len(new)
        scopes |= {row[5] for row in rows}
        uncommitted += len(rows)
        if uncommitted >= COMMIT_ROWS:
            db.session.commit()
            uncommitted = 0
    return scopes


def import_bytes(body: bytes, source: FeedSource, **kwargs) -> FeedResult:
    """`import_feed` of one body held in memory (a pull's answer)."""
    return import_feed([io.BytesIO(body)], source, **kwargs)


def run_json(run) -> dict:
    """An import run as the API shows it."""
    return {"id": run.id, "source": run.source, "format": run.format, "confidence": run.confidence,
            "licence": run.licence, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "rows": run.rows, "imported": run.imported, "bad": run.bad, "bad_reasons": run.bad_reasons or {},
            "samples": run.samples or [], "not_modified": run.not_modified, "error": run.error}


def recent_runs(*, limit: int = 50, source: str | None = None, before: int | None = None) -> tuple[list[dict], bool]:
    """A page of runs, newest first, and whether there are more."""
    runs = store.recent_runs(db.session, limit=limit + 1, source=source, before=before)
    return [run_json(run) for run in runs[:limit]], len(runs) > limit


def sources_json() -> list[dict]:
    """Every import source as the console shows it (no validators)."""
    return [{"name": s.name, "format": s.format, "url": s.url, "status": s.status, "confidence": s.confidence,
             "licence": s.licence, "interval_seconds": s.interval_seconds, "enabled": s.enabled,
             "last_pull_at": s.last_pull_at.isoformat() if s.last_pull_at else None}
            for s in store.list_sources(db.session)]
