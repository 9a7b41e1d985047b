"""Issue #13's Done-when for the STIX, TAXII and MISP exports, on what the real feed sweep writes
(SQLite and PostgreSQL): confirmed indicators are in the STIX bundle, the TAXII objects and the
MISP feed after one sweep; a dismissed one leaves them (a valid_until version, a deleted
attribute) and a suspected one that is confirmed moves from one feed to the other."""
from __future__ import annotations

import orjson
from pymisp import MISPEvent

from fraudwatch.infra.extensions import db
from fraudwatch.services.taxii import collection_id
from fraudwatch.storage import feed_objects
from tests.fraudwatch.feeds.helpers import add_indicator, set_columns, sweep
from tests.fraudwatch.sharing.stix_check import assert_objects_valid, assert_valid, removed

TAXII = {"Accept": "application/taxii+json;version=2.1"}
URL = "http://etax-refund-cn.top/login?id=1"


def _indicators(objects: list[dict]) -> dict[str, dict]:
    return {o["pattern"]: o for o in objects if o["type"] == "indicator"}


def _misp(client) -> dict[str, bool]:
    """value -> deleted, over every event of the MISP feed."""
    found = {}
    for event_id in orjson.loads(client.get("/feeds/misp/manifest.json").get_data()):
        event = MISPEvent()
        event.load(client.get(f"/feeds/misp/{event_id}.json").get_data(as_text=True))
        found.update({a.value: bool(a.deleted) for a in event.attributes})
    return found


def test_confirmed_in_every_export_then_dismissed_and_moved(app, client, make_user):
    key = make_user("acme", "enterprise")
    with app.app_context():
        url = add_indicator("url", URL, "confirmed_fraud")
        add_indicator("domain", "etax-refund-cn.top", "confirmed_fraud")
        phone = add_indicator("phone", "13812345678", "suspected")
        sweep(app)
        cursor = feed_objects.current_cursor(db.session)
    bundle = assert_valid(client.get("/feeds/confirmed.stix.json").get_data())
    patterns = set(_indicators(bundle["objects"]))
    assert patterns == {"[url:value = 'http://etax-refund-cn.top/login?id=1']",
                        "[domain-name:value = 'etax-refund-cn.top']"}
    objects = client.get(f"/taxii2/fraudwatch/collections/{collection_id('confirmed')}/objects/", headers=TAXII)
    assert set(_indicators(orjson.loads(objects.get_data())["objects"])) == patterns
    last_added = objects.headers["X-TAXII-Date-Added-Last"]
    assert _misp(client) == {URL: False, "etax-refund-cn.top": False}

    with app.app_context():
        set_columns(url, status="dismissed")
        set_columns(phone, status="confirmed_fraud")
        sweep(app)
    changes = assert_valid(client.get(f"/feeds/confirmed.stix.json?since={cursor}").get_data())
    changed = {p: removed(o) for p, o in _indicators(changes["objects"]).items()}
    assert changed == {"[url:value = 'http://etax-refund-cn.top/login?id=1']": True,
                       "[x-fraudwatch-phone-number:value = '+8613812345678']": False}
    left = assert_valid(client.get(f"/feeds/suspected.stix.json?since={cursor}", headers=key).get_data())
    assert [(removed(o), o["pattern"]) for o in _indicators(left["objects"]).values()] == [
        (True, "[x-fraudwatch-phone-number:value = '+8613812345678']")]
    full = assert_valid(client.get("/feeds/confirmed.stix.json").get_data())
    assert "[url:value = 'http://etax-refund-cn.top/login?id=1']" not in _indicators(full["objects"])
    newer = client.get(f"/taxii2/fraudwatch/collections/{collection_id('confirmed')}/objects/"
                       f"?added_after={last_added}", headers=TAXII)
    newer_objects = orjson.loads(newer.get_data())["objects"]
    assert_objects_valid(newer_objects)
    assert {p: removed(o) for p, o in _indicators(newer_objects).items()} == changed
    assert _misp(client) == {URL: True, "etax-refund-cn.top": False,
                             "+8613812345678": False}
    hashes = client.get("/feeds/misp/hashes.csv").get_data(as_text=True).splitlines()
    assert len(hashes) == 2
