"""The project's data files, shipped inside the package as `fraudwatch.data` (see
pyproject.toml: the package-dir mapping). Read them with importlib.resources."""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def path(*parts: str) -> Path:
    """A file or folder of the project's data (`path("official", "domains.csv")`)."""
    return HERE.joinpath(*parts)
