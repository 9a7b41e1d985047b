"""Property-based requests generated from the OpenAPI document (schemathesis), with every check
schemathesis has: each answer is checked against the document (status code, content type,
headers, body schema), invalid data must be refused and valid data accepted, methods the
document does not list get 405 with Allow, documented authentication is enforced, and
created reports can be read back (stateful run over the document's links). As an officer
and anonymously, on SQLite and PostgreSQL.

How the checks are configured, and why:
- rate limits are off in the fuzz app (RATELIMIT_ENABLED=False): a 429 says nothing about
  the contract, and with limits on, `positive_data_acceptance` would only measure the limiter;
- `positive_data_acceptance` also accepts 400 on eight operations, and only there, each for
  what JSON Schema cannot say and the document says in words: GET /lookup (the value must be
  a valid domain, URL, phone number... of its type), POST /reports (at least one indicator or
  text; `received_at` not in the future), POST /reports/{id}/merge (not into itself) and GET
  /reports (a `cursor` is one the previous page gave, for the same sort); and the bulk actions, whose
  `report_ids` are JSON integers as in merge (JSON Schema's `integer` also admits 75.0, which the
  strict body refuses, and a list of 500 ids makes that likely); and POST /vendor-check (the
  USCC's check character, a domain, URL, phone or e-mail that does not normalise); POST /check
  (control characters other than line breaks and tabs); POST /watch/entries and /watch/channels (a value
  that does not normalise as its kind, control characters, a full watch list or 20 channels); POST /appeals
  (the value must be listed or a company name, the e-mail and phone valid, the texts long enough once trimmed).
  Every other operation must accept every schema-valid request;
- the anonymous run gets 401 from the officer endpoints, as the document says (`security`); it
  runs on SQLite only (what it reaches past the 401s reads the same on both; the officer run
  covers both databases);
- the run is schemathesis's own engine (what `schemathesis run` uses: examples, coverage,
  fuzzing and stateful phases) against the app served on 127.0.0.1, deterministic, so a
  failure replays. (Its pytest plugin needs pytest internals that pytest 9 no longer has,
  and its in-process WSGI transport refuses the engine's `max_redirects` option.)
"""
from __future__ import annotations

import contextlib
import threading
from collections import Counter

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from werkzeug.serving import make_server

from fraudwatch.infra.extensions import db
from fraudwatch.storage import users

SEMANTIC_400 = ("lookup_one", "create_report", "merge_reports", "list_reports", "bulk_status", "bulk_assign",
                "vendor_check_view", "check_view", "add_watch_entry", "add_watch_channel",
                "file_appeal")  # see the module docstring
EXAMPLES = 15  # generated cases per operation in the fuzzing phase (the coverage phase adds its own)


def _config(headers: dict) -> schemathesis.Config:
    accepted = ["2xx", "401", "403", "404", "409", "429"]
    return schemathesis.Config.from_dict({
        "headers": headers,
        "workers": 1,
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": True, "max-steps": 20}},
        "operations": [{"include-operation-id": name,
                        "checks": {"positive_data_acceptance": {"expected-statuses": accepted + ["400"]}}}
                       for name in SEMANTIC_400],
    })


@contextlib.contextmanager
def served(app):
    """The app on a real HTTP server on 127.0.0.1 (werkzeug's), for the length of the block.
    (schemathesis's engine passes requests' options to the in-process WSGI client, which
    refuses them; a real server also puts werkzeug's own HTTP handling under test.)"""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def run_schemathesis(base_url: str, headers: dict) -> tuple[Counter, list[str]]:
    """Run every phase and every check against a served app: (checks run, failures)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", config=_config(headers))
    ran, failures = Counter(), []
    for event in from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            failures.append(f"engine error: {getattr(event, 'value', None) or event.exception!r}")
        if not isinstance(event, events.ScenarioFinished):
            continue
        ran[f"phase {event.phase.value}"] += 1
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                ran[check.name] += 1
                if check.status == Status.FAILURE:
                    case = event.recorder.cases[case_id].value
                    failures.append(f"{check.name}: {event.label} {case.method} {case.formatted_path} "
                                    f"query={case.query} body={str(case.body)[:200]} headers={case.headers}: "
                                    f"{str(check.failure_info.failure)[:400]}")
    return ran, failures


@pytest.mark.parametrize("caller", ["officer", pytest.param("anonymous", marks=pytest.mark.backend("sqlite"))])
def test_every_answer_keeps_the_contract(app_with_model, caller):
    app = app_with_model
    app.config["RATELIMIT_ENABLED"] = False  # see the module docstring
    headers = {}
    if caller == "officer":
        with app.app_context():
            user = users.create_user(db.session, "fuzz-officer", "officer")
            token = users.create_token(db.session, user)
            db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    with served(app) as base_url:
        ran, failures = run_schemathesis(base_url, headers)
    assert {"not_a_server_error", "response_schema_conformance", "negative_data_rejection",
            "positive_data_acceptance", "status_code_conformance", "content_type_conformance",
            "unsupported_method", "ensure_resource_availability", "phase stateful", "phase coverage"} <= set(ran), ran
    print(f"schemathesis as {caller}: checks run {dict(ran)}; failures {len(failures)}")
    assert not failures, "\n".join(sorted(set(failures))[:40])
