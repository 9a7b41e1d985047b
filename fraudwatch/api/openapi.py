"""The OpenAPI 3 document of the API (served at /api/v1/openapi.json)."""
from __future__ import annotations

INDICATOR_TYPES = ["url", "domain", "phone", "email", "company", "bank_account"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


_SECONDS = {"schema": {"type": "integer", "minimum": 0}}
_RATE_HEADERS = {
    "X-RateLimit-Limit": {"description": "units allowed in the tightest window", **_SECONDS},
    "X-RateLimit-Remaining": {"description": "units left in that window", **_SECONDS},
    "X-RateLimit-Reset": {"description": "seconds until that window resets", **_SECONDS}}


def _errors(*codes: int) -> dict:
    out = {str(c): {"description": "error", **_json(_ref("Error"))} for c in codes}
    if "429" in out:
        out["429"]["description"] = "rate limit exceeded"
        out["429"]["headers"] = {"Retry-After": {"description": "seconds to wait", **_SECONDS}, **_RATE_HEADERS}
    return out


SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    "ReportIn": {"type": "object", "additionalProperties": False, "properties": {
        "message_text": {"type": "string", "maxLength": 50000}, "url": {"type": "string", "maxLength": 2048},
        "domain": {"type": "string", "maxLength": 253}, "phone": {"type": "string", "maxLength": 64},
        "email": {"type": "string", "maxLength": 320}, "company": {"type": "string", "maxLength": 300},
        "bank_account": {"type": "string", "maxLength": 64}, "description": {"type": "string", "maxLength": 10000},
        "reporter_contact": {"type": "string", "maxLength": 300, "description": "private: never returned publicly"},
        "channel": {"type": "string", "enum": ["sms", "email", "web", "phone_call", "im", "other"]},
        "received_at": {"type": "string", "format": "date-time"},
        "region": {"type": "string", "minLength": 2, "maxLength": 2, "description": "phone region, default CN"}}},
    "ReportCreated": {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"type": "string"}, "duplicate_of": {"type": ["integer", "null"]},
        "created_at": {"type": "string"}, "processing": {"type": "string", "enum": ["queued", "pending"]},
        "indicators": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "value": {"type": "string"}, "display": {"type": "string"},
            "role": {"type": "string", "enum": ["reported", "extracted"]}}}}}},
    "LookupItem": {"type": "object", "required": ["type", "value"], "properties": {
        "type": {"type": "string", "enum": INDICATOR_TYPES}, "value": {"type": "string"}}},
    "LookupAnswer": {"type": "object", "properties": {
        "type": {"type": "string"}, "value": {"type": "string"}, "display": {"type": "string"},
        "status": {"type": "string", "enum": ["official", "confirmed_fraud", "suspected", "unknown"]},
        "risk_score": {"type": "number", "minimum": 0, "maximum": 1},
        "authority": {"type": ["string", "null"]}, "reports": {"type": "integer"},
        "first_seen": {"type": ["string", "null"]}, "last_seen": {"type": ["string", "null"]},
        "evidence": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "detail": {"type": "string"},
            "report_ids": {"type": "array", "items": {"type": "integer"}, "description": "officers only"}}}},
        "error": {"type": "object", "description": "present instead of a status when the item is invalid"}}},
    "Verdict": {"type": "object", "properties": {
        "label": {"type": "string", "enum": ["scam", "spam", "legit"]}, "scam_score": {"type": "number"},
        "spam_score": {"type": "number"}, "tax_impersonation": {"type": "boolean"},
        "authority": {"type": ["string", "null"]}, "category": {"type": "string"},
        "signals": {"type": "array", "items": {"type": "object"}},
        "explanation": {"type": "array", "items": {"type": "object"}}, "model_version": {"type": "string"}}},
    "Report": {"type": "object", "description": "a report as officers see it", "additionalProperties": True},
}

BEARER = [{"bearer": []}]


def _paths() -> dict:
    return {
        "/reports": {
            "post": {"summary": "Submit a report (JSON or form)", "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("ReportIn")},
                "application/x-www-form-urlencoded": {"schema": _ref("ReportIn")}}},
                "responses": {"201": {"description": "stored", **_json(_ref("ReportCreated"))},
                              **_errors(400, 401, 413, 415, 429)}},
            "get": {"summary": "List reports (officers)", "security": BEARER, "parameters": [
                {"name": n, "in": "query", "schema": {"type": t}} for n, t in (
                    ("status", "string"), ("channel", "string"), ("label", "string"), ("q", "string"),
                    ("since", "string"), ("until", "string"), ("min_score", "number"), ("limit", "integer"),
                    ("before_id", "integer"), ("indicator_id", "integer"))],
                "responses": {"200": {"description": "reports", **_json({"type": "object", "properties": {
                    "reports": {"type": "array", "items": _ref("Report")},
                    "next_before_id": {"type": ["integer", "null"]}}})}, **_errors(400, 401, 403)}}},
        "/reports/{report_id}": {"get": {"summary": "One report (officers)", "security": BEARER,
                                         "parameters": [_id_param()],
                                         "responses": {"200": {"description": "report", **_json(_ref("Report"))},
                                                       **_errors(401, 403, 404)}}},
        "/reports/{report_id}/status": {"post": {
            "summary": "Change a report's status with a reason (officers)", "security": BEARER,
            "parameters": [_id_param()], "requestBody": {"required": True, **_json({
                "type": "object", "required": ["status", "reason"], "properties": {
                    "status": {"type": "string", "enum": ["new", "triaging", "confirmed", "dismissed", "duplicate"]},
                    "reason": {"type": "string"}}})},
            "responses": {"200": {"description": "changed", **_json(_ref("Report"))}, **_errors(400, 401, 403, 404, 415)}}},
        "/reports/{report_id}/merge": {"post": {
            "summary": "Merge duplicate reports into this one (officers)", "security": BEARER,
            "parameters": [_id_param()], "requestBody": {"required": True, **_json({
                "type": "object", "required": ["report_ids"], "properties": {
                    "report_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 100},
                    "reason": {"type": "string"}}})},
            "responses": {"200": {"description": "merged", **_json(_ref("Report"))}, **_errors(400, 401, 403, 404, 415)}}},
        "/lookup": {
            "get": {"summary": "Look up one indicator", "parameters": [
                {"name": "type", "in": "query", "required": True, "schema": {"type": "string", "enum": INDICATOR_TYPES}},
                {"name": "value", "in": "query", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "answer", **_json(_ref("LookupAnswer"))}, **_errors(400, 401, 429)}},
            "post": {"summary": "Look up a batch of up to 1,000 indicators", "requestBody": {"required": True, **_json({
                "type": "object", "required": ["items"], "properties": {
                    "items": {"type": "array", "maxItems": 1000, "items": _ref("LookupItem")}}})},
                "responses": {"200": {"description": "answers in order", **_json({"type": "object", "properties": {
                    "results": {"type": "array", "items": _ref("LookupAnswer")}}})}, **_errors(400, 401, 413, 415, 429)}}},
        "/classify": {"post": {"summary": "Classify one text or a batch of up to 1,000", "requestBody": {
            "required": True, **_json({"type": "object", "properties": {
                "text": {"type": "string"}, "items": {"type": "array", "maxItems": 1000, "items": {
                    "type": "object", "properties": {"id": {}, "text": {"type": "string"}}}}}})},
            "responses": {"200": {"description": "verdicts", **_json(_ref("Verdict"))}, **_errors(400, 413, 415, 429, 503)}}},
    }


def _id_param() -> dict:
    return {"name": "report_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def document() -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "fraudwatch API", "version": "1",
                 "description": "Report and look up scams that impersonate tax services."},
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "officer, admin or enterprise token"}}},
    }
