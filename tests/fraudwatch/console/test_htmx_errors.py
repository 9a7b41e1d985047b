"""A refused htmx action is shown: the console's htmx config swaps a 4xx/5xx answer (the
error page) into the body instead of htmx's default of swapping nothing, and the answer to a
refused htmx merge is that error page with the reason (the browser test
tests/browser/test_queue_browser.py checks the officer sees it)."""
from __future__ import annotations

import html
import json
import re

from tests.fraudwatch.console.test_queue_pages import report


def _htmx_config(page: str) -> dict:
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert found, "no htmx-config meta"
    return json.loads(html.unescape(found.group(1)))


def test_error_answers_are_swapped_into_the_body(client):
    config = _htmx_config(client.get("/console/login").get_data(as_text=True))
    rules = {rule["code"]: rule for rule in config["responseHandling"]}
    assert rules["[45].."] == {"code": "[45]..", "swap": True, "error": False, "target": "body"}
    assert rules["204"]["swap"] is False and rules["[23].."]["swap"] is True
    assert config["allowEval"] is False and config["allowScriptTags"] is False and config["selfRequestsOnly"] is True


def test_refused_htmx_merge_answers_the_error_page(client, sign_in, csrf):
    a, b = report(client, "退税 htmx merge a"), report(client, "退税 htmx merge b")
    sign_in(client)
    hx = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    r = client.post(f"/console/reports/{a}/act", headers=hx, data={"action": "merge", "reason": "same", "report_ids": str(b)})
    assert r.status_code == 200
    for ids, status, text in ((str(a), 409, f"merge into report {a} instead"), ("abc", 400, None),
                              ("<script>alert(1)</script>", 400, None), ("9" * 5000, 400, None)):
        r = client.post(f"/console/reports/{b}/act", headers=hx, data={"action": "merge", "reason": "x", "report_ids": ids})
        page = r.get_data(as_text=True)
        assert r.status_code == status and 'class="card narrow error-page"' in page and "<body>" in page
        assert text is None or text in page
        assert "<script>alert" not in page
