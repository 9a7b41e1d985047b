"""The enterprise vendor check: one verdict on a vendor from what it sent and who it says it is.

A company asked for money (say, a "tax system construction fee") gives the vendor's name,
unified social credit code (USCC), domain or URL, phone, e-mail, bank account and the
message it received. Each field is looked up by the lookup service (reports, confirmed
fraud, lookalikes of official domains, official contacts) and the message is judged by the
classifier, with the links, phones and e-mails written in it looked up too; nothing here
re-implements either, and nothing is stored. The verdict rules (also in the README, "Vendor
check", and the endpoint's description):

- `high_risk`: an indicator is `confirmed_fraud`; or the message is a scam with a
  scam_score >= HIGH_SCORE; or caution-level findings about two or more different things
  (a domain and an address or link on it count once, as does a phone given in a field and
  written in the message);
- `caution`: an indicator is `suspected` (reported, listed by a feed, a lookalike of an
  official domain); or the message is a scam or in the `fee_demand` category;
- `no_known_risk`: none of these. It says nothing in fraudwatch's records matches, not that
  the vendor is safe: `checked` lists what was looked at.

The USCC checksum (GB 32100-2015) is checked by the request model; a bank account's Luhn
check applies to 16-19 digit card numbers only and never refuses a corporate account.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import phonenumbers
from flask import current_app

from fraudwatch.exceptions import Invalid
from fraudwatch.indicators import indicators_in_text, registrable_domain
from fraudwatch.indicators.official import authorities, load_official, official_domains
from fraudwatch.services import model_registry
from fraudwatch.services.lookup import lookup_many

HIGH_SCORE = 0.8
LEVELS = ("high_risk", "caution", "info", "ok")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LOOKUP_FIELDS = ("company", "domain", "url", "phone", "email", "bank_account")
MAX_FROM_TEXT = 10  # indicators of the message looked up
DEFAULT_AUTHORITY = "CN-STA"


def uscc_error(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return f"must be 18 characters (got {len(code)})"
    bad = sorted({c for c in code if c not in USCC_CHARS})
    if bad:
        return "may hold only digits and the letters " + USCC_CHARS[10:] + f" (got {''.join(bad)[:10]!r})"
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    expected = USCC_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return "has a wrong check character (GB 32100-2015): not a valid unified social credit code"
    return None


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (bank card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def bank_checksum(account: str) -> tuple[str, str]:
    """(result, detail) of the checksum that applies to a bank account number, if any."""
    digits = "".join(c for c in account if c.isdigit())
    if digits != "".join(c for c in account if not c.isspace() and c != "-") or not 16 <= len(digits) <= 19:
        return "not_applicable", ("checksum not applicable: only 16-19 digit bank card numbers have one (Luhn); "
                                  "corporate account numbers have no public checksum")
    if luhn_ok(digits):
        return "luhn_valid", "passes the Luhn check of bank card numbers: it may be a personal bank card"
    return "luhn_failed", ("does not pass the Luhn check: not a bank card number (a corporate account number "
                           "has no public checksum, so this is not an error)")


def check_vendor(fields: dict[str, str], *, officer: bool = False) -> dict:
    """The verdict, reasons, what was checked and advice for the given fields (already validated)."""
    region = current_app.config["PHONE_REGION"]
    text = fields.get("message_text")
    pairs = [(name, fields[name]) for name in LOOKUP_FIELDS if fields.get(name)]
    extracted = [(n.type, n.value) for n in indicators_in_text(text, region)][:MAX_FROM_TEXT] if text else []
    answers = lookup_many(pairs + extracted, officer=officer)
    bad = {name: answer["error"]["message"] for (name, _), answer in zip(pairs, answers) if "error" in answer}
    if bad:
        raise Invalid("; ".join(f"{k}: {v}" for k, v in bad.items()), fields=bad)
    reasons: list[dict] = []
    checked: list[dict] = []
    for (name, _), answer in zip(pairs, answers):
        reasons.extend(_lookup_reasons(name, answer))
        checked.append(_lookup_checked(name, answer))
        if name == "bank_account":
            result, detail = bank_checksum(fields[name])
            reasons.append({"field": name, "level": "info", "finding": f"checksum_{result}", "detail": detail})
            checked[-1]["checks"].append(detail)
    for answer in answers[len(pairs):]:
        reasons.extend(r for r in _lookup_reasons("message_text", answer) if r["level"] != "ok")
    if fields.get("uscc"):
        checked.append({"field": "uscc", "checks": [
            "check character valid (GB 32100-2015)",
            "registration not verified here: look it up at 国家企业信用信息公示系统 www.gsxt.gov.cn"]})
    verdict = _message(text, len(extracted), reasons, checked) if text else None
    overall = overall_verdict(reasons)
    reasons.sort(key=lambda r: LEVELS.index(r["level"]))
    authority = _authority(answers, verdict)
    return {"verdict": overall, "reasons": reasons, "checked": checked,
            "advice": advice(overall, authority, fee=bool(verdict and verdict["category"] == "fee_demand")),
            "official_channels": official_channels(authority)}


def overall_verdict(reasons: list[dict]) -> str:
    """high_risk, caution or no_known_risk from the reasons (the rules in the module docstring)."""
    if any(r["level"] == "high_risk" for r in reasons):
        return "high_risk"
    cautious = {_subject(r) for r in reasons if r["level"] == "caution"}
    if len(cautious) >= 2:
        return "high_risk"
    return "caution" if cautious else "no_known_risk"


def _subject(reason: dict) -> str:
    """What a finding is about: the registrable domain of a domain, URL or e-mail (a domain and an
    address on it are one finding, not two), the indicator (a phone given and written in the
    message is one), else the field."""
    lookup = reason.get("lookup")
    if not lookup:
        return reason["field"]
    kind, value = lookup["type"], lookup["value"]
    host = {"domain": value, "url": urlsplit(value).hostname, "email": value.rpartition("@")[2]}.get(kind)
    return f"domain:{registrable_domain(host)}" if host else f"{kind}:{value}"


def _lookup_reasons(name: str, answer: dict) -> list[dict]:
    status = answer["status"]
    base = {"field": name, "lookup": answer}
    out = []
    for entry in answer["evidence"]:
        if entry["kind"] == "lookalike":
            out.append({**base, "level": "caution", "finding": "lookalike_of_official_domain",
                        "detail": f"{answer['display']}: {entry['detail']}"})
    if status == "confirmed_fraud":
        out.append({**base, "level": "high_risk", "finding": "confirmed_fraud",
                    "detail": f"{answer['display']} is confirmed fraud ({answer['reports']} report(s))"})
    elif status == "suspected" and answer["reports"]:
        out.append({**base, "level": "caution", "finding": "reported",
                    "detail": f"{answer['display']} was reported {answer['reports']} time(s), status suspected"})
    elif status == "suspected" and not out:
        out.append({**base, "level": "caution", "finding": "suspected",
                    "detail": f"{answer['display']} is suspected: " + "; ".join(e["detail"] for e in
                                                                                 answer["evidence"][:3])})
    elif status == "official":
        out.append({**base, "level": "ok", "finding": "official_contact",
                    "detail": f"{answer['display']} is an official contact of {answer['authority']}"})
    return out


def _lookup_checked(name: str, answer: dict) -> dict:
    kind = answer["type"]
    checks = [f"reports and confirmed fraud in fraudwatch's records: {answer['reports']} report(s), "
              f"status {answer['status']}"]
    if kind in ("domain", "url", "email"):
        listed = "listed" if answer["status"] == "official" else "not listed"
        lookalike = any(e["kind"] == "lookalike" for e in answer["evidence"])
        checks.append(f"official tax authority domains: {listed}")
        checks.append("lookalike rules against the official domains: " + ("a lookalike" if lookalike else "no match"))
    if kind == "phone":
        checks.append("official tax hotlines: " + ("one" if answer["status"] == "official" else "not one"))
    return {"field": name, "value": answer["display"], "status": answer["status"], "checks": checks}


def _message(text: str, looked_up: int, reasons: list[dict], checked: list[dict]) -> dict | None:
    """The classifier's verdict on the message, added to the reasons and checks."""
    classifier = model_registry.get_classifier()
    if classifier is None:
        checked.append({"field": "message_text", "checks": ["not classified: no classifier model is installed"]})
        return None
    verdict = classifier.classify_many([text])[0]
    summary = {k: verdict[k] for k in ("label", "scam_score", "tax_impersonation", "authority", "category",
                                       "model_version")}
    summary["signals"] = sorted({s["name"] for s in verdict["signals"]})
    label, score, category = verdict["label"], verdict["scam_score"], verdict["category"]
    level = "ok"
    if label == "scam" and score >= HIGH_SCORE:
        level = "high_risk"
    elif label == "scam" or category == "fee_demand":
        level = "caution"
    elif label == "spam":
        level = "info"
    reasons.append({"field": "message_text", "level": level, "finding": f"classified_{label}", "classifier": summary,
                    "detail": f"the classifier judges the message {label} (scam score {score:.2f}, category "
                              f"{category}" + (f", impersonating {verdict['authority']})" if
                                               verdict["tax_impersonation"] else ")")})
    checked.append({"field": "message_text", "checks": [
        f"classifier model {verdict['model_version']}: {label}, scam score {score:.2f}",
        f"links, phones and e-mails in the text looked up: {looked_up}"]})
    return verdict


def _authority(answers: list[dict], verdict: dict | None) -> str:
    """The authority the vendor poses as: the classifier's, else a lookalike's, else CN-STA."""
    if verdict and verdict.get("authority") in authorities():
        return verdict["authority"]
    for answer in answers:
        if answer.get("authority") in authorities():
            return answer["authority"]
    return DEFAULT_AUTHORITY


def official_channels(authority: str) -> dict:
    """The authority's names, hotlines and (a few, shortest first) official domains, from the data."""
    names = authorities().get(authority, {})
    domains = sorted((d for d, a in official_domains() if a == authority), key=lambda d: (len(d), d))[:5]
    hotlines = sorted(_dialled(n) for n, a in load_official().hotlines.items() if a == authority)
    return {"authority": authority, "name_zh": names.get("name_zh"), "name_en": names.get("name_en"),
            "hotlines": hotlines, "domains": domains}


def _dialled(number: str) -> str:
    """A hotline as people dial it: 12366 in China, +1 800-829-1040 elsewhere."""
    parsed = phonenumbers.parse(number)
    if parsed.country_code == 86:
        return str(parsed.national_number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def advice(verdict: str, authority: str, *, fee: bool) -> dict[str, list[str]]:
    """What to do, in zh and en."""
    channels = official_channels(authority)
    where = ", ".join(channels["domains"][:3])
    phones = ", ".join(channels["hotlines"][:3]) or "12366"
    zh = ["税务机关不会向企业收取建设或升级税务系统的费用，也不会要求向个人账户或第三方账户付款。",
          f"请自行拨打官方热线（{phones}）或直接访问官方网站（{where}）核实，不要使用对方提供的电话或链接。"]
    en = ["Tax authorities never charge companies to build or upgrade a tax system, nor ask for payment to a "
          "personal or third-party account.",
          f"Verify by calling the official hotline yourself ({phones}) or by typing the official site "
          f"({where}); do not use the phone numbers or links you were given."]
    if verdict == "high_risk":
        zh.insert(0, "高风险：请勿付款或提供任何账号、验证码；如已付款，请立即联系银行并报警（110）。")
        en.insert(0, "High risk: do not pay or give any account details or codes; if you paid, call your bank and "
                     "the police now.")
    elif verdict == "caution":
        zh.insert(0, "请谨慎：付款前务必通过官方渠道核实。")
        en.insert(0, "Caution: verify through the official channels before paying anything.")
    else:
        zh.append("未发现已知风险仅表示 fraudwatch 的记录中没有匹配项，并不证明对方可信。")
        en.append("No known risk only means nothing in fraudwatch's records matches; it does not prove the sender "
                  "is genuine.")
    if fee:
        zh.insert(1, "该消息要求支付费用：这是冒充税务机关诈骗的典型特征。")
        en.insert(1, "The message asks for a fee: a typical sign of scams impersonating tax authorities.")
    return {"zh": zh, "en": en}
