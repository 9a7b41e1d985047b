"""Human labels of the codes the pages show (report statuses, channels, sources, verdict
labels and categories, indicator types and lookup statuses, campaign kinds and statuses, audit
actions), in the request's language: one place for the console and the public site, so no page
prints a raw code. A code without a label (a new one, or a value from an older row) is shown
as it is, never hidden."""
from __future__ import annotations

from fraudwatch.web.i18n import gettext
from fraudwatch.web.i18n import mark as _l  # translated by `label` when shown (not a lazy string per cell)

REPORT_STATUS = {
    "new": _l("new"), "triaging": _l("triaging"), "needs_info": _l("needs more information"),
    "confirmed": _l("confirmed"), "dismissed": _l("dismissed"), "duplicate": _l("duplicate"),
}
CHANNEL = {
    "sms": _l("SMS"), "email": _l("e-mail"), "web": _l("website"), "phone_call": _l("phone call"),
    "im": _l("instant messaging"), "other": _l("other"),
}
SOURCE = {"public": _l("public"), "enterprise": _l("enterprise"), "import": _l("import")}
VERDICT = {"scam": _l("scam"), "spam": _l("spam"), "legit": _l("legitimate"), "spam_or_scam": _l("spam or scam")}
CATEGORY = {
    "refund_lure": _l("refund lure"), "fake_portal": _l("fake tax portal"), "audit_threat": _l("audit threat"),
    "fee_demand": _l("fee demand"), "invoice_selling": _l("invoice selling"), "subsidy_lure": _l("subsidy lure"),
    "credential_phish": _l("credential phishing"), "abnormal_status": _l("abnormal tax status"),
    "other_phishing": _l("other phishing"), "other_scam": _l("other scam"), "advertising": _l("advertising"),
    "none": _l("none"),
}
INDICATOR_TYPE = {
    "url": _l("URL"), "domain": _l("domain"), "phone": _l("phone number"), "email": _l("e-mail address"),
    "company": _l("company"), "bank_account": _l("bank account"),
}
LOOKUP_STATUS = {
    "suspected": _l("suspected"), "confirmed_fraud": _l("confirmed fraud"), "dismissed": _l("dismissed"),
    "official": _l("official"), "unknown": _l("unknown"), "delisted": _l("delisted on appeal"),
}
CAMPAIGN_KIND = {"indicator": _l("shared indicator"), "collector": _l("collecting domain"),
                 "text": _l("near-identical text")}
CAMPAIGN_STATUS = {"open": _l("open"), "confirmed": _l("confirmed"), "dismissed": _l("dismissed")}
ACTION = {"confirm": _l("confirm"), "dismiss": _l("dismiss"), "needs_info": _l("needs more information"),
          "assign": _l("assign")}
AUDIT_ACTION = {
    "login": _l("signed in"), "login_failed": _l("sign-in failed"), "login_throttled": _l("sign-in throttled"),
    "logout": _l("signed out"), "password_set": _l("password set"), "totp_set": _l("authenticator set"),
    "totp_cleared": _l("authenticator removed"), "user_create": _l("user created"), "user_role": _l("role changed"),
    "user_deactivate": _l("user deactivated"), "user_reactivate": _l("user reactivated"),
    "token_create": _l("API token created"), "token_revoke": _l("API token revoked"),
    "token_rotate": _l("API token rotated"), "model_promote": _l("model promoted"),
    "model_rollback": _l("model rolled back"), "report.status": _l("report status changed"),
    "report.assign": _l("report assigned"), "report.note": _l("note added"), "report.merge": _l("reports merged"),
    "report.bulk_confirm": _l("reports confirmed together"), "report.bulk_dismiss": _l("reports dismissed together"),
    "report.bulk_needs_info": _l("more information asked for reports together"),
    "report.bulk_assign": _l("reports assigned together"), "campaign.confirm": _l("campaign confirmed"),
    "campaign.dismiss": _l("campaign dismissed"), "campaign.reopen": _l("campaign reopened"),
    "erase_reporter": _l("reporter's data erased"), "backup_restored": _l("backup restored"),
}
KINDS = {
    "status": REPORT_STATUS, "channel": CHANNEL, "source": SOURCE, "verdict": VERDICT, "category": CATEGORY,
    "indicator_type": INDICATOR_TYPE, "lookup_status": LOOKUP_STATUS, "campaign_kind": CAMPAIGN_KIND,
    "campaign_status": CAMPAIGN_STATUS, "action": ACTION, "audit_action": AUDIT_ACTION,
}


def label(kind: str, code: object) -> str:
    """The label of `code` among the `kind` codes (a key of KINDS) in this request's language;
    the code itself when it has none, "" for None."""
    if code is None:
        return ""
    found = KINDS[kind].get(code) if isinstance(code, str) else None
    return gettext(found) if found is not None else str(code)
