"""The watch API: each owner sees and changes only their own; bad input on every endpoint
is a 400 naming the field and stores nothing; roles."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import watch
from fraudwatch.storage.models import AlertChannel, WatchEntry

ENTRIES = "/api/v1/watch/entries"
CHANNELS = "/api/v1/watch/channels"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("kind, value, shown, key", [
    ("domain", "https://WWW.Example-Corp.com/login?a=1", "example-corp.com", "example-corp.com"),
    ("domain", "例子.中国", "例子.中国", "xn--fsqu00a.xn--fiqs8s"),
    ("brand", "Example Corp.", "Example Corp.", "examplecorp"),
    ("company", "某某科技（深圳）有限公司", "某某科技（深圳）有限公司", "某某科技深圳有限公司"),
    ("phone", "138 1234 5678", "+86 138 1234 5678", "+8613812345678"),
    ("phone", "+1 (800) 829-1040", "+1 800-829-1040", "+18008291040"),
])
def test_entries_are_normalised(app, make_user, kind, value, shown, key):
    client, auth = app.test_client(), make_user("acme", "enterprise")
    r = client.post(ENTRIES, headers=auth, json={"kind": kind, "value": value})
    assert r.status_code == 201, r.get_json()
    assert (r.get_json()["value"], r.get_json()["match_key"]) == (shown, key)
    again = client.post(ENTRIES, headers=auth, json={"kind": kind, "value": value})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("body, field", [
    ({"kind": "domain", "value": "x" * 301}, "value"), ({"kind": "domain", "value": ""}, "value"),
    ({"kind": "domain", "value": "   "}, "value"), ({"kind": "domain", "value": "exa\x00mple.com"}, "value"),
    ({"kind": "brand", "value": "acme\u202ecorp"}, "value"), ({"kind": "brand", "value": "ab"}, "value"),
    ({"kind": "domain", "value": "localhost"}, "value"), ({"kind": "phone", "value": "call me"}, "value"),
    ({"kind": "ip", "value": "1.2.3.4"}, "kind"), ({"kind": "domain", "value": 5}, "value"),
    ({"kind": "domain", "value": ["a.com"]}, "value"), ({"kind": "domain", "value": "a.com", "label": "x" * 121}, "label"),
    ({"kind": "domain", "value": "a.com", "label": "a\nb"}, "label"), ({"kind": "domain", "value": "a.com", "x": 1}, "x"),
    ({"value": "a.com"}, "kind"),
])
def test_bad_entries_are_400_and_nothing_is_stored(app, make_user, body, field):
    r = app.test_client().post(ENTRIES, headers=make_user("acme", "enterprise"), json=body)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["error"]["fields"], r.get_json()
    assert _count(app, WatchEntry) == 0


@pytest.mark.parametrize("body, field", [
    ({"kind": "webhook", "target": "ftp://example.com/"}, "target"), ({"kind": "webhook", "target": "example.com"}, "target"),
    ({"kind": "webhook", "target": "http://user:pw@example.com/"}, "target"),
    ({"kind": "webhook", "target": "http://example.com:99999/"}, "target"),
    ({"kind": "webhook", "target": "https://example.com/" + "a" * 2100}, "target"),
    ({"kind": "webhook", "target": "https://exa mple.com/"}, "target"), ({"kind": "email", "target": "not-an-address"}, "target"),
    ({"kind": "email", "target": "a@b.com\r\nBcc: x@y.com"}, "target"), ({"kind": "sms", "target": "123"}, "kind"),
    ({"kind": "webhook", "target": None}, "target"), ({"kind": "webhook"}, "target"),
])
def test_bad_channels_are_400(app, make_user, body, field):
    r = app.test_client().post(CHANNELS, headers=make_user("acme", "enterprise"), json=body)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"], r.get_json()
    assert _count(app, AlertChannel) == 0


def test_the_secret_is_shown_once(app, make_user):
    client, auth = app.test_client(), make_user("acme", "enterprise")
    made = client.post(CHANNELS, headers=auth, json={"kind": "webhook", "target": "https://hooks.example-corp.com/fw"})
    assert made.status_code == 201 and len(made.get_json()["secret"]) >= 40
    listed = client.get(CHANNELS, headers=auth).get_json()["channels"]
    assert [c["id"] for c in listed] == [made.get_json()["id"]] and "secret" not in listed[0]
    mail = client.post(CHANNELS, headers=auth, json={"kind": "email", "target": "Ops@Example-Corp.com"}).get_json()
    assert mail["target"] == "ops@example-corp.com" and "secret" not in mail


def test_owners_see_and_delete_only_their_own(app, make_user):
    client = app.test_client()
    acme, other, officer = make_user("acme", "enterprise"), make_user("other", "enterprise"), make_user("li", "officer")
    entry = client.post(ENTRIES, headers=acme, json={"kind": "domain", "value": "acme.com"}).get_json()
    channel = client.post(CHANNELS, headers=acme, json={"kind": "email", "target": "a@acme.com"}).get_json()
    for auth in (other, officer):
        assert client.get(ENTRIES, headers=auth).get_json()["entries"] == []
        assert client.get(CHANNELS, headers=auth).get_json()["channels"] == []
        assert client.delete(f"{ENTRIES}/{entry['id']}", headers=auth).status_code == 404
        assert client.delete(f"{CHANNELS}/{channel['id']}", headers=auth).status_code == 404
        assert client.post(f"{CHANNELS}/{channel['id']}/test", headers=auth).status_code == 404
        assert client.get("/api/v1/watch/alerts", headers=auth).get_json()["alerts"] == []
    assert client.post(ENTRIES, headers=officer, json={"kind": "domain", "value": "acme.com"}).status_code == 201
    assert client.delete(f"{ENTRIES}/{entry['id']}", headers=acme).status_code == 204
    assert client.delete(f"{ENTRIES}/{entry['id']}", headers=acme).status_code == 404
    assert client.delete(f"{CHANNELS}/{channel['id']}", headers=acme).status_code == 204
    assert client.delete(f"{ENTRIES}/99999999999", headers=acme).status_code == 404


def test_roles(app, make_user):
    client = app.test_client()
    assert client.get(ENTRIES).status_code == 401
    assert client.post(ENTRIES, json={"kind": "domain", "value": "a.com"}).status_code == 401
    editor = make_user("ed", "editor")
    assert client.get(ENTRIES, headers=editor).status_code == 403
    assert client.get(ENTRIES, headers=make_user("boss", "admin")).status_code == 200


def test_limits_and_paging(app, make_user, monkeypatch):
    monkeypatch.setattr(watch, "MAX_ENTRIES", 3)
    client, auth = app.test_client(), make_user("acme", "enterprise")
    for i in range(3):
        assert client.post(ENTRIES, headers=auth, json={"kind": "brand", "value": f"brand{i}x"}).status_code == 201
    full = client.post(ENTRIES, headers=auth, json={"kind": "brand", "value": "brand9x"})
    assert full.status_code == 400 and "3 entries" in full.get_json()["error"]["fields"]["value"]
    page = client.get(ENTRIES, headers=auth, query_string={"limit": 2}).get_json()
    assert len(page["entries"]) == 2 and page["next_after"] == page["entries"][-1]["id"]
    rest = client.get(ENTRIES, headers=auth, query_string={"after": page["next_after"]}).get_json()
    assert len(rest["entries"]) == 1 and rest["next_after"] is None
    for query in ({"limit": 0}, {"limit": 201}, {"limit": "x"}, {"after": -1}, {"bogus": 1}):
        assert client.get(ENTRIES, headers=auth, query_string=query).status_code == 400, query
    assert client.get("/api/v1/watch/alerts", headers=auth, query_string={"before": 0}).status_code == 400


def test_xss_in_values_is_data(app, make_user):
    client, auth = app.test_client(), make_user("acme", "enterprise")
    label = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    r = client.post(ENTRIES, headers=auth, json={"kind": "brand", "value": "<b>Acme</b> Corp", "label": label})
    assert r.status_code == 201 and r.get_json()["label"] == label and r.get_json()["match_key"] == "bacmebcorp"
    assert r.content_type == "application/json"
