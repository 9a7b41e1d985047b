"""What a page's text is written in: its language, and words spelt with look-alike letters.

`text_language` tells the languages the text classifier was trained on (zh, en) from the
others by the text itself, whatever the page declares: a kit's `<html lang="en">` often
sits over German or French text, and the model's vote means nothing there.
`mixed_script_words` counts words mixing Latin letters with Greek or Cyrillic look-alikes
("HΜRC" with a Greek capital mu, "Οnline" with a Greek omicron): kits write them so that
keyword filters miss the brand; no ordinary page needs one. `fold_confusables` spells such
words in Latin again, and leaves words written wholly in Greek or Cyrillic alone (the
Ukrainian "АТО" is not the Australian Taxation Office).
All three are linear in the text and read a bounded prefix of it.
"""
from __future__ import annotations

import re

SAMPLE = 5000  # characters read to tell the language
MIXED_SAMPLE = 50_000  # characters searched for mixed words
# Greek and Cyrillic letters drawn like Latin ones (lower and upper case).
_LOOKALIKES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "һ": "h", "ӏ": "l", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ϲ": "c", "υ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}
_FOLD = str.maketrans(_LOOKALIKES)
_LOOKALIKE_SET = frozenset(_LOOKALIKES)
_LOOKALIKE = re.compile("[" + "".join(_LOOKALIKES) + "]")
_WORD = re.compile(r"[^\W\d_]+")  # one match per word: linear (a "word containing X" pattern is not)
# The most frequent English words; about one word in three of running English text is one.
_ENGLISH = frozenset({
    "the", "of", "and", "to", "a", "in", "is", "you", "your", "for", "on", "that", "it", "with", "are", "be",
    "this", "as", "at", "by", "or", "from", "not", "we", "our", "an", "have", "has", "will", "can", "if", "all",
    "more", "my", "me", "i", "was", "were", "use", "sign", "log", "account", "please", "here", "about", "new",
    "who", "what", "how", "when", "which", "their", "they", "us", "any", "do", "no", "get", "out", "up", "one"})
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
ENGLISH_SHARE = 0.15  # share of frequent English words from which Latin text is English
MIN_WORDS = 6


def _mixed(word: str) -> bool:
    return not word.isascii() and any(ch.isascii() for ch in word) and any(ch in _LOOKALIKE_SET for ch in word)


def fold_confusables(text: str) -> str:
    """`text` with every word that mixes Latin and look-alike letters spelt in Latin."""
    if text.isascii() or not _LOOKALIKE.search(text):
        return text
    return _WORD.sub(lambda m: m.group(0).translate(_FOLD) if _mixed(m.group(0)) else m.group(0), text)


def mixed_script_words(text: str, limit: int = 1000) -> int:
    """How many distinct words of the text mix Latin letters with look-alike ones."""
    sample = text[:MIXED_SAMPLE]
    if sample.isascii() or not _LOOKALIKE.search(sample):
        return 0
    found: set[str] = set()
    for m in _WORD.finditer(sample):
        if _mixed(m.group(0)):
            found.add(m.group(0))
            if len(found) >= limit:
                break
    return len(found)


def text_language(text: str) -> str:
    """zh, ja, ko or en from the text itself; "other" for any other language written in
    words; "und" when there is too little text to say."""
    sample = text[:SAMPLE]
    ideographs = len(_IDEOGRAPH.findall(sample))
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    words = _LATIN_WORD.findall(sample.lower())
    if kana >= 10 and kana * 5 >= ideographs:
        return "ja"
    if hangul >= 10 and hangul >= ideographs:
        return "ko"
    if ideographs >= 10 and ideographs * 3 >= sum(len(w) for w in words):
        return "zh"
    letters = sum(ch.isalpha() for ch in sample)
    if len(words) >= MIN_WORDS and sum(len(w) for w in words) * 2 >= letters:
        english = sum(w in _ENGLISH for w in words)
        return "en" if english >= ENGLISH_SHARE * len(words) else "other"
    return "other" if letters >= 40 else "und"
