"""Word lists kept as data: `data/lexicon/*.txt` (package `fraudwatch.data`), one entry a
line, `#` starts a comment. Read once per process; data/lexicon/README.md says where each
list came from and which code reads it."""
from __future__ import annotations

import functools

from fraudwatch.datafiles import data_path


@functools.cache
def word_list(name: str) -> tuple[str, ...]:
    """The entries of data/lexicon/<name>.txt, lower-cased, in file order, without repeats."""
    entries: dict[str, None] = {}
    with data_path("lexicon", f"{name}.txt").open(encoding="utf-8") as fh:
        for line in fh:
            entry = line.split("#", 1)[0].strip().lower()
            if entry:
                entries.setdefault(entry)
    return tuple(entries)


def word_set(name: str) -> frozenset[str]:
    """The entries of data/lexicon/<name>.txt as a set."""
    return _word_set(name)


@functools.cache
def _word_set(name: str) -> frozenset[str]:
    return frozenset(word_list(name))
