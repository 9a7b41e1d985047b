"""The MISP builders (publish/misp.py): events load in PyMISP with the right attribute types,
categories and IDS flags, removals are deleted attributes, hashes are md5 of the values, and the
warninglist has the shape of MISP's warninglist schema."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import jsonschema
import orjson
import pytest
from pymisp import MISPEvent

from fraudwatch.publish import misp
from fraudwatch.publish.stix import Entry

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
# The shape of MISP/misp-warninglists' schema.json (the file each list is checked against).
WARNINGLIST_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["list", "description", "version", "name", "type"],
    "properties": {
        "name": {"type": "string"}, "description": {"type": "string"}, "version": {"type": "integer"},
        "type": {"enum": ["string", "substring", "hostname", "cidr", "regex"]},
        "list": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "matching_attributes": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
    },
}


def entry(kind: str, value: str, listed: bool = True) -> Entry:
    return Entry(1, kind, value, 0.95, NOW, NOW, NOW, None, "CN-STA", listed)


def load(document: dict) -> MISPEvent:
    event = MISPEvent()
    event.load(orjson.dumps(document).decode())
    return event


@pytest.mark.parametrize("value", ["http://etax-cn.top/a'b\"c\\d", "http://退税.top/领取?x=1", "http://x.top/" + "a" * 2080])
def test_event_loads_in_pymisp_with_typed_attributes(value):
    entries = [entry("url", value), entry("domain", "etax-cn.top"), entry("email", "refund@etax-cn.top"),
               entry("phone", "+8612366000"), entry("company", "某某有限公司"), entry("domain", "gone.top", listed=False)]
    event_id = misp.event_uuid("campaign", "domain:etax-cn.top")
    loaded = load(misp.event(event_id, misp.campaign_info(7, ("CN-STA",)), date(2026, 11, 27), NOW, entries))
    assert loaded.uuid == event_id and loaded.info.startswith("fraudwatch campaign 7")
    assert loaded.date == date(2026, 11, 27) and [t.name for t in loaded.tags] == ["tlp:clear"]
    assert loaded.Orgc.name == "fraudwatch"
    found = {(a.type, a.value): a for a in loaded.attributes}
    assert set(found) == {("url", value), ("domain", "etax-cn.top"), ("email-src", "refund@etax-cn.top"),
                          ("phone-number", "+8612366000"), ("domain", "gone.top")}
    assert found[("url", value)].category == "Network activity" and found[("url", value)].to_ids
    assert found[("phone-number", "+8612366000")].category == "Financial fraud"
    assert not found[("phone-number", "+8612366000")].to_ids
    gone = found[("domain", "gone.top")]
    assert gone.deleted and not gone.to_ids
    assert found[("url", value)].first_seen == NOW


def test_same_value_same_attribute_uuid_and_day_events():
    first = misp.attribute(entry("domain", "a.top"))
    assert first["uuid"] == misp.attribute(entry("domain", "a.top"))["uuid"]
    assert first["uuid"] != misp.attribute(entry("domain", "b.top"))["uuid"]
    day = misp.event_uuid("day", "2026-11-29")
    assert day == misp.event_uuid("day", "2026-11-29") != misp.event_uuid("day", "2026-11-30")
    loaded = load(misp.event(day, misp.day_info(date(2026, 11, 29)), date(2026, 11, 29), NOW, []))
    assert "2026-11-29" in loaded.info and loaded.attributes == []


def test_manifest_entry_and_hash_line():
    summary = misp.summary("x", date(2026, 11, 29), NOW)
    assert summary["timestamp"] == str(int(NOW.timestamp())) and summary["Orgc"]["name"] == "fraudwatch"
    assert summary["threat_level_id"] == "2" and summary["analysis"] == "2"
    value = "http://退税.top/'"
    assert misp.hash_line(value, "e") == hashlib.md5(value.encode()).hexdigest() + ",e\n"


def test_warninglist_has_the_schema_shape():
    found = misp.warninglist(["chinatax.gov.cn", "irs.gov", "irs.gov"], 202611291200)
    jsonschema.validate(found, WARNINGLIST_SCHEMA)
    assert found["type"] == "hostname" and found["list"] == ["chinatax.gov.cn", "irs.gov"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**found, "extra": 1}, WARNINGLIST_SCHEMA)
