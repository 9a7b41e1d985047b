"""The feed parsers on files in the real formats (feedfiles.py): what each yields, bad rows
counted with their reason and samples, whole inputs refused, hostile input, linear work."""
from __future__ import annotations

import gzip
import io
import json

import pytest

from fraudwatch.messages.records import IngestFileError
from fraudwatch.services.imports import feed_json, feeds
from tests.fraudwatch.imports import feedfiles as ff
from tests.linear import work


def parse(data: str | bytes, fmt: str) -> tuple[list[str], feeds.Tally]:
    tally = feeds.Tally()
    raw = data.encode() if isinstance(data, str) else data
    items = feeds.normalised(feeds.parse(feeds.open_stream(io.BytesIO(raw)), fmt, tally), tally)
    return [f"{i.type}:{i.value}" for i in items], tally


def test_urlhaus_csv_reads_the_commented_header_and_counts_bad_rows():
    bad = ('"9","2026-11-29 10:00:00","http://10.0.0.1/bins/x","online","","malware_download","","",""\n'
           '"10","2026-11-29 10:00:00"\n'
           '"11","2026-11-29","javascript:alert(1)","offline","","","","",""\n'
           '"12","2026-11-29","http://localhost/x","online","","","","",""\n'
           + '"13","2026-11-29","http://' + "a" * 30_000 + '.example.com/","online"\n'
           '"14","2026-11-29","http://' + "b" * 3000 + '.example.com/","online"\n')
    values, tally = parse(ff.urlhaus_csv(5, bad), "urlhaus_csv")
    assert values == [f"url:http://tax-refund-{n}.example.com/claim/{n}.php" for n in range(5)]
    assert tally.rows == 11 and tally.bad == 6
    assert dict(tally.reasons) == {"private address": 2, "no url column": 1, "not a URL": 1, "too long": 2}
    first = tally.samples[0]
    assert first == {"line": 15, "reason": "private address", "text": "http://10.0.0.1/bins/x"}
    assert all(len(s["text"]) <= feeds.SAMPLE_CHARS for s in tally.samples)


def test_urlhaus_csv_without_its_comment_block_uses_its_columns_and_a_plain_header():
    rows = "".join(ff.urlhaus_row(n, f"https://plain-{n}.example.com/") for n in range(2))
    assert parse(rows, "urlhaus_csv")[0] == ["url:https://plain-0.example.com/", "url:https://plain-1.example.com/"]
    header = "id,dateadded,url,url_status\n1,2026-11-29,https://with-header.example.com/,online\n"
    assert parse(header, "urlhaus_csv")[0] == ["url:https://with-header.example.com/"]


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("urlhaus_json", ff.urlhaus_json_dump(2), ["url:https://refund-0.example.net/tax",
                                               "url:https://refund-1.example.net/tax"]),
    ("urlhaus_json", ff.urlhaus_json_api(2), ["url:http://api-0.example.org/x.apk", "url:http://api-1.example.org/x.apk"]),
    ("phishtank", ff.phishtank_csv(2), ["url:https://irs-refund-0.example.com/login?a=1%2C2",
                                        "url:https://irs-refund-1.example.com/login?a=1%2C2"]),
    ("phishtank_json", ff.phishtank_json(2), ["url:https://hmrc-0.example.co.uk/refund",
                                              "url:https://hmrc-1.example.co.uk/refund"]),
    ("openphish", ff.openphish(2), ["url:https://ato-0.example.com.au/mygov", "url:https://ato-1.example.com.au/mygov"]),
])
def test_each_format_and_its_sniffing(fmt, text, expected):
    assert parse(text, fmt)[0] == expected
    assert feeds.sniff(feeds.head_of(feeds.open_stream(io.BytesIO(text.encode())))) == fmt
    assert parse(gzip.compress(text.encode()), fmt)[0] == expected


def test_misp_event_attributes_objects_to_ids_and_deleted():
    values, tally = parse(json.dumps(ff.misp_event()), "misp")
    assert values == ["url:https://etax-refund.example.com/login", "domain:etax-refund-misp.top",
                      "domain:irs-help-misp.top", "email:refund@irs-help.example.net", "phone:+861065432100",
                      "domain:93.184.216.34", "domain:pay-misp.top", "url:https://object-url.example.com/a"]
    assert dict(tally.reasons) == {"private address": 1, "not a URL": 1}
    assert tally.skipped == 3  # a comment, a to_ids false URL, a deleted URL
    assert feeds.sniff(json.dumps(ff.misp_event()).encode()) == "misp"


def test_stix_bundle_patterns_revoked_expired_and_unsupported():
    values, tally = parse(ff.stix_bundle(), "stix")
    assert values == ["url:https://stix-refund.example.com/claim", "domain:stix-tax.top", "domain:stix-tax2.top",
                      "email:refunds@stix-tax.example.net", "url:http://stix-esc.example.org/it's"]
    assert dict(tally.reasons) == {"not an indicator pattern": 3}  # AND, a file hash, a sentence
    assert tally.rows == 6 and tally.skipped == 4  # identity, relationship, revoked, expired
    assert [s["line"] for s in tally.samples] == sorted(s["line"] for s in tally.samples)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[url:value = 'http://a.example/']", [("url", "http://a.example/")]),
    ("([domain-name:value='a.top'] OR ([email-addr:value = 'x@a.top']))", [("domain", "a.top"), ("email", "x@a.top")]),
    ("[ipv4-addr:value = '93.184.216.34' OR file:name = 'x']", [("domain", "93.184.216.34")]),
    ("[url:value = 'a'] AND [url:value = 'b']", None),
    ("[url:value = 'a'] FOLLOWEDBY [url:value = 'b'] WITHIN 5 SECONDS", None),
    ("[url:value LIKE 'a%']", None),
    ("[url:value != 'a']", None),
    ("[url:value = 'unterminated]", None),
    ("[url:value = 'a'", None),
    ("[[url:value = 'a']]", None),
    ("", None),
])
def test_stix_pattern_values(pattern, expected):
    assert feed_json.pattern_values(pattern) == expected


@pytest.mark.parametrize(("fmt", "data", "code"), [
    ("urlhaus_csv", b"<!DOCTYPE html><html><body>Too many requests</body></html>", "wrong_format"),
    ("openphish", b"\n\n<html>", "wrong_format"),
    ("phishtank", ff.phishtank_json(1).encode(), "wrong_format"),
    ("stix", ff.urlhaus_csv(1).encode(), "wrong_format"),
    ("stix", b'{"type": "not-a-bundle", "objects": []}', "wrong_format"),
    ("urlhaus_json", b'{"query_status": "invalid_url"}', "bad_json"),
    ("phishtank_json", b'{"url": 1}', "bad_json"),
    ("misp", b'{"Event": ' + b"[" * 50_000, "bad_json"),
    ("urlhaus_csv", b"\x00\x01\x02" * 1000, "binary_file"),
    ("openphish", b"   \n\n", "empty"),
    ("openphish", gzip.compress(b"https://a.example.com/\n" * 1000, mtime=0)[:-30], "bad_gzip"),
    ("openphish", b"\x1f\x8bnot gzip at all", "bad_gzip"),
    ("misp", json.dumps({ff.EVENT_UUID: {"info": "x", "timestamp": 1}}).encode(), "misp_manifest"),
])
def test_a_whole_input_of_another_format_is_refused(fmt, data, code):
    with pytest.raises(IngestFileError) as caught:
        parse(data, fmt)
    assert caught.value.code == code


def test_bad_json_after_good_entries_keeps_them_and_counts_one_bad_row():
    text = ff.phishtank_json(2)[:-1] + ', {"url": "https://x.example.com/"' + "[" * 200_000
    values, tally = parse(text, "phishtank_json")
    assert len(values) == 2 and dict(tally.reasons) == {"bad JSON": 1}
    deep = '{"type": "bundle", "objects": [' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "]}"
    assert dict(parse(deep, "stix")[1].reasons) == {"bad JSON": 1}
    values, tally = parse('[{"url": "https://a.example.com/"}, 5, {"no": 1}, {"url": ""}]', "phishtank_json")
    assert values == ["url:https://a.example.com/"]
    assert dict(tally.reasons) == {"not an entry": 1, "no url field": 2}


def test_hostile_inputs_are_bounded():
    huge_line = b"https://a.example.com/" + b"x" * 5_000_000 + b"\nhttps://b.example.com/\n"
    values, tally = parse(huge_line, "openphish")
    assert values == ["url:https://b.example.com/"] and dict(tally.reasons) == {"too long": 1}
    assert tally.samples[0]["text"].startswith("https://a.example.com/")
    # a gzip bomb stops at the cap, decompressed
    bomb = gzip.compress(b"https://a.example.com/\n" * 200_000)
    tally = feeds.Tally()
    with pytest.raises(IngestFileError) as caught:
        list(feeds.parse(feeds.open_stream(io.BytesIO(bomb), limit=100_000), "openphish", tally))
    assert caught.value.code == "file_too_large"
    # a wide JSON array of nested arrays: each element decoded alone, refused as not an entry
    wide = "[" + ",".join(["[[[[[[[[1]]]]]]]]"] * 20_000) + "]"
    assert parse(wide, "phishtank_json")[1].reasons == {"not an entry": 20_000}
    with pytest.raises(IngestFileError):
        feed_json.read_text(io.BytesIO(b"[" + b" " * 1000 + b"]"), limit=100)


def _csv(n: int) -> bytes:
    return ff.urlhaus_csv(n, '"x","y"\n' * (n // 10)).encode()


def _stix_pattern(size: int) -> str:
    return "[" + " OR ".join(["url:value = 'http://a.example/'"] * (size // 35)) + "]"


@pytest.mark.parametrize(("name", "function", "build"), [
    ("urlhaus csv", lambda data: parse(data, "urlhaus_csv"), lambda size: _csv(size // 150)),
    ("stix json", lambda data: parse(data, "stix"),
     lambda size: ff.stix_bundle([{"type": "x-junk", "id": "x--1", "v": "a" * 100}] * (size // 120)).encode()),
    ("one long line", lambda data: parse(data, "openphish"), lambda size: b"a" * size),
    ("stix pattern", feed_json.pattern_values, _stix_pattern),
    ("quotes in a pattern", feed_json.pattern_values, lambda size: "[url:value = '" + "\\'" * (size // 2)),
])
def test_parsing_is_linear(name, function, build):
    ratio, growth = work(function, build(25_000), build(100_000), max_ratio=5000, max_growth=8)
    assert growth < 8, (name, ratio, growth)
