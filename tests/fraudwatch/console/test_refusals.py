"""A service's refusal reaches the officer in the page's language (the API keeps its English):
the merge refusals, a missing report, an unknown officer, in zh and en; an unknown reason or a
sentence out of step with its values falls back to the service's English, never to nothing."""
from __future__ import annotations

import html

import pytest

from fraudwatch.console.refusals import refusal_text
from fraudwatch.exceptions import Conflict, NotFound
from tests.fraudwatch.console.test_queue_pages import report


def _act(client, csrf, report_id: int, **data):
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    return client.post(f"/console/reports/{report_id}/act", headers=hx, data=data)


@pytest.mark.parametrize("lang, cycle, confirmed, missing, no_officer", [
    ("zh", "本身是举报 {a} 的重复：请改为并入举报 {a}。", "已确认的举报（{c}）不能成为重复举报",
     "举报 999999 不存在。", "没有名为 nobody 的在职办案人员或管理员。"),
    ("en", "is itself a duplicate of report {a}: merge into report {a} instead.",
     "Confirmed reports ({c}) cannot become duplicates", "No report 999999 exists.",
     "No active officer or admin is called nobody."),
])
def test_refusals_in_the_page_language(client, sign_in, csrf, officer, lang, cycle, confirmed, missing, no_officer):
    a, b, c = (report(client, f"退税 refusal {n}") for n in "abc")
    sign_in(client)
    client.post("/console/language", data={"lang": lang, "csrf_token": csrf(client)})
    assert _act(client, csrf, a, action="merge", reason="same", report_ids=str(b)).status_code == 200
    r = _act(client, csrf, b, action="merge", reason="cycle", report_ids=str(a))
    assert r.status_code == 409 and html.escape(cycle.format(a=a), quote=False) in r.get_data(as_text=True)
    assert client.post(f"/api/v1/reports/{b}/merge", headers=officer, json={"report_ids": [a], "reason": "x"}
                       ).get_json()["error"]["message"].endswith(f"merge into report {a} instead")  # API: English
    assert _act(client, csrf, c, action="confirm", reason="real").status_code == 200
    r = _act(client, csrf, a, action="merge", reason="same", report_ids=str(c))
    assert r.status_code == 409 and html.escape(confirmed.format(c=c), quote=False) in r.get_data(as_text=True)
    r = _act(client, csrf, a, action="merge", reason="same", report_ids="999999")
    assert r.status_code == 404 and missing in r.get_data(as_text=True)
    r = _act(client, csrf, a, action="assign", reason="yours", officer="nobody")
    assert r.status_code == 404 and no_officer in r.get_data(as_text=True)


def test_unknown_reason_or_sentence_out_of_step_falls_back_to_the_message(app):
    with app.test_request_context("/console/", headers={"Accept-Language": "zh"}):
        assert refusal_text(Conflict("plain english")) == "plain english"
        assert refusal_text(Conflict("english", reason="not-a-reason")) == "english"
        assert refusal_text(NotFound("english", reason="reports_missing", params={})) == "english"  # %(ids)s missing
        assert refusal_text(NotFound("english", reason="reports_missing", params={"ids": "7"})) == "举报 7 不存在。"
