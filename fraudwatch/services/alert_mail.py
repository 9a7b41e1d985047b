"""The e-mail of an alert (or of a test), in the owner's language: subject, plain text and
HTML with every value escaped (an entry's label or a reported domain may hold markup).
Links in it are written defanged (hxxp, [.]) so that no mail client makes them clickable."""
from __future__ import annotations

import html

TEXTS = {
    "zh": {
        "subject": "fraudwatch 监控提醒：{value}",
        "test_subject": "fraudwatch 测试消息",
        "test": "这是一条来自 fraudwatch 的测试消息：此渠道将接收监控名单提醒。",
        "intro": "您监控的{kind}“{value}”出现了新情况。",
        "reason": "原因", "subject_label": "涉及", "label": "备注", "how": "说明",
        "reasons": {"match": "在举报或情报中出现", "lookalike": "出现仿冒域名", "mention": "在举报中被提及",
                    "confirmed": "相关线索已被确认为诈骗"},
        "kinds": {"domain": "域名", "brand": "品牌", "company": "公司名称", "phone": "电话号码"},
        "footer": "请登录 fraudwatch 控制台查看监控名单与提醒记录。",
    },
    "en": {
        "subject": "fraudwatch watch alert: {value}",
        "test_subject": "fraudwatch test message",
        "test": "A test message from fraudwatch: this channel receives watch-list alerts.",
        "intro": "Something new concerns the {kind} \"{value}\" on your watch list.",
        "reason": "Reason", "subject_label": "Concerns", "label": "Label", "how": "How",
        "reasons": {"match": "named in a report or feed", "lookalike": "a lookalike domain appeared",
                    "mention": "mentioned in a report", "confirmed": "confirmed as fraud"},
        "kinds": {"domain": "domain", "brand": "brand", "company": "company name", "phone": "phone number"},
        "footer": "Sign in to the fraudwatch console to see your watch list and alerts.",
    },
}


def defang(text: str) -> str:
    """hxxp and [.] instead of http and dots: nothing in the mail is a link."""
    return text.replace("http", "hxxp").replace(".", "[.]")


def render(document: dict, language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a delivery's document."""
    t = TEXTS["en" if language == "en" else "zh"]
    if document.get("event") == "test":
        return t["test_subject"], t["test"] + "\n", f"<p>{html.escape(t['test'])}</p>"
    entry, subject = document.get("entry") or {}, document.get("subject") or {}
    value = defang(str(entry.get("value") or ""))
    kind = t["kinds"].get(entry.get("kind"), str(entry.get("kind")))
    detail = document.get("detail") or {}
    what = defang(str(detail.get("domain") or subject.get("value") or ""))
    rows = [(t["reason"], t["reasons"].get(document.get("reason"), str(document.get("reason")))),
            (t["subject_label"], what)]
    if detail.get("how"):
        rows.append((t["how"], str(detail["how"])))
    if entry.get("label"):
        rows.append((t["label"], str(entry["label"])))
    intro = t["intro"].format(kind=kind, value=value)
    text = "\n".join([intro, ""] + [f"{k}: {v}" for k, v in rows] + ["", t["footer"]]) + "\n"
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    page = (f"<p>{html.escape(intro)}</p><table>{body}</table><p>{html.escape(t['footer'])}</p>")
    return t["subject"].format(value=value)[:200], text, page
