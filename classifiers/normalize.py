"""Text normalisation shared by every path of the classifier.

`normalize_text` applies, in order: a per-character table (Unicode NFKC, which also folds
full-width forms to half-width; removal of control, zero-width and bidi characters;
Traditional to Simplified Chinese by OpenCC's character table), then de-obfuscation
(separators such as `.`, `*`, spaces or `|` inside a run of Chinese characters are
dropped: 退.税 -> 退税) and whitespace folding (a run with a newline becomes one newline,
any other run one space). `normalize_with_offsets` also returns, for every character of
the result, the index of the character of the input it came from, so that spans found
in the normalised text can be shown in the original.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

MAX_INPUT_CHARS = 60_000  # raw characters read before normalisation
MAX_TEXT_CHARS = 20_000  # normalised characters classified

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SEPARATORS = r"[ \t.·•*_\-|/\\~+=^`'\"#]"
# Letters spelled out one by one (I R S, H-M-R-C, h s q j . t a x . c n) are joined.
_SPELLED = r"(?<![A-Za-z0-9])[A-Za-z0-9](?:(?: ?\. ?| |-)[A-Za-z0-9](?![A-Za-z0-9])){2,}"
_DEOBFUSCATE = re.compile(rf"{_SPELLED}|(?<=[{_CJK}]){_SEPARATORS}{{1,3}}(?=[{_CJK}])|\s*\n\s*|\s{{2,}}|[\t\r\f\v]")
_SPELLED_DOT = re.compile(r" ?\. ?")
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


def _fold(match: re.Match) -> str:
    text = match.group()
    if text[0].isascii() and text[0].isalnum():
        return _SPELLED_DOT.sub(".", text).replace(" ", "").replace("-", "")
    if "\n" in text:
        return "\n"
    if text.isspace() and not (len(text) <= 3 and _is_cjk_gap(match)):
        return " "
    return ""


def _fold_whitespace(text: str) -> tuple[str, int]:
    return _DEOBFUSCATE.subn(_fold, text)


def normalize_text(text: str) -> str:
    """Normalised form of `text` (see the module docstring); raises ValueError for non-str."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, not {type(text).__name__}")
    out, _ = _fold_whitespace(text[:MAX_INPUT_CHARS].translate(_table()))
    return out.strip(" \n")


LAZY = "lazy"  # offsets not computed yet: call normalize_with_offsets again when needed


def normalize_with_offsets(text: str, lazy: bool = False) -> tuple[str, list[int] | str | None]:
    """(normalised text, offsets) where offsets[i] is the input index of output char i.

    offsets is None when the mapping is the identity (the common case), to save time;
    with `lazy`, LAZY instead of a computed list.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, not {type(text).__name__}")
    raw = text[:MAX_INPUT_CHARS]
    table = _table()
    translated = raw.translate(table)
    folded, changes = _fold_whitespace(translated)
    stripped = folded.strip(" \n")
    if not changes and len(stripped) == len(raw) and table.irregular.isdisjoint(raw):
        return stripped, None
    return stripped, LAZY if lazy else _offsets(raw, table, stripped)


def _offsets(raw: str, table: _CharTable, expected: str) -> list[int]:
    """Character-by-character mapping for texts whose normalisation changed lengths."""
    chars: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(raw):
        for piece in table[ord(char)]:
            chars.append(piece)
            origin.append(i)
    translated = "".join(chars)
    out_origin: list[int] = []
    pos = 0
    for match in _DEOBFUSCATE.finditer(translated):
        out_origin.extend(origin[pos:match.start()])
        out_origin.extend(origin[match.start() + k] for k in _subsequence(match.group(), _fold(match)))
        pos = match.end()
    out_origin.extend(origin[pos:])
    folded, _ = _fold_whitespace(translated)
    left = len(folded) - len(folded.lstrip(" \n"))
    out_origin = out_origin[left:left + len(expected)]
    return out_origin


def _subsequence(text: str, part: str) -> list[int]:
    """Positions in `text` of the characters of `part` (a subsequence of it; else 0s)."""
    positions, pos = [], 0
    for char in part:
        found = text.find(char, pos)
        if found < 0:
            return [0] * len(part)
        positions.append(found)
        pos = found + 1
    return positions


def to_original(start: int, end: int, offsets: list[int] | None, raw_len: int) -> tuple[int, int]:
    """Map a [start, end) span of the normalised text back to the input text."""
    if offsets is None:
        return start, end
    if not offsets:
        return 0, 0
    first = offsets[min(start, len(offsets) - 1)]
    last = offsets[min(end, len(offsets)) - 1] + 1 if end > start else first
    return first, min(last, raw_len)
