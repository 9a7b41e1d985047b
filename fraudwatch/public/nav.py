"""The public site's menu and sitemap: each page module adds its entry (`add_page`) and the
addresses crawlers should index (`add_indexed`), so that no module edits the layout or the
sitemap view to appear in them."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageItem:
    """A menu entry: an endpoint, its label (a message id marked with `_l`), where it sorts."""

    endpoint: str
    label: str
    order: int


_MENU: dict[str, PageItem] = {}
# each source yields (endpoint, url values) of pages to index, in both languages
_INDEXED: list[Callable[[], Iterable[tuple[str, dict]]]] = []


def add_page(endpoint: str, label: str, order: int = 50, indexed: bool = True) -> None:
    """Show `endpoint` in the site's menu (and, unless `indexed` is False, in the sitemap)."""
    _MENU[endpoint] = PageItem(endpoint, label, order)
    if indexed:
        add_indexed(lambda: [(endpoint, {})])


def add_indexed(source: Callable[[], Iterable[tuple[str, dict]]]) -> None:
    """Pages for the sitemap: `source()` yields (endpoint, url values), e.g. one per pattern."""
    _INDEXED.append(source)


def menu() -> list[PageItem]:
    """The menu entries, in order."""
    return sorted(_MENU.values(), key=lambda item: (item.order, item.endpoint))


def indexed() -> list[tuple[str, dict]]:
    """Every page to index, home page first."""
    pages = [("public.index", {})]
    for source in _INDEXED:
        pages.extend(page for page in source() if page not in pages)
    return pages
