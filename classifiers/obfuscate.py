"""Obfuscated variants of a message, written the way fraudsters disguise tax lures to slip
past keyword filters (issue #10 item 4): for training (one disguised copy of some scam
rows, `classifiers.train.augment`) and for the obfuscation harness of the tests.

Each kind rewrites the words of the message, never its links or e-mail addresses (a
disguised link no longer works, so fraudsters leave it as it is):
- `emoji_cjk`: emoji or symbols between Chinese characters (退😀税, 税💰务局);
- `cyrillic`: Cyrillic/Greek look-alike letters in Latin words (НМRС, раураl, tах);
- `leet`: leetspeak of authority names and tax words (1RS, 1R5, T4X R3FUND, H.M.R.C);
- `spaced`: names and tax words spelled out with spaces, dots or hyphens (I R S, 退 税);
- `pinyin`: Chinese tax words in pinyin or look-alike characters (tuishui, 退兑, 锐务局);
- `fullwidth`: full-width Latin letters and digits (ＨＭＲＣ);
- `zero_width`: zero-width characters inside words;
- `combined`: two or three of the above on the same message.
A variant is a pure function of (text, kind, seed).
"""
from __future__ import annotations

import functools
import random
import re

from classifiers.deobfuscate import CONFUSABLES, homophones
from fraudwatch.indicators.links import find_links
from fraudwatch.indicators.wordlists import word_list

KINDS = ("emoji_cjk", "cyrillic", "leet", "spaced", "pinyin", "fullwidth", "zero_width", "combined")
EMOJI = ("😀", "💰", "🎁", "✨", "❤", "★", "☆", "🔥", "👉", "✅", "🧧", "💯", "🌸", "⭐", "♥", "👍")
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_LEET_OUT = {"i": "1", "l": "1", "e": "3", "a": "4", "s": "5", "o": "0", "t": "7", "b": "8", "g": "9"}
_CJK = re.compile("[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_HANDLE = re.compile(r"[@#][A-Za-z0-9_.]+")  # names on social networks are typed as they are
_SEPARATORS = (" ", ".", "-", " . ")
_CJK_SEPARATORS = (" ", ".", "*", "·", "_", "|")


@functools.cache
def _look_alikes() -> dict[str, tuple[str, ...]]:
    """Latin letter -> its Cyrillic/Greek look-alikes."""
    out: dict[str, list[str]] = {}
    for fake, latin in CONFUSABLES.items():
        out.setdefault(latin, []).append(fake)
    return {latin: tuple(fakes) for latin, fakes in out.items()}


@functools.cache
def _spellings() -> dict[str, tuple[str, ...]]:
    """Chinese word -> its pinyin and look-alike spellings (data/lexicon/homophones.txt)."""
    out: dict[str, list[str]] = {}
    for spelling, word in homophones():
        out.setdefault(word, []).append(spelling)
    return {word: tuple(spellings) for word, spellings in sorted(out.items(), key=lambda kv: -len(kv[0]))}


@functools.cache
def _named_words() -> re.Pattern:
    """Authority acronyms and tax words (data/lexicon/leet_words.txt) as whole Latin words."""
    words = sorted(word_list("leet_words"), key=len, reverse=True)
    return re.compile(rf"(?i)(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, words))})(?![A-Za-z0-9])")


def _free(text: str) -> list[bool]:
    """For each character, True when it lies outside every link, e-mail address, @handle and #tag."""
    free = [True] * len(text)
    spans = [(start, end) for _, start, end in find_links(text)] + [m.span() for m in _HANDLE.finditer(text)]
    for start, end in spans:
        free[start:end] = [False] * (end - start)
    return free


def _words(pattern: re.Pattern, text: str, free: list[bool]) -> list[re.Match]:
    return [m for m in pattern.finditer(text) if all(free[m.start():m.end()])]


def _emoji_cjk(text: str, rng: random.Random) -> str:
    free = _free(text)
    gaps = [i for i in range(1, len(text))
            if free[i - 1] and free[i] and _CJK.match(text[i - 1]) and _CJK.match(text[i])]
    if not gaps:
        return text
    taxed = [i for i in gaps if "税" in text[i - 1:i + 1]]  # fraudsters break up the filtered words first
    chosen = set(rng.sample(taxed, min(len(taxed), 3)) + rng.sample(gaps, max(1, len(gaps) // 6)))
    out = []
    for i, char in enumerate(text):
        if i in chosen:
            out.append(rng.choice(("", " ")) + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 2))))
        out.append(char)
    return "".join(out)


def _replace_words(text: str, matches: list[re.Match], rewrite) -> str:
    out, pos = [], 0
    for match in matches:
        out += [text[pos:match.start()], rewrite(match.group())]
        pos = match.end()
    return "".join(out) + text[pos:]


def _cyrillic(text: str, rng: random.Random) -> str:
    alikes = _look_alikes()

    def swap(word: str) -> str:
        letters = [i for i, c in enumerate(word) if c in alikes]
        if not letters:
            return word
        keep = set(rng.sample(letters, rng.randint(1, len(letters))))
        return "".join(rng.choice(alikes[c]) if i in keep else c for i, c in enumerate(word))

    matches = _words(_LATIN_WORD, text, _free(text))
    named = {m.start() for m in _words(_named_words(), text, _free(text))}
    chosen = [m for m in matches if m.start() in named or rng.random() < 0.5]
    return _replace_words(text, chosen, swap)


def _leet(text: str, rng: random.Random) -> str:
    def leet(word: str) -> str:
        letters = [i for i, c in enumerate(word) if c.lower() in _LEET_OUT]
        if not letters:
            return word
        keep = set(rng.sample(letters, rng.randint(1, min(2, len(letters)))))
        if len(word) <= 5 and word.isupper() and rng.random() < 0.3:
            return ".".join(word)  # H.M.R.C
        return "".join(_LEET_OUT[c.lower()] if i in keep else c for i, c in enumerate(word))

    return _replace_words(text, _words(_named_words(), text, _free(text)), leet)


def _spaced(text: str, rng: random.Random) -> str:
    free = _free(text)
    out = _replace_words(text, _words(_named_words(), text, free), lambda w: rng.choice(_SEPARATORS).join(w))
    if out != text:
        return out
    words = _words(re.compile("|".join(map(re.escape, _spellings()))), text, free)
    return _replace_words(text, words, lambda w: rng.choice(_CJK_SEPARATORS).join(w))


def _pinyin(text: str, rng: random.Random) -> str:
    spellings = _spellings()
    pattern = re.compile("|".join(map(re.escape, spellings)))
    matches = _words(pattern, text, _free(text))
    if not matches:
        return text
    chosen = [m for m in matches if rng.random() < 0.7] or [rng.choice(matches)]

    def spell(word: str) -> str:
        spelling = rng.choice(spellings[word])
        return f" {spelling} " if spelling.isascii() and rng.random() < 0.5 else spelling

    return _replace_words(text, chosen, spell)


def _fullwidth(text: str, rng: random.Random) -> str:
    free = _free(text)
    return "".join(chr(ord(c) + 0xFEE0) if free[i] and c.isascii() and c.isalnum() and rng.random() < 0.6 else c
                   for i, c in enumerate(text))


def _zero_width(text: str, rng: random.Random) -> str:
    free = _free(text)
    out = []
    for i, char in enumerate(text):
        out.append(char)
        if free[i] and char.isalnum() and i + 1 < len(text) and text[i + 1].isalnum() and rng.random() < 0.3:
            out.append(rng.choice(ZERO_WIDTH))
    return "".join(out)


_KIND_FUNCTIONS = {"emoji_cjk": _emoji_cjk, "cyrillic": _cyrillic, "leet": _leet, "spaced": _spaced,
                   "pinyin": _pinyin, "fullwidth": _fullwidth, "zero_width": _zero_width}


def obfuscate(text: str, kind: str, seed: int) -> str:
    """`text` disguised by one kind of obfuscation (the text itself when the kind has
    nothing to work on, e.g. emoji between Chinese characters in English text)."""
    rng = random.Random(f"{seed}|{kind}|{text}")
    if kind == "combined":
        for name in rng.sample(sorted(_KIND_FUNCTIONS), rng.randint(2, 3)):
            text = _KIND_FUNCTIONS[name](text, rng)
        return text
    if kind not in _KIND_FUNCTIONS:
        raise ValueError(f"unknown obfuscation kind {kind!r} (one of {', '.join(KINDS)})")
    return _KIND_FUNCTIONS[kind](text, rng)


def variants(text: str, seed: int, kinds: tuple[str, ...] = KINDS) -> list[tuple[str, str]]:
    """(kind, variant) for each kind that changes `text`, deterministic for a seed."""
    out = []
    for kind in kinds:
        variant = obfuscate(text, kind, seed)
        if variant != text:
            out.append((kind, variant))
    return out
