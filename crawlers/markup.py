"""Bounded reads of parsed HTML: an element's text or attribute, never more than a limit.

`tag.get_text()` joins every string under the element and an attribute can be megabytes
long; on a hostile page (nested <label>s each holding the whole page, 2 MB attribute
values) reading them in full for each of hundreds of elements is quadratic. These read
at most `limit` characters from at most `max_nodes` nodes below the element, and give
the same result as the full read whenever the element is a normal one.
"""
from __future__ import annotations

from bs4 import NavigableString, Tag

MAX_NODES = 1000
_SLACK = 1000  # leading/trailing blanks tolerated around one string before it is cut


def short_text(tag: Tag, limit: int, max_nodes: int = MAX_NODES) -> str:
    """`tag.get_text(" ", strip=True)[:limit]`, reading no more than that needs."""
    interesting = tag.interesting_string_types
    if interesting is None:
        interesting = Tag.MAIN_CONTENT_STRING_TYPES
    parts: list[str] = []
    size = 0
    for n, node in enumerate(tag.descendants):
        if n >= max_nodes or size > limit:
            break
        if not isinstance(node, NavigableString) or not _kind_of(node, interesting):
            continue
        piece = str(node[:limit + _SLACK]).strip()
        if piece:
            parts.append(piece)
            size += len(piece) + 1
    return " ".join(parts)[:limit]


def _kind_of(node: NavigableString, interesting: type | set | None) -> bool:
    """Whether get_text() would read this string (bs4's own rule)."""
    if isinstance(interesting, type):
        return type(node) is interesting
    return interesting is None or type(node) in interesting


def attribute(tag: Tag, name: str, limit: int) -> str:
    """`str(tag.get(name) or "")` cut to `limit` characters."""
    return str(tag.get(name) or "")[:limit]
