"""The contract of what clients send, declared once with pydantic v2 models.

The same models validate requests and generate the OpenAPI document
(`fraudwatch.api.openapi`). This module holds what does not need Flask: the shared field
types (bounded texts from one table of limits, date-times that fit in UTC, database ids
bounded by their column type, lists bounded by a configuration setting), and `check`,
which validates data against a model and turns pydantic's errors into the domain error
`Invalid` with one clear, human-readable message per field (`items[3].text`: "must be a
string").
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError
from pydantic_core import PydanticCustomError, core_schema

from fraudwatch.exceptions import Invalid

M = TypeVar("M", bound=BaseModel)
MAX_FIELDS = 50  # field errors named in one error document
CONFIG_MAX_ITEMS = "x-config-max-items"  # replaced by `maxItems: <config value>` in the document
NOT_BLANK = r"[^\s\x00-\x1f\x7f\x85]"  # neither a space nor a control character (\x85, NEL, is a space to
# Python's str.strip but not to the JSON Schema / ECMAScript `\s`: named so both agree)


class Body(BaseModel):
    """A JSON request body: unknown fields are errors, values are not coerced (strict)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query parameters: unknown parameters are errors; numbers are parsed from the text."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A response document (declared for the OpenAPI document; views return plain dicts)."""

    model_config = ConfigDict(extra="forbid")


def bounded_text(limit: int, *, min_length: int = 0, description: str | None = None) -> Any:
    """A string type of at most `limit` characters."""
    return Annotated[StrictStr, Field(max_length=limit, min_length=min_length or None, description=description)]


def column_max(column: sa.Column) -> int:
    """The largest value an integer column holds on every supported database (INTEGER: 2**31-1)."""
    kind = column.type
    if isinstance(kind, sa.SmallInteger):
        return 2**15 - 1
    if isinstance(kind, sa.BigInteger):
        return 2**63 - 1
    if isinstance(kind, sa.Integer):
        return 2**31 - 1
    raise TypeError(f"{column} is not an integer column")


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (no zone means UTC); ValueError when
    it does not parse or does not fit in UTC (e.g. 0001-01-01T00:00:00+14:00)."""
    try:
        value = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise PydanticCustomError("date_time",
                                  "must be an ISO 8601 date-time, e.g. 2026-11-27T08:30:00+08:00") from None
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError("date_time_range", "is out of range (years 1 to 9999 in UTC)") from None


class _DateTimeText:
    """Annotated marker: a string parsed by `parse_datetime`, documented as a date-time."""

    def __init__(self, *, date_allowed: bool = False) -> None:
        self.date_allowed = date_allowed

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            parse_datetime, core_schema.str_schema(strict=True, max_length=64),
            serialization=core_schema.plain_serializer_function_ser_schema(datetime.isoformat))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        if self.date_allowed:
            return {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
                    "description": "ISO 8601 date-time (or date); no zone means UTC"}
        return {"type": "string", "format": "date-time", "maxLength": 64,
                "description": "ISO 8601 date-time; no zone means UTC"}


DateTimeText = Annotated[datetime, _DateTimeText()]
DateOrDateTime = Annotated[datetime, _DateTimeText(date_allowed=True)]


class ConfigMaxItems:
    """Annotated marker: a list at most `config[key]` long, the config coming from the validation
    context (`check(..., context=app.config)`); the document shows it as `maxItems`."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> dict:
        out = handler(schema)
        out[CONFIG_MAX_ITEMS] = self.key
        return out

    def _check(self, value: list, info: core_schema.ValidationInfo) -> list:
        limit = (info.context or {}).get(self.key)
        if limit is not None and len(value) > limit:
            raise PydanticCustomError("batch_too_large", "must have at most {limit} items (got {count})",
                                      {"limit": limit, "count": len(value)})
        return value


def check(model: type[M], data: object, message: str, *, context: dict | None = None,
          unknown: str = "unknown field") -> M:
    """`data` validated by `model`, else Invalid naming each bad field (`unknown` for extra ones)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise invalid(exc, message, unknown=unknown) from None


def check_items(model: type[M], items: list, *, context: dict | None = None) -> list[M | dict]:
    """Each item validated on its own: the model, or an error entry for that item only."""
    out: list[M | dict] = []
    for item in items:
        if isinstance(item, model):  # already validated as part of the body
            out.append(item)
            continue
        try:
            out.append(model.model_validate(item, context=context))
        except ValidationError as exc:
            error = invalid(exc, "invalid item")
            out.append({"code": "invalid_value", "message": error.message, "fields": error.fields})
    return out


def invalid(exc: ValidationError, message: str, *, unknown: str = "unknown field") -> Invalid:
    """The domain error for a pydantic ValidationError, with one message per field."""
    errors = exc.errors(include_url=False)
    if any(not e["loc"] and e["type"] in ("model_type", "model_attributes_type", "dict_type") for e in errors):
        return Invalid("the body must be a JSON object", code="invalid_body")
    fields: dict[str, str] = {}
    for error in errors:
        name = location(error["loc"])[:100] or "body"
        if name not in fields and len(fields) < MAX_FIELDS:
            fields[name] = unknown if error["type"] == "extra_forbidden" else describe(error)
    too_large = any(e["type"] == "batch_too_large" for e in errors)
    if len(fields) == 1:
        name, text = next(iter(fields.items()))
        message = f"{name} {text}" if text != unknown else f"{unknown}: {name}"
    return Invalid(message, code="batch_too_large" if too_large else "validation_failed", fields=fields)


def location(loc: tuple) -> str:
    """('items', 3, 'text') -> 'items[3].text'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _one_of(expected: str) -> str:
    """'must be one of a, b or c'; a long list is cut (it is in the document)."""
    choices = expected.replace("'", "").replace(" or ", ", ").split(", ")
    if len(choices) > 20:
        return f"must be one of {', '.join(choices[:5])}... ({len(choices)} values, listed in the API document)"
    return "must be one of " + expected.replace("'", "")


_MESSAGES = {
    "missing": lambda c, i: "required",
    "string_type": lambda c, i: "must be a string",
    "string_too_long": lambda c, i: f"must be at most {c['max_length']} characters (got {len(i)})",
    "string_too_short": lambda c, i: "must not be empty" if c["min_length"] == 1 else
    f"must be at least {c['min_length']} characters",
    "string_pattern_mismatch": lambda c, i: "must not be blank" if c["pattern"] == NOT_BLANK else
    f"must match {c['pattern']}",
    "literal_error": lambda c, i: _one_of(c["expected"]),
    "enum": lambda c, i: _one_of(c["expected"]),
    "int_type": lambda c, i: "must be an integer",
    "int_parsing": lambda c, i: "must be an integer",
    "int_from_float": lambda c, i: "must be an integer",
    "float_type": lambda c, i: "must be a number",
    "float_parsing": lambda c, i: "must be a number",
    "finite_number": lambda c, i: "must be a finite number",
    "greater_than_equal": lambda c, i: f"must be at least {c['ge']}",
    "less_than_equal": lambda c, i: f"must be at most {c['le']}",
    "list_type": lambda c, i: "must be a list",
    "too_short": lambda c, i: f"must have at least {c['min_length']} item(s)",
    "too_long": lambda c, i: f"must have at most {c['max_length']} items (got {c.get('actual_length')})",
    "model_type": lambda c, i: "must be an object",
    "model_attributes_type": lambda c, i: "must be an object",
    "dict_type": lambda c, i: "must be an object",
    "bool_type": lambda c, i: "must be true or false",
}


def describe(error: dict) -> str:
    """A short message for one pydantic error ('must be a string', 'required'...)."""
    known = _MESSAGES.get(error["type"])
    if known is not None:
        return known(error.get("ctx") or {}, error.get("input"))
    return error["msg"].removeprefix("Value error, ")
