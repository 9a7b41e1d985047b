"""Disguised letters and words undone, for `classifiers.normalize` (issue #10 item 4).

- `fold_confusables`: Cyrillic and Greek letters that look like Latin ones, inside a word
  that is otherwise Latin (раураl, IRЅ, НМRС, "tах rеfund") become Latin; a whole
  Cyrillic or Greek word is folded only when every letter of it is a look-alike and the
  text holds no real Cyrillic or Greek word (so Russian and Greek text stays as it is).
  One character for one: lengths never change.
- `fold_words`: leetspeak of the words in data/lexicon/leet_words.txt (1RS, 1R5, T4X,
  R3FUND) and dotted acronyms (H.M.R.C, I.R.S.) become the word; pinyin and look-alike
  spellings of Chinese tax words (data/lexicon/homophones.txt: tuishui, 退兑, 锐务局)
  become the Chinese word. Never inside a link or e-mail address; amounts, phone
  numbers, dates and codes (W-2, 1099, P60, A70) never spell a listed word.
- `substitute`: a regex substitution that also carries the input index of every character.
Every step is one regex scan plus work bounded per match: linear in the text.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from fraudwatch.indicators.wordlists import word_list

# Look-alikes that render like the Latin letter in common fonts (folded in any word).
CONFUSABLES = {
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "I", "Ԁ": "D",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "ρ": "p",
    "υ": "u", "χ": "x",
}
# Small capitals and near shapes: folded only inside a word that also has Latin letters.
_NEAR = {"в": "b", "к": "k", "м": "m", "н": "h", "т": "t", "г": "r", "п": "n", "и": "u", "ь": "b", "ш": "w",
         "ԍ": "g", "ɡ": "g", "ε": "e", "τ": "t", "ϲ": "c", "ϳ": "j"}
_STRICT = str.maketrans(CONFUSABLES)
_LOOSE = str.maketrans({**CONFUSABLES, **_NEAR})
_CYR_GREEK = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_LATIN_LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LATIN = re.compile(f"[{_LATIN_LETTERS}]")
_WORD = re.compile(f"[0-9{_LATIN_LETTERS}\u0370-\u03ff\u0400-\u052f]+")

# Characters that stand for one another in leetspeak, each group written as its first one.
_LEET_GROUPS = ("1il|", "0o", "3e", "4a@", "5s$", "7t", "8b", "9g6")
_SKELETON = str.maketrans({c: group[0] for group in _LEET_GROUPS for c in group})
_TOKEN_CHARS = "A-Za-z0-9$@|"
_TOKEN_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$@|")
MAX_TOKEN = 16  # longer runs of letters and digits are never taken for a disguised word
# Where a digit, $, @ or | touches a letter: the only places a leetspeak token can be.
_LEET_HINT = re.compile(r"[0-9$@|](?:(?=[A-Za-z])|(?<=[A-Za-z][0-9$@|]))")
_RUN_AFTER = re.compile(f"[{_TOKEN_CHARS}]{{0,{MAX_TOKEN + 1}}}")
_RUN_BEFORE = re.compile(f"[{_TOKEN_CHARS}]{{1,{MAX_TOKEN}}}\\Z")  # searched with endpos = the hint
# Letters or digits joined by single dots (H.M.R.C, 1.R.S), found where a dot follows one.
_DOTTED_HINT = re.compile(r"\.[A-Za-z0-9](?:\.|(?![A-Za-z0-9]))")
_DOTTED = re.compile(r"(?<![A-Za-z0-9.])[A-Za-z0-9](?:\.[A-Za-z0-9]){1,7}(?![A-Za-z0-9])")
_ALNUM = re.compile("[A-Za-z0-9]")
_CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CODE = re.compile(r"[A-Za-z][0-9]+")  # A70, P60, W2: one letter then digits is a code
_LINKISH = re.compile(r"[/@]|[A-Za-z0-9]\.[A-Za-z0-9]")
_CONTEXT = 64  # characters looked at on each side of a candidate for a link around it


def fold_confusables(text: str) -> str:
    """`text` with look-alike Cyrillic/Greek letters of Latin words made Latin (same length)."""
    if not _CYR_GREEK.search(text):
        return text
    words = [m for m in _WORD.finditer(text) if _CYR_GREEK.search(m.group())]
    native = any(not _LATIN.search(m.group()) and _CYR_GREEK.search(m.group().translate(_STRICT))
                 for m in words)  # a real Cyrillic or Greek word: the text is in that script
    pieces, pos = [], 0
    for match in words:
        word = match.group()
        if _LATIN.search(word):
            folded = word.translate(_LOOSE)
        elif native:
            continue
        else:
            folded = word.translate(_STRICT)
            if _CYR_GREEK.search(folded):
                continue
        pieces += [text[pos:match.start()], folded]
        pos = match.end()
    return "".join(pieces) + text[pos:] if pieces else text


@functools.cache
def homophones() -> tuple[tuple[str, str], ...]:
    """(spelling, word) pairs of data/lexicon/homophones.txt (the word is the last field)."""
    pairs = []
    for entry in word_list("homophones"):
        spelling, _, word = entry.rpartition(" ")
        if spelling.strip() and word:
            pairs.append((" ".join(spelling.split()), word))
    return tuple(pairs)


@functools.cache
def leet_words() -> dict[str, str]:
    """Leetspeak skeleton -> what the token becomes: the words of data/lexicon/leet_words.txt,
    and one-word pinyin (tu1shu1) straight to its Chinese word."""
    table: dict[str, str] = {}
    for word in word_list("leet_words"):
        table.setdefault(word.translate(_SKELETON), word)
    for spelling, word in homophones():
        if spelling.isascii() and spelling.isalpha():
            table.setdefault(spelling.translate(_SKELETON), word)
    return table


@functools.cache
def _homophone_re() -> tuple[re.Pattern, re.Pattern, re.Pattern, dict[str, str]]:
    """(pattern of the Chinese spellings, of the pinyin ones in lower case, of pieces one
    of which every pinyin spelling holds, spelling -> word)."""
    table = dict(homophones())
    pinyin = [s for s in table if s.isascii()]

    def alternation(keys) -> re.Pattern:
        keys = sorted(keys, key=lambda s: (-len(s), s))  # longest first
        return re.compile("|".join(map(re.escape, keys)) if keys else "(?!)")

    parts = {max(s.split(), key=len) for s in pinyin}
    hints = {p[1:] for p in parts if not any(q != p and q in p for q in parts)}  # capitalised too
    return (alternation(s for s in table if not s.isascii()), alternation(pinyin),
            alternation(hints | {h.upper() for h in hints}), table)


def _in_link(text: str, start: int, end: int) -> bool:
    """True when the whitespace-delimited stretch around [start, end) looks like a link."""
    lo = max(text.rfind(" ", max(0, start - _CONTEXT), start), text.rfind("\n", max(0, start - _CONTEXT), start),
             start - _CONTEXT - 1) + 1
    hi = min(x for x in (text.find(" ", end, end + _CONTEXT), text.find("\n", end, end + _CONTEXT),
                         end + _CONTEXT) if x >= 0)
    return _LINKISH.search(f"{text[max(lo, 0):start]}a{text[end:hi]}") is not None


def _unleet(token: str) -> str | None:
    """What a leetspeak or dotted token of a listed word becomes (in the token's case), else None."""
    letters = token.replace(".", "")
    if len(letters) < 2 or _CODE.fullmatch(letters):
        return None
    word = leet_words().get(letters.lower().translate(_SKELETON))
    if word is None or not word.isascii():
        return word
    return word.upper() if letters.upper() == letters and not letters.isdigit() else word


def _leet_tokens(text: str) -> list[tuple[int, int]]:
    """Spans of the runs of 2-16 letters, digits, $ @ | that mix letters with the others
    (found from each hint outwards: bounded work per hint, each run once)."""
    spans: list[tuple[int, int]] = []
    reached = -1
    for hint in _LEET_HINT.finditer(text):
        at = hint.start()
        if at < reached:
            continue  # inside the run just looked at
        end = _RUN_AFTER.match(text, at).end()
        before = _RUN_BEFORE.search(text, max(0, at - MAX_TOKEN), at) if at else None
        start = before.start() if before else at
        reached = end
        if end - start <= MAX_TOKEN and text[start - 1:start] not in _TOKEN_SET \
                and text[end:end + 1] not in _TOKEN_SET:
            spans.append((start, end))
    return spans


def _word_edits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for each leetspeak or dotted spelling of a listed word, outside links."""
    spans = _leet_tokens(text) if _LEET_HINT.search(text) else []
    if _DOTTED_HINT.search(text):
        spans += [m.span() for m in _DOTTED.finditer(text)]
    edits = []
    for start, end in spans:
        word = _unleet(text[start:end])
        if word is not None and word != text[start:end] and not _in_link(text, start, end):
            edits.append((start, end, word))
    return edits


def _lower(text: str) -> str:
    """Lower-case without changing the length of the text."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _homophone_edits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) for each Chinese look-alike spelling and each pinyin word (whole
    Latin word in lower case, capitalised or in capitals, outside links) of a tax word."""
    chinese, pinyin, hints, table = _homophone_re()
    edits = [(m.start(), m.end(), table[m.group()]) for m in chinese.finditer(text)] \
        if chinese.search(text) is not None else []
    if hints.search(text) is not None:
        low = _lower(text)
        edits += [(*_spaced_from_chinese(text, m.start(), m.end()), table[m.group()]) for m in pinyin.finditer(low)
                  if not _ALNUM.match(low, m.end()) and not (m.start() and _ALNUM.match(low, m.start() - 1))
                  and not _in_link(text, m.start(), m.end())]
    return edits


def _spaced_from_chinese(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened over a space that parts it from a Chinese character (您的 tuishui
    已到账 -> 您的退税已到账, as a space between two Chinese characters is dropped)."""
    if start >= 2 and text[start - 1] == " " and _CHINESE.match(text, start - 2):
        start -= 1
    if text[end:end + 1] == " " and _CHINESE.match(text, end + 1):
        end += 1
    return start, end


def fold_words(text: str, origin: list[int] | None) -> tuple[str, list[int] | None, int]:
    """Leetspeak, dotted acronyms, pinyin and homophones folded: (text, origin carried
    along when given, number of folds that changed the length). The spans folded never
    overlap: leetspeak holds a digit, pinyin is a whole word of letters, homophones are Chinese."""
    edits = _word_edits(text) + _homophone_edits(text)
    if not edits:
        return text, origin, 0
    return substitute(text, origin, sorted(edits))


def substitute(text: str, origin: list[int] | None,
               edits: Iterable[tuple[int, int, str]]) -> tuple[str, list[int] | None, int]:
    """`text` with each (start, end, new) edit applied (in order, not overlapping), and
    `origin` (the input index of each character of `text`) carried to the result; returns
    (text, origin, number of edits that changed the length)."""
    pieces: list[str] = []
    out_origin: list[int] | None = [] if origin is not None else None
    pos = moved = 0
    for start, end, new in edits:
        old = text[start:end]
        if new == old:
            continue
        moved += len(new) != end - start
        pieces += [text[pos:start], new]
        if out_origin is not None:
            out_origin += origin[pos:start]
            out_origin += [origin[start + k] for k in _positions(old, new)]
        pos = end
    if not pieces:
        return text, origin, 0
    pieces.append(text[pos:])
    if out_origin is not None:
        out_origin += origin[pos:]
    return "".join(pieces), out_origin, moved


def _positions(old: str, new: str) -> list[int]:
    """For each character of `new`, the index in `old` it stands for: itself when `new` is
    a subsequence of `old` (dropped separators), the same place for an equal length, else
    spread evenly from the first to the last character that is not a space (non-decreasing
    in every case)."""
    if len(new) == len(old):
        return list(range(len(new)))
    positions, pos = [], 0
    for char in new:
        found = old.find(char, pos)
        if found < 0:
            break
        positions.append(found)
        pos = found + 1
    else:
        return positions
    alnum = [i for i, char in enumerate(old) if char.isalnum()]
    if len(alnum) == len(new):
        return alnum
    first, last = len(old) - len(old.lstrip()), len(old.rstrip()) - 1  # spaces dropped around a word
    if last < first:  # only spaces (a run of tabs folded to one space)
        first, last = 0, len(old) - 1
    if len(new) == 1 or last <= first:
        return [first] * len(new)
    return [first + k * (last - first) // (len(new) - 1) for k in range(len(new))]
