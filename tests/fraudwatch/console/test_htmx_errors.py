"""A refused htmx action is shown in place: the console answers an htmx request that fails
(a merge cycle's 409, a bad reason's or id's 400, a missing report's 404, an expired form) with
an alert fragment and the status, which console.js puts in the alert region next to the form
(`data-error-region`), so the officer stays on the report page with what they typed; the
htmx-config rule swapping 4xx/5xx into the body stays as the fallback of a form without a
region. Without JavaScript the answer is the error page, linking back to the report (the browser
tests in tests/browser/test_queue_browser.py check both in Chromium)."""
from __future__ import annotations

import html
import json
import re

import pytest

from tests.fraudwatch.console.test_queue_pages import report


def _htmx_config(page: str) -> dict:
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert found, "no htmx-config meta"
    return json.loads(html.unescape(found.group(1)))


def test_error_answers_are_swapped_and_the_report_form_names_its_alert_region(client, sign_in):
    config = _htmx_config(client.get("/console/login").get_data(as_text=True))
    rules = {rule["code"]: rule for rule in config["responseHandling"]}
    assert rules["[45].."] == {"code": "[45]..", "swap": True, "error": False, "target": "body"}
    assert rules["204"]["swap"] is False and rules["[23].."]["swap"] is True
    assert config["allowEval"] is False and config["allowScriptTags"] is False and config["selfRequestsOnly"] is True
    rid = report(client, "退税 htmx region")
    sign_in(client)
    page = client.get(f"/console/reports/{rid}").get_data(as_text=True)
    assert '<div id="act-error" class="alert" role="alert"></div>' in page
    assert 'data-error-region="act-error"' in re.search(r'<form[^>]*id="act-form"[^>]*>', page).group(0)


@pytest.mark.parametrize("ids, reason, status, text", [
    ("{a}", "cycle", 409, "merge into report {a} instead"),
    ("abc", "x", 400, "Report ids are whole numbers."),
    ("<script>alert(1)</script>", "x", 400, None),
    ("9" * 5000, "x", 400, None),
    ("{a}", "   ", 400, "Give a reason (at most 1000 characters)."),
    ("999999", "x", 404, "999999"),
])
def test_refused_htmx_merge_answers_an_alert_fragment(client, sign_in, csrf, ids, reason, status, text):
    a, b = report(client, "退税 htmx merge a"), report(client, "退税 htmx merge b")
    sign_in(client)
    client.post("/console/language", data={"lang": "en", "csrf_token": csrf(client)})
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    r = client.post(f"/console/reports/{a}/act", headers=hx, data={"action": "merge", "reason": "same", "report_ids": str(b)})
    assert r.status_code == 200
    r = client.post(f"/console/reports/{b}/act", headers=hx,
                    data={"action": "merge", "reason": reason, "report_ids": ids.format(a=a)})
    fragment = r.get_data(as_text=True)
    assert r.status_code == status, fragment
    assert "<body" not in fragment and "<html" not in fragment and 'class="alert-title"' in fragment
    assert f"<small>({status})</small>" in fragment
    assert text is None or html.escape(text.format(a=a), quote=False) in fragment
    assert f'<a href="/console/reports/{b}">Reload the page</a>' in fragment
    assert "<script>alert" not in fragment


def test_refused_plain_post_is_the_error_page_linking_back_to_the_report(client, sign_in, csrf):
    a, b = report(client, "退税 plain merge a"), report(client, "退税 plain merge b")
    sign_in(client)
    token = csrf(client)
    assert client.post(f"/console/reports/{a}/act", data={"csrf_token": token, "action": "merge", "reason": "same",
                                                          "report_ids": str(b)}).status_code == 303
    for data, status in (({"report_ids": str(a), "reason": "cycle"}, 409), ({"report_ids": "x", "reason": "x"}, 400),
                         ({"report_ids": "999999", "reason": "x"}, 404)):
        r = client.post(f"/console/reports/{b}/act", data={"csrf_token": token, "action": "merge", **data})
        page = r.get_data(as_text=True)
        assert r.status_code == status and 'class="card narrow error-page"' in page and "<body>" in page
        assert f'<a href="/console/reports/{b}" id="error-back">返回举报 {b}</a>' in page
    r = client.post("/console/reports/999999/act", data={"csrf_token": token, "action": "confirm", "reason": "x"})
    assert r.status_code == 404 and "/console/reports/999999" in r.get_data(as_text=True)
    r = client.post(f"/console/campaigns/{2**40}/act", data={"csrf_token": token, "action": "confirm", "reason": "x"})
    assert r.status_code == 404 and 'id="error-back"' not in r.get_data(as_text=True)  # not one of ours: no link


def test_expired_form_by_htmx_is_an_alert_too(client, sign_in):
    rid = report(client, "退税 htmx csrf")
    sign_in(client)
    r = client.post(f"/console/reports/{rid}/act", headers={"HX-Request": "true", "X-CSRF-Token": "stale"},
                    data={"action": "confirm", "reason": "x"})
    fragment = r.get_data(as_text=True)
    assert r.status_code == 400 and "表单已过期" in fragment and "<body" not in fragment
    assert f'<a href="/console/reports/{rid}">重新加载页面</a>' in fragment
