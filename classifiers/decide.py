"""From head probabilities and signals to the output dict of one classification.

label: `flag` probability >= the stored threshold (`flag` for a message with a tax context,
`flag_other` for one without) -> flagged; then `scam` if the scam
head says so (>= 0.5) else `spam`. tax_impersonation: a scam that names a tax body
(a mention of a tax authority of the registry or of one of unknown code, a sender tag, a
lookalike link) or that the tax head says impersonates one; naming only a government portal
(GOV.UK, myGov) is not enough. authority: for a tax scam, the tax body named most among
mentions, links and hotlines (mentions are settled on the original text first: 國稅局 is
Taiwan's), a government portal standing for its country's tax administration (GOV.UK ->
UK-HMRC); naming none, the tax administration of the country the text shows (currency,
cities, IDs, programmes, international phone numbers), and for Chinese text CN-STA; null
when only a tax body of unknown code is named. For another scam, the government portal it
names, if any. category: the category head's best tag allowed for the label. explanation:
the inputs that pushed the flag head most towards the decision, with their contributions.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from classifiers.authorities import SIGNAL, by_original, is_national, is_tax_body, shown_tax_body, tax_body_of
from classifiers.normalize import MAX_TEXT_CHARS
from classifiers.patterns import Span
from classifiers.signals import to_dicts

SPAM_CATEGORIES = {"advertising", "invoice_selling"}
# Offering invoices for sale (代开发票) is illegal whatever the model thinks: such a message
# is at least spam/invoice_selling, unless it is a warning, news or an official notice.
INVOICE_OFFER = "invoice_offer"
NOT_AN_OFFER = {"never_ask", "narrative", "sender_tag_bureau", "url_official", "status_notice"}
TAX_SIGNALS = {SIGNAL, "sender_tag_bureau", "sender_tag_generic", "url_lookalike"}
# Signals whose detail names who the message speaks for.
VOTERS = TAX_SIGNALS | {"hotline_official", "url_official", "email_official", "email_lookalike"}
POSING = {SIGNAL, "url_lookalike", "email_lookalike", "url_official", "email_official"}  # what a non-tax scam poses as
EXPLAIN_TOP = 6


def impersonates_tax(spans: list[Span]) -> bool:
    """Whether the spans name a tax body: a tax signal with a tax authority's code, or with
    none (a tax body of unknown code, a sender tag); a government portal's code is not one."""
    return any(s.name in TAX_SIGNALS and is_tax_body(s.detail) for s in spans)


def authority_of(spans: list[Span], names: set[str] = frozenset(), tax: bool = True, norm: str = "") -> str | None:
    """For a tax scam: the tax body named most (ties: a national one, then the first named),
    a government portal standing for its country's tax administration; naming none, the
    tax administration of the country the text `norm` shows (currency, cities, IDs,
    programmes, international phone numbers; fraudwatch.indicators.mentions), and for
    Chinese text CN-STA; None when only a tax body of unknown code is named. For another
    scam: the government portal it poses as, if any."""
    votes: Counter = Counter()  # insertion order: the order in which codes are first named
    for s in spans:
        if s.detail and s.name in (VOTERS if tax else POSING) and (tax or not is_tax_body(s.detail)):
            votes[s.detail] += 1
    if not votes:
        if not tax or any(s.name == SIGNAL and s.detail is None for s in spans):
            return None
        shown = shown_tax_body(norm) if norm else None
        return shown or ("CN-STA" if any(name.startswith("zh|") for name in names) else None)
    order = {code: i for i, code in enumerate(votes)}
    best = max(votes, key=lambda code: (tax and is_tax_body(code), votes[code], is_national(code), -order[code]))
    return (tax_body_of(best) or best) if tax and not is_tax_body(best) else best


def category_of(label: str, ranked: list[int] | None, categories: list[str], names: set[str]) -> str:
    """The category tag allowed for the label (`ranked`: category indices, likeliest first)."""
    if label == "legit":
        return "none"
    if label == "spam" and INVOICE_OFFER in names:
        return "invoice_selling"
    allowed = SPAM_CATEGORIES if label == "spam" else set(categories) - SPAM_CATEGORIES - {"none"}
    if ranked is not None:
        for j in ranked:
            if categories[j] in allowed:
                return categories[j]
    if label == "spam":
        return "invoice_selling" if "invoice_selling" in names else "advertising"
    return "other_phishing" if names & {"url", "credential_request"} else "other_scam"


def explanations(X, w: np.ndarray, names: list[str], flagged: np.ndarray) -> list[list[dict]]:
    """Per row, the inputs (value x weight) that pushed most towards the decision, at most
    EXPLAIN_TOP, strongest first. Chosen by one sort of the batch's positive contributions
    (row, then strength); only the chosen ones become Python objects."""
    n = X.shape[0]
    sign = np.where(flagged, 1.0, -1.0)
    rows = np.repeat(np.arange(n), np.diff(X.indptr))
    toward = X.data * w[X.indices] * sign[rows]
    keep = np.flatnonzero(toward > 0)
    kept_rows = rows[keep]
    strength = toward[keep]
    # One sort key: the row, minus the strength scaled into [0, 1): rows stay apart.
    order = np.argsort(kept_rows - strength / (strength.max(initial=0.0) * (1 + 1e-9) + 1e-300), kind="stable")
    sorted_rows = kept_rows[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_rows, np.arange(n))[sorted_rows]
    chosen = keep[order[rank < EXPLAIN_TOP]]
    out: list[list[dict]] = [[] for _ in range(n)]
    weights = np.round(toward[chosen] * sign[rows[chosen]], 4).tolist()
    for row, col, weight in zip(rows[chosen].tolist(), X.indices[chosen].tolist(), weights):
        out[row].append({"feature": names[col], "weight": weight})
    return out


def unreadable(norm: str) -> bool:
    """True for binary junk: at least 20 characters, 30% or more of them replacement chars."""
    return len(norm) >= 20 and norm.count("\ufffd") >= 0.3 * len(norm)


def decide(model, raws: list[str], norms: list[str], offsets: list, spans: list[list[Span]],
           truncated: list[bool], scores: dict) -> list[dict]:
    """Output dicts for a batch (binary junk and empty text are `legit`, with a signal saying so)."""
    t_flag = model.thresholds.get("flag", 0.5)
    t_other = model.thresholds.get("flag_other", t_flag)  # messages without a tax context
    t_tax = model.thresholds.get("tax", 0.5)
    junk = np.array([unreadable(n) or not n for n in norms], dtype=bool)
    p_flags = np.where(junk, 0.0, scores["flag"]).astype(np.float64)
    p_scams = np.asarray(scores["scam"], dtype=np.float64) if "scam" in scores else np.ones(len(raws))
    bars = np.array([t_flag if "tax_context" in names else t_other for names in scores["names"]], dtype=np.float64)
    flagged = p_flags >= bars
    scam_scores = np.round(p_flags * p_scams, 4).tolist()
    spam_scores = np.round(p_flags * (1.0 - p_scams), 4).tolist()
    reasons = explanations(scores["X"], model.heads["flag"][0][0], model.names, flagged)
    ranked = np.argsort(-scores["category"], axis=1, kind="stable").tolist() if "category" in scores else None
    out = []
    for i, raw in enumerate(raws):
        label = ("scam" if p_scams[i] >= 0.5 else "spam") if flagged[i] else "legit"
        names = scores["names"][i]
        if label == "legit" and INVOICE_OFFER in names and not names & NOT_AN_OFFER:
            label, spam_scores[i] = "spam", max(spam_scores[i], 0.5)
        found = by_original(spans[i], raw, norms[i], offsets[i])
        tax = label == "scam" and (impersonates_tax(found) or
                                   ("tax" in scores and float(scores["tax"][i]) >= t_tax))
        result = {
            "label": label,
            "scam_score": scam_scores[i],
            "spam_score": spam_scores[i],
            "tax_impersonation": tax,
            "authority": authority_of(found, names, tax, norms[i]) if label == "scam" else None,
            "category": category_of(label, ranked[i] if ranked else None, model.categories, names),
            "signals": to_dicts(found, raw, offsets[i]),
            "explanation": reasons[i],
            "model_version": model.version,
            "truncated": truncated[i],
        }
        _note(result, raw, norms[i], junk[i], truncated[i])
        out.append(result)
    return out


def _note(result: dict, raw: str, norm: str, junk: bool, truncated: bool) -> None:
    """Add the `empty` / `unreadable` / `truncated` pseudo-signals."""
    if junk:
        result["signals"].append({"name": "unreadable" if norm else "empty", "text": "", "start": 0, "end": 0})
    if truncated:
        cut = min(len(raw), MAX_TEXT_CHARS)
        result["signals"].append({"name": "truncated", "text": "", "start": cut, "end": cut})
