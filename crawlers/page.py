"""Page analysis: a pure function of the fetched bytes into a `Page` dataclass.

`parse_page(body, url, charset)` never touches the network: it decodes the bytes
(see `fraudwatch.indicators.charset`), parses them with BeautifulSoup + lxml (which tolerates
broken HTML), and extracts the title, visible text, meta tags, language, links,
forms, external scripts, favicon, executable downloads and tax-authority brand cues.
It also says what a visitor reads: the language of the visible text itself
(`text_language`: the `lang` attribute of a kit often still says "en" over German text),
and how many words mix Latin letters with look-alike Greek or Cyrillic ones
(`mixed_script`: "HΜRC", "Οnline Βanking", spelt so that keyword filters miss them; brand
cues are read with those letters folded back).
Every list and string is bounded, whatever the page contains.
"""
from __future__ import annotations

import base64
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

from crawlers.brands import BrandCue, find_cues
from crawlers.forms import Form, extract_forms
from crawlers.markup import attribute, short_text
from crawlers.script import fold_confusables, mixed_script_words, text_language
from fraudwatch.indicators.charset import decode_html

MAX_TEXT = 100_000
MAX_LINKS = 500
MAX_SCRIPTS = 100
MAX_META = 50
MAX_HEADINGS = 20
MAX_HEADING = 200
MAX_LOGO_NODES = 300  # images, links and blocks looked at for logos
MAX_LOGO_TEXT = 200
MAX_LOGOS = 10
MAX_LOGO_FILE = 100  # characters of a logo image's file name read for a name
# Words of a logo file's name that name no one ("header_logo_white@2x.png").
_LOGO_FILE_WORDS = frozenset({
    "logo", "logos", "logotype", "header", "footer", "main", "site", "top", "nav", "navbar", "menu", "brand",
    "white", "black", "dark", "light", "color", "colour", "mono", "grey", "gray", "blue", "red", "small",
    "large", "big", "mini", "sm", "md", "lg", "xl", "full", "mobile", "desktop", "default", "new", "old",
    "icon", "img", "image", "images", "retina", "hd", "hq", "alt", "transparent", "horizontal", "vertical",
    "inverse", "inverted", "print", "email", "web", "svg", "png", "jpg", "jpeg", "gif", "webp", "x", "v",
    "min", "final", "copy", "and", "the", "of", "en", "us", "uk", "fr", "de",
})
_LOGO_FILE_SPLIT = re.compile(r"[^a-z]+")
_BRAND_CLASSES = frozenset({"brand", "navbar-brand", "site-title", "site-name", "site-branding", "brand-name"})
MAX_ATTRIBUTE = 4096  # characters of an attribute read for a refresh URL, a language or a logo cue
# Not ".com": a path ending in a domain name (facebook.com/NJ.com) is a page, and DOS
# .com programs are long gone.
_EXECUTABLE = re.compile(r"\.(exe|msi|apk|scr|bat|cmd|jar|dmg|pkg|vbs|ps1|hta|xapk)$", re.I)
_EXECUTABLE_TAIL = 16  # the pattern only looks at the end of a path
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]+)", re.I)
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")

# Pages are parsed as a browser parses them, as HTML, XHTML included: bs4's advice to use
# an XML parser for those would only fill the logs (once per XHTML page).
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)


@dataclass
class Page:
    """What a fetched page shows and asks for."""

    url: str
    title: str = ""
    text: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    language: str = "und"
    links: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    favicon_url: str | None = None
    favicon_hash: str | None = None
    downloads: list[str] = field(default_factory=list)
    brand_cues: list[BrandCue] = field(default_factory=list)
    meta_refresh: str | None = None
    encoding: str = "utf-8"
    text_language: str = "und"
    mixed_script: int = 0
    image_labels: list[str] = field(default_factory=list)  # alt, title and file name of the first images
    image_alts: list[str] = field(default_factory=list)  # the alt text alone of the first images
    headings: list[str] = field(default_factory=list)  # text of the first <h1>-<h3>
    logos: list[str] = field(default_factory=list)  # alt text of logo images, text of logo links
    logo_files: list[str] = field(default_factory=list)  # logo file names' names, "" for none
    canonical: str | None = None  # the URL the page names as its own (rel=canonical, else og:url)


def favicon_hash(data: bytes) -> str:
    """Stable hash of favicon bytes (SHA-256 hex), for clustering kits that share one."""
    return hashlib.sha256(data).hexdigest()


def _absolute(base: str, href: object) -> str | None:
    if not isinstance(href, str):
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def _visible_text(soup: BeautifulSoup, tags: dict[str, list[Tag]]) -> str:
    """Text a visitor sees (get_text already skips comments, scripts and styles).

    It removes the invisible elements from the tree, and with them every element inside
    them: whatever else reads the tree (image cues: news sites put their <img> in
    <noscript> for visitors without JavaScript) must have read it before."""
    for name in _INVISIBLE:
        for node in tags.get(name, []):
            # a <script> in an <svg> in a <noscript> is already gone with its container
            if name != "head" and not node.decomposed:
                node.decompose()
    body = soup.body or soup
    raw = body.get_text("\n", strip=True)[: MAX_TEXT * 2]
    lines = (_SPACES.sub(" ", ln).strip() for ln in raw.splitlines())
    return "\n".join(ln for ln in lines if ln)[:MAX_TEXT]


def _meta(nodes: list[Tag]) -> tuple[dict[str, str], str | None]:
    meta: dict[str, str] = {}
    refresh = None
    for tag in nodes[:200]:
        key = tag.get("name") or tag.get("property") or tag.get("http-equiv")
        content = tag.get("content")
        if not isinstance(key, str) or not isinstance(content, str):
            continue
        key = key.strip().lower()
        if key == "refresh":
            m = _REFRESH_URL.search(content[:MAX_ATTRIBUTE])
            refresh = m.group(1).strip() if m else None
        if len(meta) < MAX_META and key not in meta:
            meta[key] = content.strip()[:500]
    return meta, refresh


def _language(soup: BeautifulSoup, text: str) -> str:
    """The declared language (the <html lang> attribute), else the language of the text."""
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    if isinstance(lang, str) and len(lang) <= MAX_ATTRIBUTE and _LANGUAGE_TAG.fullmatch(lang.strip()):
        return lang.strip().replace("_", "-").lower()
    return text_language(text)


def _favicon(nodes: list[Tag], base: str) -> tuple[str | None, str | None]:
    for link in nodes[:100]:
        rel = " ".join(link.get("rel") or []).lower()
        href = link.get("href")
        if "icon" not in rel or not isinstance(href, str):
            continue
        if href.startswith("data:"):
            return None, _data_uri_hash(href)
        return _absolute(base, href), None
    return urljoin(base, "/favicon.ico"), None


def _canonical(nodes: list[Tag], meta: dict[str, str], base: str) -> str | None:
    """The URL the page names as its own: its first <link rel=canonical>, else og:url."""
    for link in nodes[:100]:
        if "canonical" in " ".join(link.get("rel") or []).lower():
            return _absolute(base, link.get("href"))
    return _absolute(base, meta.get("og:url")) if meta.get("og:url") else None


def _data_uri_hash(uri: str) -> str | None:
    head, _, payload = uri.partition(",")
    try:
        data = base64.b64decode(payload, validate=False) if ";base64" in head else unquote_to_bytes(payload)
    except ValueError:
        return None
    return favicon_hash(data)


def _index(soup: BeautifulSoup) -> dict[str, list[Tag]]:
    """Every element by tag name, in one pass (instead of one tree walk per lookup)."""
    index: dict[str, list[Tag]] = {}
    for node in soup.descendants:
        if isinstance(node, Tag):
            index.setdefault(node.name, []).append(node)
    return index


def _collect(nodes: list[Tag], base: str, attr: str, limit: int) -> list[str]:
    out: list[str] = []
    for node in nodes[: limit * 4]:
        url = _absolute(base, node.get(attr))
        if url and url not in out:
            out.append(url)
            if len(out) >= limit:
                break
    return out


def _image_labels(images: list[Tag]) -> list[str]:
    """What the first images say of themselves (alt, title, file name), read before the
    invisible elements are removed (an <img> in <noscript> still names a logo)."""
    return [" ".join(attribute(img, a, MAX_ATTRIBUTE) for a in ("alt", "title", "src")) for img in images[:200]]


def _logos(tags: dict[str, list[Tag]]) -> list[str]:
    """What the page's logos say: the alt text of an image whose file, class, id or alt says
    "logo", and the text (or first image's alt) of a link or block classed as a logo or the
    site's brand ("navbar-brand"), bounded in elements, nodes and characters."""
    out: list[str] = []
    for img in tags.get("img", [])[:MAX_LOGO_NODES]:
        marks = " ".join(attribute(img, a, MAX_LOGO_TEXT) for a in ("src", "class", "id", "alt"))
        alt = attribute(img, "alt", MAX_LOGO_TEXT).strip()
        if alt and "logo" in marks.lower().replace("logout", ""):
            out.append(alt)
    for name in ("a", "div", "span"):
        for node in tags.get(name, [])[:MAX_LOGO_NODES]:
            classes = node.get("class") or []
            marks = " ".join([*classes[:10], str(node.get("id") or "")[:MAX_LOGO_TEXT]]
                             if isinstance(classes, list) else [str(classes)[:MAX_LOGO_TEXT]]).lower()
            if "logo" in marks.replace("logout", "") or _BRAND_CLASSES & set(marks.split()):
                text = short_text(node, MAX_LOGO_TEXT, max_nodes=50) or _first_alt(node)
                if text:
                    out.append(text)
    return list(dict.fromkeys(out))[:MAX_LOGOS]


def _logo_files(images: list[Tag]) -> list[str]:
    """The names that logo images' file names carry, in page order: "steam" for
    ".../logo_steam.png" or "steam-logo.svg", with the words that name no one (header,
    white, 2x...) left out; a file called only "logo.png" names nothing (""): the first logo
    stays first, partners' logos after it do not move up. Bounded in images and characters."""
    out: list[str] = []
    for img in images[:MAX_LOGO_NODES]:
        src = attribute(img, "src", MAX_ATTRIBUTE)
        name = src.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1][-MAX_LOGO_FILE:].lower()
        if "logo" not in name.replace("logout", ""):
            continue
        stem = name.rsplit(".", 1)[0] if "." in name else name
        kept = [w for w in _LOGO_FILE_SPLIT.split(stem.replace("logo", " ")) if len(w) >= 2
                and w not in _LOGO_FILE_WORDS]
        out.append(" ".join(kept) if len(kept) <= 3 else "")
        if len(out) >= MAX_LOGOS:
            break
    return out


def _first_alt(node: Tag) -> str:
    for n, inner in enumerate(node.descendants):
        if n >= 50:
            break
        if isinstance(inner, Tag) and inner.name == "img":
            return attribute(inner, "alt", MAX_LOGO_TEXT).strip()
    return ""


def _cues(image_labels: list[str], title: str, text: str, meta: dict[str, str]) -> list[BrandCue]:
    """Authority cues by where they are seen; look-alike letters are folded first (a cue
    spelt "HΜRC" with a Greek capital mu is still HMRC)."""
    cues = find_cues("title", fold_confusables(title))
    for label in image_labels:
        cues += find_cues("logo", fold_confusables(label), limit=5)
    site = " ".join(meta.get(k, "") for k in ("og:site_name", "application-name"))
    cues += find_cues("meta", fold_confusables(site))  # the name the site gives itself
    about = " ".join(meta.get(k, "") for k in ("description", "keywords"))
    cues += find_cues("description", fold_confusables(about))  # what the page is about
    cues += find_cues("text", fold_confusables(text[:20_000]))
    seen: set[tuple[str, str]] = set()
    unique = []
    for cue in cues:
        if (cue.authority, cue.where) not in seen:
            seen.add((cue.authority, cue.where))
            unique.append(cue)
    return unique[:20]


def parse_page(body: bytes, url: str, charset: str | None = None) -> Page:
    """Parse page bytes fetched from `url` (the final URL) into a Page."""
    html, encoding = decode_html(body, charset)
    soup = BeautifulSoup(html, "lxml")
    tags = _index(soup)
    get = lambda name: tags.get(name, [])  # noqa: E731
    base_tags = [t for t in get("base") if t.get("href")]
    base = _absolute(url, base_tags[0].get("href")) if base_tags else None
    base = base or url
    title = _SPACES.sub(" ", short_text(get("title")[0], MAX_ATTRIBUTE))[:500] if get("title") else ""
    meta, refresh = _meta(get("meta"))
    links = _collect(get("a"), base, "href", MAX_LINKS)
    page = Page(url=url, title=title, meta=meta, links=links, encoding=encoding,
                forms=extract_forms(get("form"), get("label"), base,
                                      get("input") + get("select") + get("textarea")),
                scripts=_collect(get("script"), base, "src", MAX_SCRIPTS),
                meta_refresh=_absolute(base, refresh) if refresh else None)
    page.favicon_url, page.favicon_hash = _favicon(get("link"), base)
    page.canonical = _canonical(get("link"), meta, base)
    page.downloads = [u for u in links if _EXECUTABLE.search(urlsplit(u).path[-_EXECUTABLE_TAIL:])][:50]
    image_labels = _image_labels(get("img"))
    page.image_alts = [attribute(img, "alt", MAX_ATTRIBUTE).strip() for img in get("img")[:50]]
    heads = get("h1") + get("h2") + get("h3")
    page.headings = [h for h in (short_text(t, MAX_HEADING) for t in heads[:MAX_HEADINGS]) if h]
    page.logos = _logos(tags)
    page.logo_files = _logo_files(get("img"))
    page.text = _visible_text(soup, tags)  # last reader of the tree: it removes invisible parts
    page.language = _language(soup, page.text)
    page.text_language = text_language(f"{title}\n{page.text}")
    page.mixed_script = mixed_script_words(f"{title}\n{page.text}")
    page.brand_cues = _cues(image_labels, title, page.text, meta)
    page.image_labels = image_labels[:50]
    return page
