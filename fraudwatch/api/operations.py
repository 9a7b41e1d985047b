"""Declaring an API operation once: who may call it, its query and body models, its answers.

`@operation(...)` sits under the route decorator. At run time it checks the caller's role,
validates the query (unknown or repeated parameters are errors) and the body (JSON, or form
data where allowed) and hands the view the validated models as `query=` and `body=`. The
same declaration is read by `fraudwatch.api.openapi` to write the OpenAPI document, so
what is validated and what is documented cannot drift apart."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request
from pydantic import BaseModel

from fraudwatch.api.body import read_body
from fraudwatch.exceptions import Invalid
from fraudwatch.services.contract import check
from fraudwatch.web.auth import require_role

ATTRIBUTE = "fw_operation"


@dataclass(frozen=True)
class Response:
    """A documented answer: its model (None: no body), description and headers."""

    model: type[BaseModel] | None
    description: str
    headers: dict[str, dict] = field(default_factory=dict)
    links: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """What an operation takes and answers."""

    summary: str
    responses: dict[int, Response]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    form: bool = False
    roles: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()


def operation(summary: str, *, responses: dict[int, Response], query: type[BaseModel] | None = None,
              body: type[BaseModel] | None = None, form: bool = False, roles: tuple[str, ...] = (),
              errors: tuple[int, ...] = (), description: str = "", tags: tuple[str, ...] = ()) -> Callable:
    """Decorator: validate the request by the declared models and record them for the document."""
    spec = Operation(summary, responses, query, body, form, tuple(roles), tuple(errors), description, tuple(tags))

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def validated(*args: Any, **path: Any) -> Any:
            kwargs = {}
            query_model = parse_query(spec.query)
            if spec.query is not None:
                kwargs["query"] = query_model
            if spec.body is not None:
                kwargs["body"] = check(spec.body, read_body(allow_form=spec.form), "the body has invalid fields",
                                       context=current_app.config)
            return view(*args, **path, **kwargs)

        wrapper = require_role(*spec.roles)(validated) if spec.roles else validated
        setattr(wrapper, ATTRIBUTE, spec)
        return wrapper

    return decorate


def describe(view: Callable, summary: str, *, responses: dict[int, Response], tags: tuple[str, ...] = ()) -> None:
    """Document a view this package does not own (health checks) without changing what it does."""
    setattr(view, ATTRIBUTE, Operation(summary, responses, tags=tuple(tags)))


def parse_query(model: type[BaseModel] | None) -> BaseModel | None:
    """The query validated by `model`; a parameter it does not declare, or one given twice, is a 400."""
    args = request.args
    if model is None:
        if args:
            raise Invalid("unknown parameters: " + ", ".join(k[:100] for k in list(args)[:10]),
                          fields={k[:100]: "unknown parameter" for k in list(args)[:50]})
        return None
    data, repeated = {}, {}
    for key, values in args.lists():
        data[key] = values[0]
        if len(values) > 1:
            repeated[key[:100]] = "given more than once"
    if repeated:
        raise Invalid("parameters given more than once", fields=repeated)
    return check(model, data, "invalid parameters", context=current_app.config, unknown="unknown parameter")


def ok(model: type[BaseModel] | None, description: str, **extra: Any) -> Response:
    """Shorthand for a documented answer."""
    return Response(model, description, **extra)
