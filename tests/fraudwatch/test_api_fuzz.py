"""Property-based requests generated from the OpenAPI document (schemathesis): whatever an
operation is sent, valid or not, the answer is never a server error, and every error is
the JSON error document.

A first run of `schemathesis run` against a served instance found two 500s (report ids too
large for the database); these tests keep that class of bug out."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from fraudwatch.extensions import db
from fraudwatch.storage import users


@pytest.fixture
def fuzz_target(app_with_model):
    """The app with a model (so /classify answers) and an officer token for the headers."""
    with app_with_model.app_context():
        user = users.create_user(db.session, "fuzz-officer", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
    return app_with_model, {"Authorization": f"Bearer {token}"}


def test_no_request_makes_a_server_error(fuzz_target):
    app, headers = fuzz_target
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def never_a_server_error(case):
            for auth in (headers, {}):  # as an officer and anonymously
                response = case.call(headers=auth)
                assert response.status_code < 500, (case.method, case.formatted_path, response.status_code,
                                                    response.text[:300])
                if response.status_code >= 400:
                    body = response.json()
                    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])

        never_a_server_error()
