"""The STIX bundles, the MISP feed and the TAXII server's refusals over HTTP (the app's test
client, SQLite and PostgreSQL): ETag / 304, full and incremental answers, access by key, and
bad or hostile parameters on every route."""
from __future__ import annotations

import base64
import gzip

import orjson
import pytest
from pymisp import MISPEvent

from fraudwatch.indicators.decay import DecayModel
from fraudwatch.infra.extensions import db
from fraudwatch.publish.stix import timestamp
from fraudwatch.services.taxii import collection_id
from tests.fraudwatch.sharing.seed import CONFIRMED_VALUES, T0, URL, add_one, seed
from tests.fraudwatch.sharing.stix_check import assert_valid, removed
from tests.fraudwatch.sharing.test_misp_builder import WARNINGLIST_SCHEMA

CONFIRMED = collection_id("confirmed")
SUSPECTED = collection_id("suspected")
TAXII = "application/taxii+json;version=2.1"
HOSTILE_QUERIES = ["since=%00", "since=" + "9" * 5000, "a=" + "x" * 8000, "since=%EF%BC%91", "%ff%fe=1",
                   "since[]=1", "since=1&since=2", "since=-1", "since=1e3", "since=%20%31"]


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed(db.session)
    return app


def _patterns(bundle: dict) -> dict[str, dict]:
    return {o["pattern"]: o for o in bundle["objects"] if o["type"] == "indicator"}


def test_full_bundle_then_incremental_with_etag(seeded, client):
    first = client.get("/feeds/confirmed.stix.json")
    assert first.status_code == 200 and first.mimetype == "application/stix+json"
    bundle = assert_valid(first.get_data())
    values = {p.split(" = '", 1)[1][:-2].replace("\\'", "'").replace("\\\\", "\\") for p in _patterns(bundle)}
    assert values == CONFIRMED_VALUES  # listed only: gone.top left, the company has no pattern
    model = DecayModel.from_config(seeded.config)
    url = next(o for o in bundle["objects"] if o.get("pattern", "").startswith("[url:"))
    assert url["valid_until"] == timestamp(T0 + model.max_age("url", 0.95))  # decay ends it unless seen again
    campaign = next(o for o in bundle["objects"] if o["type"] == "campaign")
    assert "张三" not in campaign["name"] + campaign["description"]  # titles may quote reports: not published
    assert client.get("/feeds/confirmed.stix.json", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/feeds/confirmed.stix.json").get_data() == first.get_data()

    cursor = add_one(seeded, 20, "new-one.top")
    after = client.get("/feeds/confirmed.stix.json", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert int(first.headers["X-Feed-Cursor"]) < int(after.headers["X-Feed-Cursor"]) == cursor
    assert client.get(f"/feeds/confirmed.stix.json?since={cursor + 1}").status_code == 400
    empty = assert_valid(client.get(f"/feeds/confirmed.stix.json?since={cursor}").get_data())
    assert [o["type"] for o in empty["objects"]] == ["identity", "marking-definition"]
    changes = assert_valid(client.get(f"/feeds/confirmed.stix.json?since={cursor - 2}").get_data())
    patterns = _patterns(changes)
    assert removed(patterns["[domain-name:value = 'gone.top']"])
    assert not removed(patterns["[domain-name:value = 'new-one.top']"])
    assert "[domain-name:value = 'new-one.top']" in patterns and len(patterns) == 2


def test_gzip_when_accepted(seeded, client):
    packed = client.get("/feeds/confirmed.stix.json", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert assert_valid(gzip.decompress(packed.get_data()))["objects"]


def test_suspected_needs_an_enterprise_key(seeded, client, make_user):
    assert client.get("/feeds/suspected.stix.json").status_code == 401
    assert client.get("/feeds/suspected.stix.json", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/feeds/suspected.stix.json", headers=make_user("ed", "editor")).status_code == 403
    answer = client.get("/feeds/suspected.stix.json", headers=make_user("acme", "enterprise"))
    assert answer.status_code == 200 and "no-store" in answer.headers["Cache-Control"]
    indicator = next(o for o in assert_valid(answer.get_data())["objects"] if o["type"] == "indicator")
    assert indicator["object_marking_refs"] == ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]
    seeded.config["FEEDS_REQUIRE_KEY"] = ()
    assert client.get("/feeds/suspected.stix.json").status_code == 200
    seeded.config["FEEDS_REQUIRE_KEY"] = ("confirmed", "suspected")
    assert client.get("/feeds/confirmed.stix.json").status_code == 401
    assert client.get("/feeds/misp/manifest.json").status_code == 200  # the MISP feed is public by design


def test_bad_and_hostile_parameters_are_clear_4xx(seeded, client):
    assert client.get("/feeds/nope.stix.json").status_code == 404
    for query in HOSTILE_QUERIES:
        answer = client.get(f"/feeds/confirmed.stix.json?{query}")
        assert answer.status_code == 400, query
        assert orjson.loads(answer.get_data())["error"]["code"]
    for path in ["/feeds/misp/", "/feeds/misp/manifest.json", "/feeds/misp/hashes.csv", "/feeds/misp/warninglist.json"]:
        assert client.get(path + "?x=1").status_code == 400
        assert client.get(path + "?" + HOSTILE_QUERIES[4]).status_code == 400
    for event in ["not-a-uuid", "../manifest", "%00", "x" * 3000, "5E928B2D-1EFF-5283-BF65-5D11C80B6C31",
                  "00000000-0000-0000-0000-000000000000"]:
        assert client.get(f"/feeds/misp/{event}.json").status_code == 404, event


def _event(client, event_id: str) -> MISPEvent:
    answer = client.get(f"/feeds/misp/{event_id}.json")
    assert answer.status_code == 200
    event = MISPEvent()
    event.load(answer.get_data(as_text=True))
    return event


def test_misp_feed_loads_in_pymisp(seeded, client):
    manifest = client.get("/feeds/misp/manifest.json")
    assert manifest.status_code == 200
    index = orjson.loads(manifest.get_data())
    assert client.get("/feeds/misp/manifest.json", headers={"If-None-Match": manifest.headers["ETag"]}).status_code == 304
    events = {event_id: _event(client, event_id) for event_id in index}
    assert len(events) == 2  # the campaign's, and the day's of the indicators in no campaign
    live = {(a.type, a.value) for e in events.values() for a in e.attributes if not a.deleted}
    assert live == {("url", URL), ("domain", "etax-cn.top"), ("phone-number", "+8612366000"),
                    ("email-src", "refund@etax-cn.top")}
    deleted = [a.value for e in events.values() for a in e.attributes if a.deleted]
    assert deleted == ["gone.top"]
    for event_id, event in events.items():
        assert event.info == index[event_id]["info"] and str(event.timestamp.timestamp()).startswith(
            index[event_id]["timestamp"])
    hashes = client.get("/feeds/misp/hashes.csv").get_data(as_text=True).splitlines()
    expected = {f"{a.hash_values('md5')[0]},{e.uuid}" for e in events.values() for a in e.attributes if not a.deleted}
    assert set(hashes) == expected and len(hashes) == 4


def test_misp_warninglist(client):
    answer = client.get("/feeds/misp/warninglist.json")
    import jsonschema

    found = orjson.loads(answer.get_data())
    jsonschema.validate(found, WARNINGLIST_SCHEMA)
    assert "chinatax.gov.cn" in found["list"] and "irs.gov" in found["list"] and found["type"] == "hostname"
    assert client.get("/feeds/misp/warninglist.json", headers={"If-None-Match": answer.headers["ETag"]}).status_code == 304


def _taxii(client, path: str, **headers):
    return client.get("/taxii2/fraudwatch/" + path, headers={"Accept": TAXII, **headers})


def test_taxii_refusals(seeded, client, make_user):
    assert client.get("/taxii2/", headers={"Accept": "text/html"}).status_code == 406
    assert client.get("/taxii2/", headers={"Accept": "application/taxii+json;version=2.0"}).status_code == 406
    assert client.get("/taxii2/", headers={"Accept": "application/taxii+json"}).status_code == 200
    assert _taxii(client, "collections/nope/objects/").status_code == 404
    assert _taxii(client, f"collections/{SUSPECTED}/objects/").status_code == 401
    error = orjson.loads(_taxii(client, f"collections/{SUSPECTED}/objects/").get_data())
    assert error["http_status"] == "401" and error["title"]
    key = make_user("acme", "enterprise")["Authorization"].split(" ", 1)[1]
    basic = "Basic " + base64.b64encode(f"acme:{key}".encode()).decode()
    assert _taxii(client, f"collections/{SUSPECTED}/objects/", Authorization=basic).status_code == 200
    bad = "Basic " + base64.b64encode(b"acme:wrong").decode()
    for header in (bad, "Basic %%%", "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()):
        assert _taxii(client, f"collections/{SUSPECTED}/objects/", Authorization=header).status_code == 401
    editor = make_user("ed", "editor")["Authorization"]
    assert _taxii(client, f"collections/{SUSPECTED}/objects/", Authorization=editor).status_code == 403
    listed = orjson.loads(_taxii(client, "collections/").get_data())["collections"]
    assert [c["can_read"] for c in listed] == [True, False]
    for query in ["limit=0", "limit=abc", "limit=99999999999", "added_after=yesterday", "next=abc", "next=1.2.3",
                  "unknown=1", "match[id]=" + "x" * 300, "match[spec_version]=2.0", "match[version]=nope",
                  "limit=1&limit=2", "added_after=" + "9" * 5000, "%ff=1", "match[type]=" + ",".join(["a"] * 200)]:
        answer = _taxii(client, f"collections/{CONFIRMED}/objects/?{query}")
        assert answer.status_code == 400, query
        assert answer.headers["Content-Type"] == TAXII
    indicator = "indicator--00000000-0000-4000-8000-000000000001"
    for path in ["", "collections/", f"collections/{CONFIRMED}/", f"collections/{CONFIRMED}/objects/",
                 f"collections/{CONFIRMED}/manifest/", f"collections/{CONFIRMED}/objects/{indicator}/",
                 f"collections/{CONFIRMED}/objects/{indicator}/versions/"]:
        for query in ["%ff%fe=1", "x=" + "y" * 8000, "match[type]=%00"]:
            answer = _taxii(client, f"{path}?{query}")
            assert answer.status_code == 400 and orjson.loads(answer.get_data())["http_status"] == "400", (path, query)
    assert client.get("/taxii2/?x=1", headers={"Accept": TAXII}).status_code == 400
    assert _taxii(client, f"collections/{CONFIRMED}/objects/indicator--nope/").status_code == 404
    missing = "indicator--00000000-0000-4000-8000-000000000000"
    assert _taxii(client, f"collections/{CONFIRMED}/objects/{missing}/").status_code == 404
    assert client.post(f"/taxii2/fraudwatch/collections/{CONFIRMED}/objects/", headers={"Accept": TAXII}).status_code == 405


def test_taxii_paging_over_the_sequence(seeded, client):
    seen, token, pages = [], None, 0
    while True:
        answer = _taxii(client, f"collections/{CONFIRMED}/objects/?limit=2" + (f"&next={token}" if token else ""))
        body = orjson.loads(answer.get_data())
        seen += body["objects"]
        pages += 1
        if not body["more"]:
            break
        token = body["next"]
        assert answer.headers["X-TAXII-Date-Added-First"] <= answer.headers["X-TAXII-Date-Added-Last"]
    whole = orjson.loads(_taxii(client, f"collections/{CONFIRMED}/objects/").get_data())["objects"]
    assert seen == whole and pages == (len(whole) + 1) // 2
    assert_valid({"type": "bundle", "id": "bundle--0b0c1c8e-6a32-4f60-8b7e-2f9c7a0b6a10", "objects": whole})
    manifest = orjson.loads(_taxii(client, f"collections/{CONFIRMED}/manifest/").get_data())["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in whole]
    indicator = next(o for o in whole if o["type"] == "indicator")
    one = orjson.loads(_taxii(client, f"collections/{CONFIRMED}/objects/{indicator['id']}/").get_data())
    assert one["objects"] == [indicator]
    versions = orjson.loads(_taxii(client, f"collections/{CONFIRMED}/objects/{indicator['id']}/versions/").get_data())
    assert versions["versions"] == [indicator["modified"]]


def test_hostile_addresses_and_queries_on_every_sharing_route(app, client):
    """The public routes' hostile-request test (tests/fraudwatch/public) on these blueprints' routes."""
    from tests.fraudwatch.public.test_hostile_requests import QUERIES, _check, _paths

    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(("sharing.", "taxii."))]
    assert len(rules) == 14
    for rule in rules:
        for path in _paths(rule):
            for query in ["", *QUERIES]:
                answer = client.get(f"{path}?{query}", headers={"Accept": TAXII})
                _check(answer, f"{path}?{query}")
                assert answer.status_code in (200, 400, 401, 404), (path, query, answer.status_code)
