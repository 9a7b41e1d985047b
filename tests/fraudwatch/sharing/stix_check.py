"""The OASIS validator as the sharing tests use it: STIX 2.1, strict (SHOULDs are errors, no
custom properties), and every error named in the assertion."""
from __future__ import annotations

import orjson
from stix2validator import ValidationOptions, validate_instance

OPTIONS = ValidationOptions(version="2.1", strict=True, strict_properties=True, enforce_refs=False)


def assert_valid(document: dict | bytes) -> dict:
    """Validate a bundle (or a single object) and return it parsed."""
    parsed = orjson.loads(document) if isinstance(document, bytes | str) else document
    result = validate_instance(parsed, OPTIONS)
    problems = [str(e) for e in result.errors] + [str(w) for w in result.warnings]
    assert result.is_valid and not problems, "\n".join(problems[:20])
    return parsed


def assert_objects_valid(objects: list[dict]) -> None:
    """Validate objects (a TAXII envelope's) as one bundle."""
    assert_valid({"type": "bundle", "id": "bundle--0b0c1c8e-6a32-4f60-8b7e-2f9c7a0b6a10", "objects": objects})


def removed(obj: dict) -> bool:
    """A removal's version: an indicator ended when the version was made (valid_until = modified);
    a listed one's valid_until is its decay's end, later."""
    return obj.get("valid_until") == obj["modified"]
