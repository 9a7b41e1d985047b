"""Reading request bodies: JSON or form data, with clear 400/415 errors.

Form data is what browsers send: empty fields count as not given, a field given twice is
an error."""
from __future__ import annotations

from flask import request

from fraudwatch.exceptions import Invalid
from fraudwatch.web.errors import APIError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def read_body(*, allow_form: bool = False) -> object:
    """The parsed JSON body (or form fields), else Invalid (400) or a 415 APIError."""
    mimetype = request.mimetype or ""
    if mimetype == "application/json" or mimetype.endswith("+json"):
        data = request.get_json(silent=True)
        if data is None:
            raise Invalid("the body is not valid JSON", code="invalid_json")
        return data
    if allow_form and mimetype in FORM_TYPES:
        form = request.form
        problems = {k[:100]: "given more than once" for k, values in form.lists() if len(values) > 1}
        problems.update({k[:100]: "files are not accepted" for k in request.files})
        if problems:
            raise Invalid("invalid form fields", fields=problems)
        return {k: v for k, v in form.items() if v != ""}
    accepted = "application/json" + (" or form data" if allow_form else "")
    raise APIError(415, f"send {accepted} (got '{mimetype or 'no content type'}')")
