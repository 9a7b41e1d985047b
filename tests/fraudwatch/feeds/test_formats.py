"""The feed formats (publish/feed_formats.py) on hostile values: CSV parsed back, formula cells
defused, JSON parsed back, hosts and RPZ with only valid names, the RPZ zone checked by BIND's
named-checkzone, and every format linear in its input."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from fraudwatch.indicators import normalize
from fraudwatch.publish import feed_formats as formats
from fraudwatch.storage.feeds import FeedRow
from tests.linear import best_cpu

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CHECKZONE = shutil.which("named-checkzone") or "/usr/bin/named-checkzone"
HOSTILE = ["=cmd|' /C calc'!A0", "+8613812345678", "-2+3", "@SUM(A1)", "\tx", "\rx", 'say "hi", then\r\nnew line',
           "税务局退税中心有限公司", "a" * 2048, "'; DROP TABLE x; --", "\u202eevil", "x\x00y"]
ODD_HOSTS = ["xn--fiqs8s.top", "xn--e1afmkfd.xn--p1ai", "ok-host.example.top", "under_score.top", "-lead.top",
             "trail-.top", "a..b.top", "1.2.3.4", "[::1]", "nodot", "x" * 63 + ".top", "x" * 64 + ".top",
             ".".join(["a" * 60] * 4) + ".top", "evil.top\n@ NS attacker.example.", "evil.top CNAME rpz-passthru.",
             "UPPER.top", "*.wild.top", "dot.top.", "ok.top", "ok.top"]


def row(seq: int, kind: str, value: str, host: str | None = None, listed: bool = True, **extra) -> FeedRow:
    values = {"seq": seq, "indicator_id": seq, "feed": "confirmed", "type": kind, "value": value, "host": host,
              "confidence": 0.95, "first_seen": NOW, "last_seen": NOW, "campaign_id": None, "authority": None,
              "listed": listed, "changed_at": NOW}
    values.update(extra)
    return FeedRow(**values)


def until(entry: FeedRow) -> datetime:
    return entry.last_seen + timedelta(days=20)


def test_csv_is_rfc4180_and_defuses_formulas():
    rows = [row(i + 1, "company", value, authority=value if i % 2 else None, listed=i % 3 != 0)
            for i, value in enumerate(HOSTILE)]
    text = "".join(formats.csv_chunks(rows, until))
    assert text.startswith(",".join(formats.CSV_COLUMNS) + "\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == list(formats.CSV_COLUMNS)
    assert len(parsed) == len(HOSTILE) + 1
    for (action, seq, _kind, value, *rest), original, entry in zip(parsed[1:], HOSTILE, rows, strict=True):
        assert action == ("add" if entry.listed else "remove") and int(seq) == entry.seq
        expected = "'" + original if original.startswith(("=", "+", "-", "@", "\t", "\r")) else original
        assert value == expected
        assert rest[4] == ("2026-11-21T12:00:00Z" if entry.listed else "")  # valid_until
        assert rest[6] in ("", expected)  # authority, defused too


def test_json_streams_one_object_with_the_cursor():
    rows = [row(i + 1, "url", value, listed=bool(i % 2)) for i, value in enumerate(HOSTILE)]
    chunks = list(formats.json_chunks(rows, {"feed": "confirmed", "cursor": 99, "since": 3}, until))
    body = json.loads("".join(chunks))
    assert (body["feed"], body["cursor"], body["since"]) == ("confirmed", 99, 3)
    assert [e["value"] for e in body["entries"]] == HOSTILE
    assert [e["action"] for e in body["entries"]] == ["remove", "add"] * (len(HOSTILE) // 2)
    assert json.loads("".join(formats.json_chunks([], {})))["entries"] == []


def test_url_list_and_hosts_keep_only_safe_lines():
    rows = [row(1, "url", "http://etax.top/a"), row(2, "url", "http://etax.top/b c"), row(3, "url", "http://x.top/\n1"),
            row(4, "domain", "etax.top"), row(5, "url", "http://gone.top/", listed=False)]
    assert "".join(formats.url_chunks(rows)) == "http://etax.top/a\n"
    hosts = "".join(formats.hosts_chunks(sorted(ODD_HOSTS), "# head\n"))
    lines = hosts.splitlines()
    assert lines[0] == "# head"
    names = [line.split(" ", 1)[1] for line in lines[1:]]
    assert all(line.startswith("0.0.0.0 ") and line.count(" ") == 1 for line in lines[1:])
    assert names == sorted({"xn--fiqs8s.top", "xn--e1afmkfd.xn--p1ai", "ok-host.example.top", "ok.top",
                            "x" * 63 + ".top", ".".join(["a" * 60] * 4) + ".top"})


@pytest.mark.parametrize(("kind", "raw", "expected"), [
    ("domain", "etax-refund.top", "etax-refund.top"),
    ("url", "http://etax.chinatax-gov.top/login", "etax.chinatax-gov.top"),
    ("url", "http://税务.top/x", normalize("url", "http://税务.top/x").host),
    ("domain", "chinatax.gov.cn", None),  # official
    ("url", "https://etax.chinatax.gov.cn/x", None),  # official
    ("url", "https://bit.ly/abc", None),  # a shortener: the URL only
    ("url", "http://192.0.2.7/login", None),  # an address, not a name
    ("domain", "github.io", None),  # a public suffix
    ("email", "x@etax.top", None), ("phone", "+8613812345678", None),
])
def test_dns_name_never_blocks_official_shared_or_malformed_names(kind, raw, expected):
    item = normalize(kind, raw) if kind != "domain" or raw != "github.io" else None
    value, host = (item.value, item.host) if item else (raw, raw)
    assert formats.dns_name(kind, value, host) == expected


@pytest.mark.skipif(not shutil.which(CHECKZONE) and not shutil.os.path.exists(CHECKZONE),
                    reason="named-checkzone (bind9-utils) is not installed")
def test_rpz_zone_passes_named_checkzone(tmp_path):
    origin = formats.rpz_origin("confirmed", "fraudwatch.example.org")
    hosts = sorted(ODD_HOSTS + [normalize("domain", "税务局.top").value, normalize("url", "http://退税.中国/").host])
    zone = "".join(formats.rpz_chunks(hosts, origin, 2**32 + 7, formats.comment_header(";", "t", {"cursor": 7})))
    path = tmp_path / "confirmed.rpz"
    path.write_text(zone, encoding="utf-8")
    done = subprocess.run([CHECKZONE, "-i", "full", "-k", "fail", origin, str(path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "serial 7" in done.stdout
    assert "xn--fiqs8s.top CNAME .\n*.xn--fiqs8s.top CNAME .\n" in zone
    assert "attacker" not in zone and "rpz-passthru" not in zone and "under_score" not in zone
    empty = tmp_path / "empty.rpz"
    empty.write_text("".join(formats.rpz_chunks([], origin, 0)), encoding="utf-8")
    assert subprocess.run([CHECKZONE, origin, str(empty)], capture_output=True, timeout=60).returncode == 0
    assert formats.rpz_origin("suspected", "bad host!") == "suspected.rpz.fraudwatch.invalid."


def _work(function, small: list, large: list) -> float:
    return best_cpu(lambda: function(large)) / max(best_cpu(lambda: function(small)), 1e-6)


def test_every_format_is_linear():
    def many(n: int) -> list[FeedRow]:
        return [row(i, "url", f"http://h{i}.top/{'=x' * (i % 50)}", host=f"h{i}.top") for i in range(n)]

    small, large = many(2_000), many(20_000)
    for name, function in {
        "csv": lambda rows: sum(map(len, formats.csv_chunks(rows, until))),
        "json": lambda rows: sum(map(len, formats.json_chunks(rows, {"cursor": 1}, until))),
        "txt": lambda rows: sum(map(len, formats.url_chunks(rows))),
        "hosts": lambda rows: sum(map(len, formats.hosts_chunks(r.host for r in rows))),
        "rpz": lambda rows: sum(map(len, formats.rpz_chunks((r.host for r in rows), "z.rpz.x.", 1))),
    }.items():
        growth = _work(function, small, large)
        assert growth < 16, f"{name}: 10x the rows took {growth:.1f}x the work"


def test_valid_until_from_text_matches_datetime_arithmetic():
    from fraudwatch.indicators.decay import DecayModel
    from fraudwatch.services.feeds import valid_until

    model = DecayModel({"url": 30.0, "domain": 180.0}, {"url": 1.0, "domain": 0.5}, 0.3)
    until = valid_until(model)
    starts = [datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2024, 2, 28, 12, 0, 7, tzinfo=UTC),
              NOW, datetime(2026, 11, 1, 0, 0, 0, tzinfo=UTC)]
    for start in starts:
        for kind, confidence in (("url", 0.95), ("url", 0.31), ("domain", 0.6), ("domain", 0.8123)):
            entry = row(1, kind, "x", confidence=confidence, last_seen=start)
            expected = (start + model.max_age(kind, confidence)).strftime("%Y-%m-%dT%H:%M:%SZ")
            as_text = entry._replace(last_seen=start.strftime("%Y-%m-%dT%H:%M:%SZ"))
            assert until(as_text) in (expected, _second_before(expected)), (start, kind, confidence)
            assert until(entry) == start + model.max_age(kind, confidence)


def _second_before(text: str) -> str:
    """The text path counts whole seconds (the max age's fraction dropped)."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ") - timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
