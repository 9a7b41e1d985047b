"""The console's campaign pages: officers only, the list with filters (bad values a 400 page),
one campaign with its SVG chart, data table and CSV, script payloads rendered inert, and acting on
the whole campaign (CSRF checked, a reason required, nothing changed on a refusal)."""
from __future__ import annotations

import pytest

from fraudwatch.services import campaigns

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)> javascript:alert(4)'
LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 http://refund-{n}.top/r 办理，逾期作废。" + XSS


@pytest.fixture
def campaign(app, client):
    ids = []
    for n in (100, 250, 999):
        r = client.post("/api/v1/reports", json={"message_text": LURE.format(n=n)})
        assert r.status_code == 201
        ids.append(r.get_json()["id"])
    with app.app_context():
        found = {campaigns.assign_report(i) for i in ids}  # the first has no banded neighbour yet
    (cid,) = found - {None}
    return cid, ids


def test_anonymous_is_sent_to_sign_in_and_pages_need_a_known_campaign(client, sign_in, campaign):
    cid, _ = campaign
    assert client.get("/console/campaigns").status_code == 302
    assert client.get(f"/console/campaigns/{cid}").status_code == 302
    sign_in(client)
    assert client.get(f"/console/campaigns/{cid + 1000}").status_code == 404
    assert client.get("/console/campaigns/0").status_code == 404
    assert client.get("/console/campaigns/99999999999999").status_code == 404


def test_list_and_page_render_payloads_inert(client, sign_in, campaign):
    cid, ids = campaign
    sign_in(client)
    listed = client.get("/console/campaigns?sort=report_count&kind=text&status=")  # "any" status
    page = client.get(f"/console/campaigns/{cid}")
    for response in (listed, page):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "default-src" in response.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert html.count('<rect class="bar"') >= 1 and f'/console/reports/{ids[0]}"' in html
    csv = client.get(f"/console/campaigns/{cid}/days.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "day,reports" and sum(int(line.split(",")[1]) for line in lines[1:]) == 3


@pytest.mark.parametrize("query", ["sort=x", "status=" + XSS, "limit=0", "after=abc", "nope=1", "kind=text&kind=x"])
def test_bad_filters_are_a_400_page(client, sign_in, campaign, query):
    sign_in(client)
    r = client.get(f"/console/campaigns?{query}")
    assert r.status_code == 400 and "<script>alert" not in r.get_data(as_text=True)


def test_acting_on_the_campaign_needs_csrf_and_a_reason(client, sign_in, csrf, officer, campaign):
    cid, ids = campaign
    sign_in(client)
    assert client.post(f"/console/campaigns/{cid}/act", data={"action": "confirm", "reason": "x"}).status_code == 400
    token = csrf(client)
    for form in ({"action": "confirm", "reason": "  "}, {"action": "burn", "reason": "x"}, {"reason": "x"},
                 {"action": "confirm", "reason": "x" * 5000}):
        r = client.post(f"/console/campaigns/{cid}/act", data={**form, "csrf_token": token})
        assert r.status_code == 303
    statuses = {client.get(f"/api/v1/reports/{i}", headers=officer).get_json()["status"] for i in ids}
    assert statuses == {"new"}
    r = client.post(f"/console/campaigns/{cid}/act", data={"action": "confirm", "reason": "one lure " + XSS,
                                                           "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200 and "<script>alert" not in r.get_data(as_text=True)
    statuses = {client.get(f"/api/v1/reports/{i}", headers=officer).get_json()["status"] for i in ids}
    assert statuses == {"confirmed"}
