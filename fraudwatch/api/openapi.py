"""The OpenAPI 3.1 document, generated per app from the declared operations (`operations.py`).

Every route whose view carries an `Operation` is documented: its path and methods come from
the URL map, path parameters from the route converters (bounds included), query parameters,
bodies and answers from the pydantic models, limits from the app's configuration
(`maxItems` is the app's BATCH_LIMIT). Errors are the one error document; 400, 401 and 503
are listed everywhere under /api/ (an unknown parameter or a bad token is refused on any
operation; the database may be away), 429 with its headers on rate-limited operations."""
from __future__ import annotations

import copy
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from fraudwatch.api.answers import ErrorDocument
from fraudwatch.api.operations import ATTRIBUTE, Operation
from fraudwatch.services.contract import CONFIG_MAX_ITEMS

REF = "#/components/schemas/{model}"
_SECONDS = {"type": "integer", "minimum": 0}
HEADERS = {name: {"description": text, "schema": _SECONDS} for name, text in (
    ("X-RateLimit-Limit", "units allowed in the tightest window (limited callers only)"),
    ("X-RateLimit-Remaining", "units left in that window"),
    ("X-RateLimit-Reset", "seconds until that window resets"))}
HEADERS["Retry-After"] = {"description": "seconds to wait", "required": True, "schema": _SECONDS}
RATE_HEADERS = {name: {"$ref": f"#/components/headers/{name}"} for name in HEADERS if name.startswith("X-")}
ERROR_TEXT = {400: "invalid request (`validation_failed`, `invalid_json`, `invalid_body`, `batch_too_large`); "
                   "`fields` names each bad field or unknown parameter",
              401: "missing, invalid or revoked token", 403: "the token's role may not do this",
              404: "no such resource", 409: "conflicts with the report's current state",
              413: "request body too large", 415: "send JSON (or form data where accepted)",
              429: "rate limit exceeded",
              503: "a needed service (the database) or the classifier model is unavailable for now: retry later"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TOKENS = [{"bearer": []}, {"apiKey": []}]  # the same tokens, in either header


def document(app: Flask) -> dict:
    """The OpenAPI document of `app` (built once per app, from its config)."""
    cached = app.extensions.get("fraudwatch.openapi")
    if cached is None:
        cached = app.extensions["fraudwatch.openapi"] = _build(app)
    return cached


def _operations(app: Flask) -> Iterator[tuple[str, str, str, Operation, Any]]:
    """(path, method, operationId, spec, rule) of every documented route."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        spec = getattr(view, ATTRIBUTE, None)
        if spec is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([A-Za-z_][A-Za-z0-9_]*)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), rule.endpoint.rpartition(".")[2], spec, rule


def _models(spec: Operation) -> Iterator[tuple[type[BaseModel], str]]:
    if spec.query is not None:
        yield spec.query, "validation"
    if spec.body is not None:
        yield spec.body, "validation"
    for response in spec.responses.values():
        for model in _members(response.model):
            yield model, "serialization"


def _members(model: Any) -> list[type[BaseModel]]:
    """The models of an answer: one model, or each member of a union of models."""
    if model is None:
        return []
    if isinstance(model, types.UnionType) or typing.get_origin(model) is typing.Union:
        return list(typing.get_args(model))
    return [model]


def _build(app: Flask) -> dict:
    ops = list(_operations(app))
    wanted = {(ErrorDocument, "serialization")} | {key for op in ops for key in _models(op[3])}
    refs, defs = models_json_schema(sorted(wanted, key=lambda k: (k[0].__name__, k[1])), ref_template=REF)
    schemas = _configured(defs.get("$defs", {}), app.config)
    paths: dict[str, dict] = {}
    for path, method, operation_id, spec, rule in ops:
        paths.setdefault(path, {})[method] = _operation(app, path, operation_id, spec, rule, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "fraudwatch API", "version": "1",
                 "description": "Report and look up scams that impersonate tax services. Unknown query parameters "
                                "and body fields are a 400 naming them; batch items are answered one by one."},
        "paths": paths,
        "components": {"schemas": schemas, "headers": HEADERS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "officer, admin or enterprise token"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "the same token"}}},
    }


def _configured(node: Any, config: dict) -> Any:
    """The schemas with each configuration marker replaced by the app's value (`maxItems`), and
    without `default: null` on fields that are optional but never null."""
    if isinstance(node, dict):
        out = {k: _configured(v, config) for k, v in node.items()
               if k != CONFIG_MAX_ITEMS and not (k == "default" and v is None)}
        if CONFIG_MAX_ITEMS in node:
            out["maxItems"] = config[node[CONFIG_MAX_ITEMS]]
        return out
    if isinstance(node, list):
        return [_configured(v, config) for v in node]
    return node


def _schema_of(model: Any, mode: str, refs: dict) -> dict:
    members = [refs[(m, mode)] for m in _members(model)]
    return members[0] if len(members) == 1 else {"anyOf": members}


def _operation(app: Flask, path: str, operation_id: str, spec: Operation, rule: Any, refs: dict,
               schemas: dict) -> dict:
    api = path.startswith("/api/")
    limited = getattr(app.view_functions[rule.endpoint], "fw_rate_limited", False)
    out: dict[str, Any] = {"operationId": operation_id, "summary": spec.summary, "tags": list(spec.tags)}
    if spec.description:
        out["description"] = spec.description
    out["parameters"] = _path_parameters(rule) + _query_parameters(spec, refs, schemas)
    if spec.body is not None:
        out["requestBody"] = _request_body(spec, refs, schemas)
    if spec.roles:
        out["security"] = TOKENS
    elif api:
        out["security"] = [{}, *TOKENS]  # anonymous, or with a token (enterprise limits, officer extras)
    out["responses"] = _responses(spec, refs, limited, api, bool(rule.arguments))
    return out


def _path_parameters(rule: Any) -> list[dict]:
    out = []
    for name, converter in getattr(rule, "_converters", {}).items():
        schema: dict[str, Any] = {"type": "integer"} if hasattr(converter, "signed") else {"type": "string"}
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if getattr(converter, attr, None) is not None:
                schema[key] = getattr(converter, attr)
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def _query_parameters(spec: Operation, refs: dict, schemas: dict) -> list[dict]:
    if spec.query is None:
        return []
    model_schema = _resolve(refs[(spec.query, "validation")], schemas)
    required = set(model_schema.get("required", []))
    out = []
    for name, schema in model_schema["properties"].items():
        schema = _without_null({k: v for k, v in schema.items() if k not in ("title", "default")})
        param = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            param["description"] = schema["description"]
        out.append(param)
    return out


def _resolve(node: dict, schemas: dict) -> dict:
    return schemas[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def _request_body(spec: Operation, refs: dict, schemas: dict) -> dict:
    ref = refs[(spec.body, "validation")]
    content = {"application/json": {"schema": ref}}
    if spec.form:
        name = ref["$ref"].rsplit("/", 1)[1]
        form_name = name + "Form"
        schemas[form_name] = _without_null(copy.deepcopy(schemas[name]), empty_field=True)
        schemas[form_name]["description"] = schemas[name].get("description", "") + " (form: empty fields are ignored)"
        for media in FORM_TYPES:
            content[media] = {"schema": {"$ref": REF.format(model=form_name)}}
    return {"required": True, "content": content}


def _without_null(node: Any, empty_field: bool = False) -> Any:
    """A schema for query parameters or form data: what is `X or null` in JSON is just X there
    (they have no null); in a form also an empty field (`read_body` drops empty fields, so
    they count as not given)."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if options and {"type": "null"} in options and len(options) == 2:
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            given = next(o for o in options if o != {"type": "null"})
            if empty_field:
                return {**rest, "anyOf": [given, {"type": "string", "maxLength": 0}]}
            return {**rest, **given}
        return {k: _without_null(v, empty_field) for k, v in node.items()}
    return node


def _responses(spec: Operation, refs: dict, limited: bool, api: bool, has_path: bool) -> dict:
    headers = dict(RATE_HEADERS) if limited else {}
    out: dict[str, dict] = {}
    for status, response in spec.responses.items():
        entry: dict[str, Any] = {"description": response.description}
        if response.model is not None:
            entry["content"] = {"application/json": {"schema": _schema_of(response.model, "serialization", refs)}}
        if headers or response.headers:
            entry["headers"] = {**headers, **response.headers}
        if response.links:
            entry["links"] = response.links
        out[str(status)] = entry
    errors = set(spec.errors) | ({400, 401, 503} if api else set())  # 503: database or Redis away
    errors |= ({403} if spec.roles else set()) | ({404} if has_path else set())
    errors |= ({413, 415} if spec.body is not None else set()) | ({429} if limited else set())
    for status in sorted(errors):
        entry = {"description": ERROR_TEXT.get(status, "error"),
                 "content": {"application/json": {"schema": refs[(ErrorDocument, "serialization")]}}}
        if status == 429:
            entry["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}, **RATE_HEADERS}
        elif headers:
            entry["headers"] = dict(headers)
        out[str(status)] = entry
    return out
