"""Bulk import of an indicator list (e.g. a phishing-URL list) into the indicators table.

Values are normalised in worker processes and written in chunks; a bad line is counted
and skipped, never fatal, but a missing, empty or binary file is refused before anything
is stored. The lookup cache of every touched scope is dropped at the end.
"""
from __future__ import annotations

import csv
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fraudwatch.indicators import INDICATOR_TYPES, Normalized, normalize, normalize_domain, shared_site
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.services import watch_match
from fraudwatch.services.imports.files import check_file
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.bulk import bulk_writes

log = logging.getLogger(__name__)
MAX_LINE = 4096
COMMIT_ROWS = 20_000  # rows per transaction: fewer commits, and the write lock is held ~1 s at most


@dataclass
class ImportStats:
    """What an import did."""

    read: int = 0
    invalid: int = 0
    new: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Lines per second."""
        return self.read / self.seconds if self.seconds else 0.0


def read_values(path: Path, column: str | None = None) -> Iterator[str]:
    """Values from a TSV/CSV with a header naming `column`, or one value per line."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        first = fh.readline()
        delimiter = "\t" if "\t" in first else ("," if "," in first else None)
        header = next(csv.reader([first], delimiter=delimiter)) if delimiter else [first.strip()]
        name = column or _guess_column(header)
        if delimiter and name in header:
            index = header.index(name)
            for row in csv.reader(fh, delimiter=delimiter):
                if len(row) > index:
                    yield row[index][:MAX_LINE]
            return
        if first.strip() and not column:
            yield first.strip()[:MAX_LINE]
        for line in fh:
            if line.strip():
                yield line.strip()[:MAX_LINE]


def _guess_column(header: list[str]) -> str:
    for name in ("url", "domain", "Domain name", "value", "phone", "email"):
        if name in header:
            return name
    return ""


def normalize_chunk(args: tuple[str, list[str], bool, str]) -> tuple[list[tuple], int, int]:
    """Normalise a chunk of raw values (runs in a worker process): (rows for
    `import_indicators`, invalid, read). Plain sorted tuples travel back, cheap to unpickle."""
    kind, values, with_domains, region = args
    out: list[Normalized] = []
    invalid = 0
    for value in values:
        try:
            item = normalize(kind, value, region)
        except ValueError:
            invalid += 1
            continue
        out.append(item)
        if with_domains and item.type == "url" and item.host and shared_site(item.host) is None:
            try:
                out.append(normalize_domain(item.host))
            except ValueError:
                pass
    return ind_store.import_fields(out), invalid, len(values)


def _chunks(values: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_indicators(path: Path, *, kind: str = "url", source: str = "feed", status: str = "suspected",
                      column: str | None = None, with_domains: bool = False, note: str | None = None,
                      processes: int = 2, chunk_size: int = 5000, region: str = "CN",
                      progress: Callable[[ImportStats], None] | None = None) -> ImportStats:
    """Import a file of indicators of `kind` (needs an app context). `source` names the list
    in lookup evidence; ValueError for a bad kind or status, IngestFileError for a bad file."""
    if kind not in INDICATOR_TYPES:
        raise ValueError(f"type must be one of {', '.join(INDICATOR_TYPES)}")
    if status not in ("suspected", "confirmed_fraud"):
        raise ValueError("status must be suspected or confirmed_fraud")
    path = check_file(path)
    stats, started, matches = ImportStats(), time.perf_counter(), []
    jobs = ((kind, chunk, with_domains, region) for chunk in _chunks(read_values(path, column), chunk_size))
    with bulk_writes(db.session):
        try:
            with ProcessPoolExecutor(max_workers=max(1, processes)) as pool:
                scopes = _store(pool.map(normalize_chunk, jobs), stats, started, progress, matches,
                                source=source, status=status, note=note)
            db.session.commit()
        finally:
            db.session.rollback()
    cache.invalidate(scopes)
    watch_match.match_quietly(watch_match.record_feed, matches)  # watched domains' lookalikes in the feed
    stats.seconds = time.perf_counter() - started
    return stats


def _store(chunks: Iterable[tuple[list[tuple], int, int]], stats: ImportStats, started: float,
           progress: Callable[[ImportStats], None] | None, matches: list, **fields: str | None) -> set[str]:
    """Write the normalised chunks, committing every COMMIT_ROWS rows; the lookup scopes touched
    (and, in `matches`, the watch-list matches of the rows)."""
    scopes: set[str] = set()
    uncommitted = 0
    for rows, invalid, read in chunks:
        new, touched = ind_store.import_indicators(db.session, rows, **fields)
        matches += watch_match.match_quietly(watch_match.match_rows, rows)
        uncommitted += len(rows)
        if uncommitted >= COMMIT_ROWS:
            db.session.commit()
            uncommitted = 0
        stats.read, stats.invalid, stats.new = stats.read + read, stats.invalid + invalid, stats.new + new
        scopes |= touched
        stats.seconds = time.perf_counter() - started
        if progress:
            progress(stats)
    return scopes
