"""The vendor check's answer in plain words, in the reader's language, for the public check box
and the console's vendor-check page: a sentence per finding of the vendor check
(fraudwatch/services/vendor_check.py), a heading per verdict, field names.
Sentences are marked with `_l` for the catalogs and translated when shown."""
from __future__ import annotations

import re

from fraudwatch.indicators.official import authorities
from fraudwatch.web.i18n import catalog
from fraudwatch.web.i18n import mark as _l

_HAN = re.compile(r"[\u3400-\u9fff]")
VERDICTS = {
    "high_risk": _l("High risk: this looks like a scam"),
    "caution": _l("Be careful: check it through official channels before you act"),
    "no_known_risk": _l("Nothing known against it"),
    "official": _l("This is an official channel of a tax authority"),
}
FINDINGS = {
    "confirmed_fraud": _l("%(value)s is confirmed fraud (%(reports)s reports)."),
    "reported": _l("%(value)s has been reported %(reports)s times and is suspected."),
    "suspected": _l("%(value)s is suspected: a fraud list or a scam page names it."),
    "lookalike_of_official_domain": _l("%(value)s imitates the address of an official tax website."),
    "official_contact": _l("%(value)s is an official contact of a tax authority."),
    "classified_scam": _l("The message reads like a scam (scam score %(score)s)."),
    "classified_spam": _l("The message reads like advertising, not like a tax scam."),
    "classified_legit": _l("The message reads like an ordinary message; no scam signs were found in its words."),
}
FIELDS = {
    "message_text": _l("message"), "url": _l("link"), "domain": _l("website"), "phone": _l("phone number"),
    "email": _l("e-mail address"), "company": _l("company name"), "bank_account": _l("bank account"),
    "uscc": _l("credit code"),
}


def verdict_heading(verdict: str) -> str:
    """The answer's heading."""
    return catalog().ugettext(VERDICTS.get(verdict, VERDICTS["no_known_risk"]))


def field_label(field: str) -> str:
    """What the visitor pasted was taken for this."""
    return catalog().ugettext(FIELDS[field]) if field in FIELDS else field


def finding_sentence(reason: dict) -> str | None:
    """A reason of the vendor check as a sentence (None: not one the public is shown, such as a
    bank account's checksum)."""
    sentence = FINDINGS.get(reason.get("finding", ""))
    if sentence is None:
        return None
    lookup = reason.get("lookup") or {}
    classifier = reason.get("classifier") or {}
    score = classifier.get("scam_score")
    values = {"value": lookup.get("display", ""), "reports": lookup.get("reports", 0),
              "score": f"{score:.2f}" if isinstance(score, (int, float)) else "?"}
    return catalog().ugettext(sentence) % values


def channel_name(channels: dict, locale: str) -> str:
    """The impersonated authority's name in the visitor's language."""
    name = channels.get("name_zh") if locale == "zh" else channels.get("name_en")
    return name or channels.get("name_en") or channels.get("name_zh") or channels.get("authority", "")


def authority_name(code: str, locale: str) -> str:
    """An authority's name by its code (CN-STA, US-IRS...) in the visitor's language."""
    names = authorities().get(code, {})
    return channel_name({"authority": code, **names}, locale)


def text_language(text: str) -> str:
    """The `lang` of an example: zh-CN when it has Chinese characters, else en."""
    return "zh-CN" if _HAN.search(text) else "en"
