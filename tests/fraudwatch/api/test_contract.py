"""One contract: the models that validate requests are the ones the OpenAPI document shows,
limits come from the configuration, unknown parameters and fields are named, and batch
items are answered one by one."""
from __future__ import annotations

import json
from typing import Annotated

import pytest
from pydantic import Field

from fraudwatch.api.operations import ok, operation
from fraudwatch.services.contract import Body, Query
from fraudwatch.services.validation import CHANNEL_ALIASES, TEXT_LIMITS
from tests.conftest import cleanup_redis, make_test_app


@pytest.fixture
def small_batches(database_url, redis_url, tmp_path):
    """An app whose BATCH_LIMIT is 3."""
    app = make_test_app(database_url, redis_url, tmp_path / "instance", BATCH_LIMIT=3)
    yield app
    cleanup_redis(app)


def test_a_field_added_to_a_model_is_documented_and_validated(app):
    class Echo(Body):
        """A throwaway body."""

        name: Annotated[str, Field(max_length=5)]
        shoe_size: Annotated[int, Field(ge=30, le=50)] = 40  # the field "added to the schema"

    class EchoQuery(Query):
        """A throwaway query."""

        loud: bool = False

    @operation("Echo", query=EchoQuery, body=Echo, responses={200: ok(None, "the body back")})
    def echo(query: EchoQuery, body: Echo):
        return {"name": body.name.upper() if query.loud else body.name, "shoe_size": body.shoe_size}

    app.add_url_rule("/api/v1/_echo", view_func=echo, methods=["POST"])
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/_echo"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Echo"}
    schema = doc["components"]["schemas"]["Echo"]
    assert schema["properties"]["shoe_size"]["maximum"] == 50 and schema["additionalProperties"] is False
    assert [p["name"] for p in op["parameters"]] == ["loud"]
    assert {"400", "401", "413", "415"} <= set(op["responses"])

    assert client.post("/api/v1/_echo?loud=true", json={"name": "ab", "shoe_size": 44}).get_json() == {
        "name": "AB", "shoe_size": 44}
    bad = client.post("/api/v1/_echo?quiet=1", json={"name": "ab"})
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {"quiet": "unknown parameter"}
    bad = client.post("/api/v1/_echo", json={"name": "abcdef", "shoe_size": 51, "colour": "red"})
    assert bad.status_code == 400 and bad.get_json()["error"] == {
        "code": "validation_failed", "message": "the body has invalid fields",
        "fields": {"name": "must be at most 5 characters (got 6)", "shoe_size": "must be at most 50",
                   "colour": "unknown field"}}


def test_limits_in_the_document_come_from_the_configuration(small_batches):
    client = small_batches.test_client()
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["LookupBatch"]["properties"]["items"]["maxItems"] == 3
    assert schemas["ClassifyIn"]["properties"]["items"]["maxItems"] == 3
    report = schemas["ReportIn"]["properties"]
    for field in ("message_text", "url", "domain", "phone", "email", "company", "bank_account", "description"):
        assert report[field]["anyOf"][0]["maxLength"] == TEXT_LIMITS[field]
    assert set(CHANNEL_ALIASES) <= set(report["channel"]["anyOf"][0]["enum"])
    assert "duplicate_of" not in schemas["ReportCreated"]["properties"]
    assert schemas["ReportCreated"]["properties"]["status"]["const"] == "new"
    items = [{"type": "domain", "value": f"a{i}.cn"} for i in range(4)]
    r = client.post("/api/v1/lookup", json={"items": items})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "batch_too_large"
    assert r.get_json()["error"]["fields"] == {"items": "must have at most 3 items (got 4)"}
    assert client.post("/api/v1/lookup", json={"items": items[:3]}).status_code == 200


@pytest.mark.parametrize("query, fields", [
    ({"type": "domain", "value": "a.cn", "source": "x"}, {"source": "unknown parameter"}),
    ({"type": "domain", "value": ""}, {"value": "must not be empty"}),
    ({"type": "ip", "value": "1.2.3.4"}, {"type": "must be one of url, domain, phone, email, company or bank_account"}),
    ({"value": "a.cn"}, {"type": "required"}),
])
def test_single_lookup_parameters(client, query, fields):
    r = client.get("/api/v1/lookup", query_string=query)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == fields


def test_batch_lookup_answers_bad_items_in_their_place(client):
    items = [{"type": "domain", "value": "irs-gov.com"}, {"type": "phone", "value": 12366},
             {"type": "domain", "value": "not a domain"}, {"type": "url", "value": "https://a.cn", "note": "x"}, 7]
    results = client.post("/api/v1/lookup", json={"items": items}).get_json()["results"]
    assert results[0]["status"] == "suspected"
    assert results[1] == {"type": "phone", "value": None, "error": {
        "code": "invalid_value", "message": "value must be a string", "fields": {"value": "must be a string"}}}
    assert results[2]["value"] == "not a domain" and results[2]["error"]["fields"] == {
        "value": results[2]["error"]["message"]}
    assert results[3]["error"]["fields"] == {"note": "unknown field"}
    assert results[4] == {"type": None, "value": None, "error": {
        "code": "invalid_value", "message": "the body must be a JSON object", "fields": {}}}


def test_classify_answers_bad_items_in_their_place(app_with_model):
    client = app_with_model.test_client()
    nested = "[" * 978 + '"x"' + "]" * 978  # issue #8: echoing this id overflowed the JSON encoder (a 500)
    items = [{"id": "a", "text": "您的个税退税已到账"}, {"id": "NESTED", "text": "hi"}, {"id": 3, "text": None},
             {"id": "x" * 201, "text": "hi"}, {"text": "no id"}, "text"]
    body = json.dumps({"items": items}).replace('"NESTED"', nested)
    r = client.post("/api/v1/classify", data=body, content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    results = r.get_json()["results"]
    assert results[0]["id"] == "a" and results[0]["label"] in ("scam", "spam", "legit")
    assert results[1] == {"id": None, "error": {"code": "invalid_value", "message": (
        "id must be a string of at most 200 characters, an integer or null"), "fields": {
        "id": "must be a string of at most 200 characters, an integer or null"}}}
    assert results[2]["id"] == 3 and results[2]["error"]["fields"] == {"text": "must be a string"}
    assert results[3]["id"] is None and "id" in results[3]["error"]["fields"]
    assert results[4]["id"] is None and "label" in results[4]
    assert results[5] == {"id": None, "error": {"code": "invalid_value", "message": "the body must be a JSON object",
                                                "fields": {}}}


def test_a_deeply_nested_single_text_is_a_400_not_a_500(app_with_model):
    body = '{"text": ' + "[" * 900 + "]" * 900 + "}"
    r = app_with_model.test_client().post("/api/v1/classify", data=body, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {"text": "must be a string"}


@pytest.mark.parametrize("payload, fields", [
    ({"text": "a", "items": [{"text": "b"}]}, {"body": "send either text (a string) or items (a list), not both"}),
    ({}, {"body": "send either text (a string) or items (a list), not both"}),
    ({"texts": ["a"]}, {"texts": "unknown field"}),
])
def test_classify_body_errors_are_named(app_with_model, payload, fields):
    r = app_with_model.test_client().post("/api/v1/classify", json=payload)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == fields


def test_every_operation_documents_its_errors_as_the_error_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if int(status) >= 400 and path.startswith("/api/"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorDocument"}, (path, method, status)
    assert json.dumps(doc).count("x-config") == 0
