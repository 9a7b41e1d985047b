"""Reading request bodies: JSON or form, with clear 400/415 errors."""
from __future__ import annotations

from flask import request

from fraudwatch.errors import APIError


def read_body(*, allow_form: bool = False) -> object:
    """The parsed JSON body (or form fields), or an APIError."""
    mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        data = request.get_json(silent=True)
        if data is None:
            raise APIError(400, "the body is not valid JSON", code="invalid_json")
        return data
    if allow_form and mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {k: v for k, v in request.form.items()}
    accepted = "application/json" + (" or form data" if allow_form else "")
    raise APIError(415, f"send {accepted} (got '{mimetype or 'no content type'}')")
