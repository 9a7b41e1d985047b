"""Feed files in the real formats of URLhaus, PhishTank, OpenPhish, MISP and STIX, written for
these tests with made-up values (example domains, documentation addresses)."""
from __future__ import annotations

import json
from pathlib import Path

URLHAUS_HEAD = """################################################################
# abuse.ch URLhaus Database Dump (CSV)                         #
# Last updated: 2026-11-29 11:00:08 (UTC)                      #
#                                                              #
# Terms Of Use: https://urlhaus.abuse.ch/api/                  #
# For questions please contact urlhaus [at] abuse.ch           #
################################################################
#
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"""


def urlhaus_row(n: int, url: str, status: str = "online") -> str:
    """One URLhaus CSV row, every field quoted as URLhaus writes them."""
    return (f'"{3100000 + n}","2026-11-29 10:{n % 60:02d}:01","{url}","{status}","2026-11-29 10:59:00",'
            f'"malware_download","exe,tax-refund","https://urlhaus.abuse.ch/url/{3100000 + n}/","reporter{n % 7}"\n')


def urlhaus_csv(count: int = 5, extra: str = "") -> str:
    """A URLhaus CSV dump of `count` good rows, then `extra` lines."""
    rows = [urlhaus_row(n, f"http://tax-refund-{n}.example.com/claim/{n}.php") for n in range(count)]
    return URLHAUS_HEAD + "".join(rows) + extra


def urlhaus_json_dump(count: int = 3) -> str:
    """The URLhaus JSON dump: entries keyed by id, each a list."""
    return json.dumps({str(3200000 + n): [{
        "dateadded": "2026-11-29 10:00:00 UTC", "url": f"https://refund-{n}.example.net/tax",
        "url_status": "online", "last_online": None, "threat": "malware_download", "tags": ["tax"],
        "urlhaus_link": f"https://urlhaus.abuse.ch/url/{3200000 + n}/", "reporter": "someone"}] for n in range(count)},
        indent=4)


def urlhaus_json_api(count: int = 3) -> str:
    """The URLhaus API answer: query_status and a `urls` array."""
    return json.dumps({"query_status": "ok", "urls": [{
        "id": str(3300000 + n), "urlhaus_reference": f"https://urlhaus.abuse.ch/url/{3300000 + n}/",
        "url": f"http://api-{n}.example.org/x.apk", "url_status": "online", "host": f"api-{n}.example.org",
        "date_added": "2026-11-29 10:00:00 UTC", "threat": "malware_download", "blacklists": {},
        "reporter": "x", "larted": "false", "tags": None} for n in range(count)]})


PHISHTANK_HEADER = "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"


def phishtank_csv(count: int = 4, extra: str = "") -> str:
    """A PhishTank CSV dump (the url may be quoted and hold commas)."""
    rows = [f'{8800000 + n},"https://irs-refund-{n}.example.com/login?a=1,2",'
            f'http://www.phishtank.com/phish_detail.php?phish_id={8800000 + n},2026-11-29T10:00:00+00:00,yes,'
            f'2026-11-29T10:05:00+00:00,yes,Internal Revenue Service\n' for n in range(count)]
    return PHISHTANK_HEADER + "".join(rows) + extra


def phishtank_json(count: int = 3) -> str:
    """The PhishTank JSON dump: an array of entries."""
    return json.dumps([{"phish_id": 8900000 + n, "url": f"https://hmrc-{n}.example.co.uk/refund",
                        "phish_detail_url": "http://www.phishtank.com/phish_detail.php?phish_id=1",
                        "submission_time": "2026-11-29T10:00:00+00:00", "verified": "yes",
                        "verification_time": "2026-11-29T10:01:00+00:00", "online": "yes",
                        "details": [{"ip_address": "192.0.2.1"}], "target": "HMRC"} for n in range(count)])


def openphish(count: int = 3) -> str:
    """An OpenPhish feed: one URL a line (with a comment and a blank line)."""
    return "# OpenPhish community feed\n\n" + "".join(f"https://ato-{n}.example.com.au/mygov\n" for n in range(count))


EVENT_UUID = "5f0e6d2a-1b2c-4d3e-8f90-a1b2c3d4e5f6"
EVENT_UUID2 = "6a1b2c3d-4e5f-4a6b-9c7d-8e9fa0b1c2d3"


def misp_event(uuid: str = EVENT_UUID) -> dict:
    """A MISP event with indicator attributes, context (to_ids false), a deleted one and an object."""
    def attr(kind: str, value: str, to_ids: bool = True, **more) -> dict:
        return {"uuid": f"{uuid[:30]}{len(value):06d}", "type": kind, "category": "Network activity",
                "to_ids": to_ids, "value": value, "timestamp": "1764410000", **more}

    return {"Event": {
        "uuid": uuid, "info": "Tax refund phishing", "date": "2026-11-29", "threat_level_id": "2",
        "analysis": "2", "published": True, "timestamp": "1764410000",
        "Orgc": {"name": "Example CERT", "uuid": "11111111-2222-4333-8444-555555555555"},
        "Tag": [{"name": "tlp:white"}],
        "Attribute": [attr("url", "https://etax-refund.example.com/login"),
                      attr("domain", "etax-refund-misp.top"),
                      attr("hostname", "www.irs-help-misp.top"),
                      attr("email-src", "refund@irs-help.example.net"),
                      attr("phone-number", "+86 10 6543 2100"),
                      attr("ip-dst", "93.184.216.34"),
                      attr("ip-dst", "10.1.2.3"),
                      attr("domain|ip", "pay-misp.top|203.0.113.5"),
                      attr("comment", "seen in SMS", to_ids=False),
                      attr("url", "https://context.example.com/", to_ids=False),
                      attr("url", "https://deleted.example.com/", deleted=True),
                      attr("url", "not a url at all")],
        "Object": [{"name": "url", "Attribute": [attr("url", "https://object-url.example.com/a")]}]}}


def misp_feed(folder: Path) -> Path:
    """A MISP feed folder: manifest.json, hashes.csv and one <uuid>.json per event."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for uuid in (EVENT_UUID, EVENT_UUID2):
        event = misp_event(uuid)
        if uuid == EVENT_UUID2:
            event["Event"]["Attribute"] = event["Event"]["Attribute"][:2]
            event["Event"]["Attribute"][0]["value"] = "https://second-event.example.com/x"
        (folder / f"{uuid}.json").write_text(json.dumps(event), encoding="utf-8")
        manifest[uuid] = {"Orgc": event["Event"]["Orgc"], "Tag": [], "info": event["Event"]["info"],
                          "date": "2026-11-29", "analysis": 2, "threat_level_id": 2, "timestamp": 1764410000}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "hashes.csv").write_text("", encoding="utf-8")
    return folder


def stix_bundle(extra: list[dict] | None = None) -> str:
    """A STIX 2.1 bundle: indicators of URL, domain, e-mail (one OR'ed), a revoked one, one with
    AND, a file hash, an identity and a relationship."""
    def indicator(n: int, pattern: str, **more) -> dict:
        return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{n:08d}-aaaa-4bbb-8ccc-dddddddddddd",
                "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z",
                "name": "tax scam", "pattern": pattern, "pattern_type": "stix",
                "valid_from": "2026-11-29T10:00:00Z", **more}

    objects = [
        {"type": "identity", "spec_version": "2.1", "id": "identity--00000000-aaaa-4bbb-8ccc-dddddddddddd",
         "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z", "name": "Example CERT",
         "identity_class": "organization"},
        indicator(1, "[url:value = 'https://stix-refund.example.com/claim']"),
        indicator(2, "[domain-name:value = 'stix-tax.top' OR domain-name:value = 'stix-tax2.top']"),
        indicator(3, "[email-addr:value = 'refunds@stix-tax.example.net'] OR [url:value = 'http://stix-esc.example.org/it\\'s']"),
        indicator(4, "[url:value = 'https://revoked.example.com/']", revoked=True),
        indicator(5, "[url:value = 'https://a.example.com/' AND url:value = 'https://b.example.com/']"),
        indicator(6, "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"),
        indicator(7, "[url:value = 'https://expired.example.com/']", valid_until="2020-01-01T00:00:00Z"),
        indicator(8, "a plain sentence, not a pattern"),
        {"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-aaaa-4bbb-8ccc-dddddddddddd",
         "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z",
         "relationship_type": "indicates", "source_ref": "indicator--00000001-aaaa-4bbb-8ccc-dddddddddddd",
         "target_ref": "identity--00000000-aaaa-4bbb-8ccc-dddddddddddd"},
        *(extra or []),
    ]
    return json.dumps({"type": "bundle", "id": "bundle--00000000-aaaa-4bbb-8ccc-dddddddddddd", "objects": objects},
                      indent=2)
