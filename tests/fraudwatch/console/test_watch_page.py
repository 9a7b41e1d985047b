"""The console's watch-list page: the signed-in owner's entries and channels (CSRF on every
form), the webhook secret shown once, the test button and the delivery log, refusals shown
on the page with nothing stored, markup inert, other owners' rows out of reach, zh and en."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage import people
from fraudwatch.storage.models import AlertChannel, AlertDelivery, WatchEntry
from tests.conftest import run_jobs

PAGE = "/console/watch"
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


@pytest.fixture
def owner(app, client, sign_in):
    return sign_in(client, name="acme", role="enterprise")


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_page_in_zh_and_en(app, client, owner):
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "监控名单" in html and 'href="/console/watch"' in html and "投递记录" in html
    with app.app_context():
        people.get_user(db.session, owner).language = "en"
        db.session.commit()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Watch list" in html and "Delivery log" in html


def test_add_and_remove_an_entry_with_csrf(app, client, owner, csrf):
    assert client.post(f"{PAGE}/entries", data={"kind": "domain", "value": "example-corp.com"}).status_code == 400
    assert _count(app, WatchEntry) == 0
    r = client.post(f"{PAGE}/entries", data={"kind": "domain", "value": "https://www.Example-Corp.com/x",
                                             "label": XSS, "csrf_token": csrf(client)})
    assert r.status_code == 303
    html = client.get(PAGE).get_data(as_text=True)
    assert "example-corp.com" in html and "<script>alert(1)" not in html and "&lt;script&gt;" in html
    with app.app_context():
        entry_id = db.session.scalar(sa.select(WatchEntry.id))
    assert client.post(f"{PAGE}/entries/{entry_id}/delete", data={"csrf_token": csrf(client)}).status_code == 303
    assert _count(app, WatchEntry) == 0


@pytest.mark.parametrize("data, status", [
    ({"kind": "domain", "value": "x" * 301}, 400), ({"kind": "domain", "value": "a\x00b.com"}, 400),
    ({"kind": "domain", "value": ""}, 400), ({"kind": "planet", "value": "mars.com"}, 400),
    ({"kind": "brand", "value": "ab"}, 400), ({"kind": "phone", "value": XSS}, 400),
    ({"kind": "domain", "value": "a.com", "label": "l" * 121}, 400), ({"value": "a.com"}, 400),
    ({"kind": "domain", "value": "y" * 100_000}, 400),
])
def test_refused_entries_are_the_page_again(app, client, owner, csrf, data, status):
    r = client.post(f"{PAGE}/entries", data={**data, "csrf_token": csrf(client)})
    assert r.status_code == status
    html = r.get_data(as_text=True)
    assert 'class="flash flash-error"' in html and "<script>alert(1)" not in html
    assert _count(app, WatchEntry) == 0


def test_a_duplicate_is_409(app, client, owner, csrf):
    data = {"kind": "brand", "value": "Example Corp", "csrf_token": csrf(client)}
    assert client.post(f"{PAGE}/entries", data=data).status_code == 303
    again = client.post(f"{PAGE}/entries", data={**data, "value": "EXAMPLE-corp"})
    assert again.status_code == 409 and "已在您的监控名单中" in again.get_data(as_text=True)


def test_webhook_secret_once_then_test_button_and_delivery_log(app, client, owner, csrf):
    made = client.post(f"{PAGE}/channels", data={"kind": "webhook", "target": "https://hooks.example-corp.com/fw",
                                                   "csrf_token": csrf(client)})
    assert made.status_code == 201
    with app.app_context():
        channel = db.session.scalars(sa.select(AlertChannel)).one()
    assert channel.secret in made.get_data(as_text=True)
    assert channel.secret not in client.get(PAGE).get_data(as_text=True)
    sent = client.post(f"{PAGE}/channels/{channel.id}/test", data={"csrf_token": csrf(client)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("#deliveries")
    html = client.get(PAGE).get_data(as_text=True)
    assert 'data-delivery="' in html and "待发送" in html
    run_jobs(app)  # hooks.example-corp.com does not resolve here: the attempt is logged
    with app.app_context():
        delivery = db.session.scalars(sa.select(AlertDelivery)).one()
        assert delivery.attempts == 1 and delivery.last_error
    assert delivery.last_error[:20] in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("data", [{"kind": "webhook", "target": "javascript:alert(1)"},
                                  {"kind": "webhook", "target": "http://u:p@example.com/"},
                                  {"kind": "email", "target": XSS}, {"kind": "pager", "target": "123"},
                                  {"kind": "webhook", "target": "https://e.com/" + "a" * 5000}])
def test_refused_channels(app, client, owner, csrf, data):
    r = client.post(f"{PAGE}/channels", data={**data, "csrf_token": csrf(client)})
    assert r.status_code == 400 and "<script>alert(1)" not in r.get_data(as_text=True)
    assert _count(app, AlertChannel) == 0


def test_another_owners_rows_are_404(app, client, sign_in, csrf):
    other = app.test_client()
    sign_in(other, name="other", role="enterprise")
    other.post(f"{PAGE}/entries", data={"kind": "domain", "value": "other.com", "csrf_token": csrf(other)})
    other.post(f"{PAGE}/channels", data={"kind": "email", "target": "a@other.com", "csrf_token": csrf(other)})
    with app.app_context():
        entry_id, channel_id = db.session.scalar(sa.select(WatchEntry.id)), db.session.scalar(sa.select(AlertChannel.id))
    sign_in(client, name="acme", role="enterprise")
    assert "other.com" not in client.get(PAGE).get_data(as_text=True)
    token = {"csrf_token": csrf(client)}
    assert client.post(f"{PAGE}/entries/{entry_id}/delete", data=token).status_code == 404
    assert client.post(f"{PAGE}/channels/{channel_id}/delete", data=token).status_code == 404
    assert client.post(f"{PAGE}/channels/{channel_id}/test", data=token).status_code == 404
    assert _count(app, WatchEntry) == 1 and _count(app, AlertDelivery) == 0


@pytest.mark.parametrize("role, status", [("editor", 403), ("officer", 200), ("admin", 200), ("enterprise", 200)])
def test_who_may(app, client, sign_in, role, status):
    sign_in(client, name=f"u-{role}", role=role)
    assert client.get(PAGE).status_code == status


def test_anonymous_goes_to_sign_in(client):
    r = client.get(PAGE)
    assert r.status_code in (302, 303) and "/console/login" in r.headers["Location"]
