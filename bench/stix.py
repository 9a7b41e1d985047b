"""STIX 2.1 export timing (issue #13: a bundle of 10,000 indicators in <= 5 s).

1. the builders alone: 10,000 feed entries (URLs, domains, e-mails, phones in 50 campaigns)
   -> one bundle's bytes (publish/stix.py);
2. from the database: the confirmed feed's full bundle as /feeds/confirmed.stix.json streams it
   (services/stix_export.py: entries in seq pages, campaigns and their reports), SQLite and/or
   PostgreSQL;
3. TAXII: the first and the last page of 500 objects of the collection.

`bundle_timing(app, label)` times the same bundle on a database another benchmark filled.

    .venv/bin/python bench/stix.py [--entries 10000] [--backend sqlite|postgresql|both]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import BACKENDS, scratch_databases  # noqa: E402
from fraudwatch import create_app  # noqa: E402
from fraudwatch.infra.extensions import db  # noqa: E402
from fraudwatch.publish import stix  # noqa: E402
from fraudwatch.services import stix_export, taxii  # noqa: E402
from fraudwatch.storage import feed_objects  # noqa: E402
from fraudwatch.storage.models import Campaign  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)
KINDS = ("url", "domain", "email", "phone")
CAMPAIGNS = 50


def value(kind: str, i: int) -> str:
    return {"url": f"http://etax-refund-{i}.top/claim?id={i}&n='x'", "domain": f"etax-refund-{i}.top",
            "email": f"refund{i}@etax-refund.top", "phone": f"+86138{i:08d}"}[kind]


def rows(count: int) -> list[dict]:
    return [{"indicator_id": i + 1, "feed": "confirmed", "type": KINDS[i % 4], "value": value(KINDS[i % 4], i),
             "campaign_id": (i % CAMPAIGNS) + 1 if i % 3 else None, "authority": "CN-STA",
             "first_seen": T0 + timedelta(seconds=i), "changed_at": T0 + timedelta(seconds=i)} for i in range(count)]


def best(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def builders(count: int) -> None:
    entries = [stix.Entry(i + 1, r["type"], r["value"], 0.9, r["first_seen"], r["first_seen"], r["changed_at"],
                          r["campaign_id"], r["authority"], True) for i, r in enumerate(rows(count))]
    members: dict[int, list] = {}
    for e in entries:
        if e.campaign_id:
            members.setdefault(e.campaign_id, []).append((e.type, e.value))
    infos = {c: stix.CampaignInfo(c, f"domain:c{c}.top", "indicator", T0, T0, T0, ("CN-STA",), tuple(m), T0)
             for c, m in members.items()}

    def build() -> bytes:
        objects = stix.header_objects("confirmed") + [o for e in entries for o in stix.entry_objects(e, "confirmed", infos)]
        objects += [o for info in infos.values() for o in (stix.campaign(info, "confirmed"), stix.report(info, "confirmed"))]
        return stix.bundle_bytes(stix.bundle_id("confirmed", None, count), objects)

    size = len(build())
    print(f"builders: {count:,} entries -> {size / 1e6:.1f} MB bundle in {best(build):.3f} s (best of 3)")


def from_database(backend: str, url: str, folder: Path, count: int) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(folder),
                      "REDIS_URL": "redis://127.0.0.1:6379/0"})
    with app.app_context():
        for c in range(1, CAMPAIGNS + 1):
            db.session.add(Campaign(id=c, key=f"domain:c{c}.top", kind="indicator", title="bench", first_seen=T0,
                                    last_seen=T0, updated_at=T0, authorities=["CN-STA"]))
        db.session.flush()
        feed_objects.add_entries(db.session, rows(count))
        db.session.commit()

        def bundle() -> bytes:
            return b"".join(stix_export.bundle_chunks(db.session, "confirmed", None, stix_export.cursor(db.session)))

        data = bundle()
        objects = len(orjson.loads(data)["objects"])
        print(f"{backend}: full bundle of {count:,} entries ({objects:,} objects, {len(data) / 1e6:.1f} MB) "
              f"from the database in {best(bundle):.3f} s (best of 3)")
        first = taxii.page(db.session, "confirmed", taxii.Query(limit=500))
        last_seq = feed_objects.current_cursor(db.session) - 100
        timing_first = best(lambda: taxii.page(db.session, "confirmed", taxii.Query(limit=500)))
        timing_last = best(lambda: taxii.page(db.session, "confirmed", taxii.Query(limit=500, position=(last_seq, 0))))
        print(f"{backend}: TAXII page of {len(first.items)} objects: first {timing_first * 1000:.0f} ms, "
              f"near the end {timing_last * 1000:.0f} ms")
    db.dispose(app)


def bundle_timing(app, label: str, count: int = 10_000) -> None:
    """Time the confirmed feed's STIX bundle of the last `count` changes (`?since=<cursor - count>`)
    on an app's database already filled (bench/feeds.py's stix_hook can call this)."""
    with app.app_context():
        since = max(feed_objects.current_cursor(db.session) - count, 0)

        def bundle() -> bytes:
            return b"".join(stix_export.bundle_chunks(db.session, "confirmed", since, stix_export.cursor(db.session)))

        data = bundle()
        indicators = sum(1 for o in orjson.loads(data)["objects"] if o["type"] == "indicator")
        print(f"{label}: STIX bundle of {indicators:,} indicators ({len(data) / 1e6:.1f} MB) in {best(bundle):.3f} s "
              "(best of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--pg-db", default="fw_bench_stix")
    args = parser.parse_args()
    builders(args.entries)
    with tempfile.TemporaryDirectory() as tmp:
        for backend, url, folder in scratch_databases(Path(tmp), args.backend, args.pg_db):
            from_database(backend, url, folder, args.entries)


if __name__ == "__main__":
    main()
