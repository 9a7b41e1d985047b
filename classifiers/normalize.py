"""Text normalisation shared by every path of the classifier.

`normalize_text` applies, in order: a per-character table (Unicode NFKC, which also folds
full-width forms to half-width; removal of control, zero-width and bidi characters;
Traditional to Simplified Chinese by OpenCC's character table); look-alike letters
(`classifiers.deobfuscate.fold_confusables`: Cyrillic/Greek letters in Latin words,
НМRС -> HMRC); de-obfuscation (separators such as `.`, `*`, spaces or `|`, and emoji or
symbols, inside a run of Chinese characters are dropped: 退.税 -> 退税, 退😀税 -> 退税;
letters spelled out one by one are joined) and whitespace folding (a run with a newline
becomes one newline, any other run one space); then disguised words
(`classifiers.deobfuscate.fold_words`: leetspeak of tax words 1RS -> IRS, dotted
acronyms H.M.R.C -> HMRC, pinyin and homophones tuishui / 退兑 -> 退税).
`normalize_with_offsets` also returns, for every character of the result, the index of
the character of the input it came from (non-decreasing), so that spans found in the
normalised text can be shown in the original.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from classifiers.deobfuscate import fold_confusables, fold_words, substitute

MAX_INPUT_CHARS = 60_000  # raw characters read before normalisation
MAX_TEXT_CHARS = 20_000  # normalised characters classified

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEPARATORS = r"[ \t.·•*_\-|/\\~+=^`'\"#]"
# Emoji, pictographs, dingbats, arrows, shapes, math and other symbols, private-use glyphs,
# combining marks for symbols, tag characters: junk when they sit between Chinese characters.
_JUNK = ("[\u00a9\u00ae\u00b0\u2022\u2023\u2027\u203b\u20d0-\u20ff\u2190-\u23ff\u2500-\u27bf\u2900-\u2bff"
         "\ue000-\uf8ff\U0001f000-\U0001faff\U000e0000-\U000e007f]")
# Letters spelled out one by one (I R S, H-M-R-C, h s q j . t a x . c n) are joined.
_SPELLED = r"(?<![A-Za-z0-9])[A-Za-z0-9](?:(?: ?\. ?| |-)[A-Za-z0-9](?![A-Za-z0-9])){2,}"
_DEOBFUSCATE = re.compile(rf"{_SPELLED}|(?<=[{_CJK}])(?:{_SEPARATORS}{{1,3}}(?=[{_CJK}])"
                          rf"|{_SEPARATORS}{{0,2}}{_JUNK}(?:{_SEPARATORS}|{_JUNK}){{0,5}}(?=[{_CJK}]))"
                          r"|\s*\n\s*|\s{2,}|[\t\r\f\v]")
_SPELLED_GAP = re.compile(r" ?\. ?|[ -]")
_SPELLED_HOST_GAP = re.compile(r" ?\. ?")
_GAP_KIND = {" ": " ", "-": "-", ". ": ". "}  # any other gap is a dot
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Zero-width, bidi controls, soft hyphen, BOM, variation selectors.
_INVISIBLE = set(range(0x200B, 0x2010)) | set(range(0x202A, 0x202F)) | set(range(0x2060, 0x2070)) \
    | set(range(0xFE00, 0xFE10)) | {0x00AD, 0xFEFF, 0x180E, 0x034F}


def _t2s_table() -> dict[str, str]:
    """Traditional -> Simplified single-character table from OpenCC's dictionary."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - declared dependency
        return {}
    path = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            target = parts[1].split(" ")[0]
            if len(target) == 1:
                table[parts[0]] = target
    return table


class _CharTable(dict):
    """`str.translate` table that computes and caches the mapping of each character."""

    def __init__(self) -> None:
        super().__init__()
        self.t2s = _t2s_table()
        self.irregular: set[str] = set()  # characters that do not map to exactly one char

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if code in _INVISIBLE or (unicodedata.category(char) == "Cc" and char not in "\n\t\r\f\v"):
            out = ""
        elif char in "\t\r\f\v":
            out = char
        elif unicodedata.category(char) == "Cs":  # lone surrogate (undecodable bytes)
            out = "\ufffd"
        else:
            out = "".join(self.t2s.get(c, c) for c in unicodedata.normalize("NFKC", char))
        if len(out) != 1:
            self.irregular.add(char)
        self[code] = out
        return out


@functools.lru_cache(maxsize=1)
def _table() -> _CharTable:
    return _CharTable()


def _is_cjk_gap(match: re.Match) -> bool:
    """True when the match sits between two Chinese characters (an obfuscating gap)."""
    text, start, end = match.string, match.start(), match.end()
    return start > 0 and end < len(text) and _CJK_CHAR.match(text, start - 1) is not None \
        and _CJK_CHAR.match(text, end) is not None


def _join_spelled(text: str) -> str:
    """Letters spelled out, joined into words. Two or more dots (or hyphens) in a row part
    the letters of one word (t.a.x, r-e-f-u-n-d), and a space or a dot-space next to such a
    word parts words (a t.a.x r-e-f-u-n-d -> a tax refund); other spaces part letters
    (I R S -> IRS) and a lone dot stays (h s q j . t a x -> hsqj.tax, e.g. a -> e.g. a)."""
    gaps, letters = _SPELLED_GAP.findall(text), _SPELLED_GAP.split(text)
    kinds = [_GAP_KIND.get(gap, ".") for gap in gaps]
    inner = [kind in ".-" and ((i and kinds[i - 1] == kind) or (i + 1 < len(kinds) and kinds[i + 1] == kind))
             for i, kind in enumerate(kinds)]
    out = [letters[0]]
    for i, kind in enumerate(kinds):
        beside_word = (i and inner[i - 1]) or (i + 1 < len(kinds) and inner[i + 1])
        if inner[i] or kind == "-":
            out.append("")
        elif kind == " ":
            out.append(" " if beside_word else "")
        else:
            out.append(" " if kind == ". " and beside_word else kind)
        out.append(letters[i + 1])
    return "".join(out)


def _in_host(match: re.Match) -> bool:
    """True when dotted letters are labels of a host name (a.b.c.top, www.x.y.cn): the
    match touches a dot-and-label after it, or a dot, slash or @ before it."""
    text, start, end = match.string, match.start(), match.end()
    after = text[end:end + 2]
    return (len(after) == 2 and after[0] == "." and after[1].isalnum()) or (start > 0 and text[start - 1] in "./@")


def _fold(match: re.Match) -> str:
    text = match.group()
    if text[0].isascii() and text[0].isalnum():
        if "." in text and _in_host(match):
            return _SPELLED_HOST_GAP.sub(".", text).replace(" ", "").replace("-", "")  # as the link finder reads it
        return _join_spelled(text)
    if "\n" in text:
        return "\n"
    if text.isspace() and not (len(text) <= 3 and _is_cjk_gap(match)):
        return " "
    return ""


def _run(raw: str, track: bool) -> tuple[str, list[int] | None, int]:
    """(normalised text before stripping, input index of each of its characters when
    `track`, number of changes that may have moved characters)."""
    table = _table()
    text = fold_confusables(raw.translate(table))  # one character for one: lengths kept
    origin = None
    if track:
        origin = [i for i, char in enumerate(raw) for _ in table[ord(char)]]
        text, origin, changes = substitute(text, origin, ((m.start(), m.end(), _fold(m))
                                                          for m in _DEOBFUSCATE.finditer(text)))
    else:
        text, changes = _DEOBFUSCATE.subn(_fold, text)
    text, origin, moved = fold_words(text, origin)
    return text, origin, changes + moved


def normalize_text(text: str) -> str:
    """Normalised form of `text` (see the module docstring); raises ValueError for non-str."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, not {type(text).__name__}")
    return _run(text[:MAX_INPUT_CHARS], False)[0].strip(" \n")


LAZY = "lazy"  # offsets not computed yet: call normalize_with_offsets again when needed


def normalize_with_offsets(text: str, lazy: bool = False) -> tuple[str, list[int] | str | None]:
    """(normalised text, offsets) where offsets[i] is the input index of output char i.

    offsets is None when the mapping is the identity (the common case), to save time;
    with `lazy`, LAZY instead of a computed list.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, not {type(text).__name__}")
    raw = text[:MAX_INPUT_CHARS]
    folded, _, changes = _run(raw, False)
    stripped = folded.strip(" \n")
    if not changes and len(stripped) == len(raw) and _table().irregular.isdisjoint(raw):
        return stripped, None
    return stripped, LAZY if lazy else _offsets(raw, len(stripped))


def _offsets(raw: str, size: int) -> list[int]:
    """Character-by-character mapping for texts whose normalisation changed lengths."""
    folded, origin, _ = _run(raw, True)
    left = len(folded) - len(folded.lstrip(" \n"))
    return origin[left:left + size]


def to_original(start: int, end: int, offsets: list[int] | None, raw_len: int) -> tuple[int, int]:
    """Map a [start, end) span of the normalised text back to the input text."""
    if offsets is None:
        return start, end
    if not offsets:
        return 0, 0
    first = offsets[min(start, len(offsets) - 1)]
    last = offsets[min(end, len(offsets)) - 1] + 1 if end > start else first
    return first, min(last, raw_len)
