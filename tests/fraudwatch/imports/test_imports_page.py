"""The console's feed imports page: sources and runs (counts, reasons, samples, errors), in zh
and en, for officers and admins only; hostile text in a run is escaped."""
from __future__ import annotations

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import imports as store
from tests.fraudwatch.console.conftest import make_person, sign_in  # noqa: F401 (fixtures)

HOSTILE = "<script>alert(1)</script>"


def _runs(app) -> None:
    with app.app_context():
        store.add_source(db.session, name="urlhaus", format="urlhaus_csv", url="https://urlhaus.example/csv/",
                         confidence=0.7, licence="CC0", interval_seconds=3600)
        run = store.start_run(db.session, source="urlhaus", format="urlhaus_csv", confidence=0.7, licence="CC0")
        store.finish_run(db.session, run.id, rows=3, imported=1, bad=2,
                         bad_reasons={"private address": 1, "not a URL": 1},
                         samples=[{"line": 12, "reason": "not a URL", "text": HOSTILE}])
        failed = store.start_run(db.session, source="openphish", format="openphish", confidence=0.5, licence=None)
        store.finish_run(db.session, failed.id, error="wrong_format: not a openphish feed: it is a HTML or XML page")
        db.session.commit()


@pytest.mark.parametrize(("language", "title"), [("zh-CN", "情报源导入"), ("en", "Feed imports")])
def test_officers_see_sources_and_runs(app, client, sign_in, language, title):  # noqa: F811
    _runs(app)
    sign_in(client, "officer-i", "officer")
    page = client.get("/console/imports", headers={"Accept-Language": language})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert title in html and "https://urlhaus.example/csv/" in html
    assert "private address" in html and "wrong_format" in html
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    only = client.get("/console/imports?source=openphish").get_data(as_text=True)
    assert "wrong_format" in only and "private address" not in only
    assert client.get("/console/imports?source=" + "x" * 5000).status_code == 200  # ignored, all runs


@pytest.mark.backend("sqlite")
def test_other_roles_and_strangers_are_kept_out(app, client, sign_in):  # noqa: F811
    assert client.get("/console/imports").status_code in (302, 303)
    sign_in(client, "ent-i", "enterprise")
    assert client.get("/console/imports").status_code == 403
