"""The STIX 2.1 builders (publish/stix.py): every bundle passes the OASIS validator in strict mode,
hostile values make valid patterns that match exactly that value, ids are deterministic, removals
are versions with valid_until, and the markings follow the feed."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from stix2patterns.v21.pattern import Pattern

from fraudwatch.publish import stix
from tests.fraudwatch.sharing.stix_check import assert_valid
from tests.linear import work

NOW = datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=UTC)
HOSTILE = [
    "http://etax-cn.top/a'b", "http://x.top/\\'\\\\'", "http://x.top/\"quoted\"?a='1'&b=\\",
    "http://退税.top/领取?姓名=张三", "http://x.top/" + "a" * 2080, "http://x.top/\u202e\u200b\ufeff",
    "http://x.top/'] OR [url:value = 'x", "http://x.top/\ttab\nnewline\r", "http://x.top/🙂'\\🙂",
]


def entry(seq: int, kind: str, value: str, *, listed: bool = True, campaign: int | None = None,
          confidence: float = 0.9, changed: datetime = NOW) -> stix.Entry:
    return stix.Entry(seq, kind, value, confidence, NOW, NOW, changed, campaign, "CN-STA", listed)


def campaign(members: tuple[tuple[str, str], ...] = ()) -> stix.CampaignInfo:
    return stix.CampaignInfo(7, "domain:etax-cn.top", "indicator", NOW - timedelta(days=2), NOW, NOW,
                             ("CN-STA",), members, NOW)


def bundle(entries: list[stix.Entry], feed: str = "confirmed", info: stix.CampaignInfo | None = None) -> dict:
    known = {info.id: info} if info else {}
    objects = stix.header_objects(feed) + [o for e in entries for o in stix.entry_objects(e, feed, known)]
    if info:
        objects += [stix.campaign(info, feed), stix.report(info, feed)]
    return assert_valid(stix.bundle_bytes(stix.bundle_id(feed, None, 1), objects))


def test_every_type_campaign_report_and_relationship_validate():
    info = campaign((("url", HOSTILE[0]), ("domain", "etax-cn.top"), ("phone", "+8612366000")))
    entries = [entry(1, "url", HOSTILE[0], campaign=7), entry(2, "domain", "etax-cn.top", campaign=7),
               entry(3, "email", "refund'o@etax-cn.top"), entry(4, "phone", "+8612366000", campaign=7),
               entry(5, "company", "某某有限公司")]
    objects = bundle(entries, info=info)["objects"]
    kinds = [o["type"] for o in objects]
    assert kinds.count("indicator") == 4  # no pattern fits a company
    assert kinds.count("relationship") == 3 and kinds.count("campaign") == 1 and kinds.count("report") == 1
    indicators = {o["name"].split(": ", 1)[0]: o for o in objects if o["type"] == "indicator"}
    assert indicators["phone"]["pattern"] == "[x-fraudwatch-phone-number:value = '+8612366000']"
    assert indicators["domain"]["pattern"] == "[domain-name:value = 'etax-cn.top']"
    assert indicators["url"]["confidence"] == 90 and indicators["url"]["indicator_types"] == ["malicious-activity"]
    report = next(o for o in objects if o["type"] == "report")
    ids = {o["id"] for o in objects}
    assert set(report["object_refs"]) <= ids and report["object_refs"][0].startswith("campaign--")
    relations = [o for o in objects if o["type"] == "relationship"]
    assert {r["relationship_type"] for r in relations} == {"indicates"}
    assert all(r["source_ref"] in ids and r["target_ref"] in ids for r in relations)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_make_valid_patterns_matching_exactly_the_value(value):
    objects = bundle([entry(1, "url", value), entry(2, "email", value.replace("http://", "a@"))])["objects"]
    ind = next(o for o in objects if o["type"] == "indicator")
    (comparison,) = Pattern(ind["pattern"]).inspect().comparisons["url"]
    assert comparison[0] == ["value"] and comparison[1] == "="
    literal = comparison[2][1:-1].replace("\\'", "'").replace("\\\\", "\\")
    assert literal == value


def test_feed_markings_and_confidence_bounds():
    clear = bundle([entry(1, "url", "http://a.top/", confidence=1.7)], "confirmed")["objects"]
    amber = bundle([entry(1, "url", "http://a.top/", confidence=-0.2)], "suspected")["objects"]
    clear_ind, amber_ind = clear[-1], amber[-1]
    assert clear_ind["object_marking_refs"] == ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]
    assert amber_ind["object_marking_refs"] == ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]
    assert clear[1] == {"type": "marking-definition", "spec_version": "2.1", "id": clear_ind["object_marking_refs"][0],
                        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE",
                        "definition": {"tlp": "white"}}
    assert amber[1]["name"] == "TLP:AMBER" and amber[1]["definition"] == {"tlp": "amber"}
    assert (clear_ind["confidence"], amber_ind["confidence"]) == (100, 0)
    assert clear_ind["id"] != amber_ind["id"]  # an indicator per feed: a move ends one, starts the other


def test_ids_are_deterministic_and_bundles_identical():
    def build() -> bytes:
        info = campaign((("url", "http://a.top/"),))
        objects = stix.header_objects("confirmed") + stix.entry_objects(
            entry(1, "url", "http://a.top/", campaign=7), "confirmed", {7: info}) + [stix.campaign(info, "confirmed")]
        return stix.bundle_bytes(stix.bundle_id("confirmed", 3, 9), objects)

    first, second = build(), build()
    assert first == second
    later = stix.entry_objects(entry(5, "url", "http://a.top/", changed=NOW + timedelta(hours=1)), "confirmed", {})
    assert later[0]["id"] == orjson.loads(first)["objects"][2]["id"]
    assert later[0]["modified"] > orjson.loads(first)["objects"][2]["modified"]
    assert stix.indicator_id("confirmed", "url", "http://a.top/") != stix.indicator_id("confirmed", "url", "http://b.top/")
    assert stix.bundle_id("confirmed", 3, 9) != stix.bundle_id("confirmed", 3, 10)


def test_a_removal_is_a_version_with_valid_until_and_no_relationship():
    info = campaign()
    removed = entry(2, "url", "http://a.top/", listed=False, campaign=7, changed=NOW + timedelta(days=1))
    same_time = entry(3, "domain", "a.top", listed=False, changed=NOW)
    objects = bundle([removed, same_time], info=info)["objects"]
    indicators = [o for o in objects if o["type"] == "indicator"]
    assert "revoked" not in indicators[0] and indicators[0]["valid_until"] == "2026-11-30T10:00:00.123Z"
    assert indicators[0]["modified"] == indicators[0]["valid_until"]
    assert indicators[1]["valid_until"] > indicators[1]["valid_from"]  # removed the moment it was listed
    assert not [o for o in objects if o["type"] == "relationship"]


def test_a_listed_indicator_is_valid_until_its_decay_ends_it():
    lasting = stix.Entry(1, "url", "http://a.top/", 0.9, NOW, NOW, NOW, None, None, True, NOW + timedelta(days=9))
    gone_already = stix.Entry(2, "url", "http://b.top/", 0.2, NOW, NOW, NOW, None, None, True, NOW)
    objects = bundle([lasting, gone_already])["objects"]
    assert objects[2]["valid_until"] == "2026-12-08T10:00:00.123Z" and "valid_until" not in objects[3]


def test_bundle_chunks_join_to_one_document_whatever_the_size():
    entries = [entry(i, "domain", f"d{i}.top") for i in range(1, 2502)]
    objects = [o for e in entries for o in stix.entry_objects(e, "confirmed", {})]
    chunks = list(stix.bundle_chunks("bundle--x", objects))
    assert len(chunks) > 3
    assert len(orjson.loads(b"".join(chunks))["objects"]) == 2501
    assert orjson.loads(b"".join(stix.bundle_chunks("bundle--x", [])))["objects"] == []


def test_pattern_escaping_is_linear():
    small, large = "'\\" * 2_500, "'\\" * 10_000
    _, growth = work(lambda text: stix.pattern("url", text), small, large, float("inf"), 8.0)
    assert growth < 8.0
