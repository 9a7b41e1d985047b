"""The spaCy side of signal extraction: blank `zh`/`en` pipelines with rule components.

- Tokenizer (`FraudTokenizer`): URLs and e-mails are found first and kept as single
  tokens; then one token per Chinese character, per run of alphabetic letters/digits,
  per other character; a single space after a token is its whitespace, any other
  whitespace run is a token of its own.
- `fw_links`: marks the URL/e-mail tokens and judges their hosts (official, lookalike,
  shortener, IP host, risky TLD).
- `fw_phrases`: a PhraseMatcher (attr LOWER) over the whole lexicon; at each start token
  only the longest phrase is kept (the same rule as the fast regex path).
- `fw_entities`: money, deadlines, card numbers, phones (with official hotlines) and
  sender tags, by the shared regexes, aligned to tokens.
- `fw_authorities`: authorities named in the text, by the registry's matcher
  (`classifiers.authorities`), outside the URL/e-mail tokens.
All signals end up in `doc.spans["signals"]`, labelled with the signal name (and
`name:AUTHORITY` where a link, hotline or mention names an authority).
"""
from __future__ import annotations

import functools

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from classifiers.authorities import authority_spans
from classifiers.features import language
from classifiers.patterns import TOKEN_RE, Span, find_entities, find_links
from classifiers.signals import (
    entity_signals,
    lexicon_index,
    link_signals,
    lower,
    phrase_signals,
    quoted_lure,
    sort_spans,
)

SPAN_KEY = "signals"


class FraudTokenizer:
    """Tokenizer shared by the zh and en pipelines (see the module docstring)."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        links = find_links(lower(text))
        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for span in links:
            self._add_gap(text[pos:span.start], words, spaces)
            words.append(text[span.start:span.end])
            spaces.append(False)
            pos = span.end
        self._add_gap(text[pos:], words, spaces)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data["fw_links"] = links
        return doc

    @staticmethod
    def _add_gap(gap: str, words: list[str], spaces: list[bool]) -> None:
        for token in TOKEN_RE.findall(gap):
            if token == " " and words and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(token)
                spaces.append(False)


def _add(doc: Doc, spans: list[Span]) -> None:
    group = doc.spans.setdefault(SPAN_KEY, [])
    for span in spans:
        found = doc.char_span(span.start, span.end, alignment_mode="expand")
        if found is None:
            continue
        label = span.name + (f":{span.detail}" if span.detail else "")
        group.append(SpacySpan(doc, found.start, found.end, label=label))


@Language.component("fw_links")
def links_component(doc: Doc) -> Doc:
    """Mark URL/e-mail tokens and their judgement."""
    links = doc.user_data.get("fw_links") or find_links(lower(doc.text))
    _add(doc, link_signals(lower(doc.text), links))
    return doc


@Language.factory("fw_phrases")
def make_phrases(nlp: Language, name: str) -> PhraseComponent:
    """PhraseMatcher over the lexicon."""
    return PhraseComponent(nlp)


class PhraseComponent:
    """Longest lexicon phrase at each start token."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for key, phrase in lexicon_index()[2].items():
            self.matcher.add(key, [nlp.make_doc(phrase)])

    def __call__(self, doc: Doc) -> Doc:
        best: dict[int, tuple[int, str]] = {}
        strings = doc.vocab.strings
        for match_id, start, end in self.matcher(doc):
            if start not in best or end > best[start][0]:
                best[start] = (end, strings[match_id])
        matches = [(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), key) for s, (e, key) in best.items()]
        _add(doc, phrase_signals(matches))
        return doc


@Language.component("fw_entities")
def entities_component(doc: Doc) -> Doc:
    """Money, deadlines, cards, phones, hotlines and sender tags."""
    links = doc.user_data.get("fw_links") or []
    _add(doc, entity_signals(doc.text, find_entities(doc.text, links)))
    return doc


@Language.component("fw_authorities")
def authorities_component(doc: Doc) -> Doc:
    """Authorities named in the text (the registry's names, on token boundaries)."""
    links = doc.user_data.get("fw_links") or find_links(lower(doc.text))
    _add(doc, authority_spans(doc.text, links))
    return doc


@functools.lru_cache(maxsize=2)
def pipeline(lang: str = "zh") -> Language:
    """A blank spaCy pipeline for `lang` ("zh" or "en") with the signal components."""
    nlp = spacy.blank(lang) if lang == "en" else spacy.blank("zh", config={
        "nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.tokenizer = FraudTokenizer(nlp.vocab)
    for name in ("fw_links", "fw_phrases", "fw_entities", "fw_authorities"):
        nlp.add_pipe(name)
    return nlp


def doc_signals(norm: str) -> list[Span]:
    """Signals of a normalised text found by the spaCy pipeline, as Spans."""
    doc = pipeline(language(norm))(norm)
    out = []
    for span in doc.spans.get(SPAN_KEY, []):
        name, _, detail = span.label_.partition(":")
        out.append(Span(name, span.start_char, span.end_char, detail or None))
    return sort_spans(out + quoted_lure(norm, out))
