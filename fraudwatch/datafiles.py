"""Where the project's data files are: the package `fraudwatch.data`, which is the top-level
`data/` folder of a checkout and ships inside the wheel (pyproject.toml maps it). Found
through importlib.resources, so an installed package needs no checkout."""
from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path


@functools.cache
def _root() -> Path:
    return Path(str(files("fraudwatch.data")))


def data_path(*parts: str) -> Path:
    """A file or folder of the project's data (`data_path("official", "domains.csv")`)."""
    return _root().joinpath(*parts)
