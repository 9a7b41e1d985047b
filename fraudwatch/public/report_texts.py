"""The report form's texts (public/report.py), marked for the catalogs: the channels, the
fields' labels and hints, why a post was refused and a report's status in plain words."""
from __future__ import annotations

from fraudwatch.web.i18n import mark as _l

REFUSALS = {  # why a post was refused, as the visitor reads it
    "token": _l(
        "This form has expired or was already sent. Nothing was stored: check what you wrote and send it again."),
    "limit": _l(
        "Too many reports from your network in a short time. Nothing was stored: wait a while and send it again."),
    "busy": _l("The report could not be stored just now. Nothing was stored: please send it again in a moment."),
    "invalid": _l("Some fields need your attention; see the notes below."),
    "too_large": _l("The screenshot is larger than 5 MB. Send a smaller one, or none."),
}
FIELD_ERRORS = {  # a field's problem, as the visitor reads it
    "required": _l("Write what you received, the sender or the address, or add a screenshot."),
    "not_an_image": _l("Send a PNG or JPEG picture."),
    "too_many_pixels": _l("This picture has too many pixels; send a smaller screenshot."),
    "unreadable": _l("This picture could not be read; send another screenshot."),
    "too_large": _l("The screenshot is larger than 5 MB. Send a smaller one, or none."),
    "unknown region": _l("Choose a province from the list."),
}
CHANNELS = {  # the chooser's links: what each channel is, and an example of it
    "sms": (_l("SMS"), _l("A text message, e.g. about a tax refund with a link")),
    "email": (_l("E-mail"), _l("An e-mail, e.g. with an “invoice” attachment or a login link")),
    "call": (_l("Phone call"), _l("A caller claiming to be from the tax office")),
    "web": (_l("Website"), _l("A site posing as the e-tax bureau, 12366 or another authority")),
    "chat": (_l("Chat app"), _l("A message in WeChat, QQ or another chat app")),
}
FIELD_LABELS = {  # a form field's label, and its hint where one helps
    "sender_phone": (_l("The sender's number"), _l("As shown on your phone, e.g. 106 or +86 numbers")),
    "caller_phone": (_l("The caller's number"), None),
    "sender_email": (_l("The sender's e-mail address"), None),
    "subject": (_l("Subject"), None),
    "site_url": (_l("The site's address"),
        _l("Copy it from the address bar or the message; it is never opened by your browser here")),
    "app": (_l("Chat app"), _l("e.g. WeChat, QQ, DingTalk")),
    "account": (_l("Their account name or number"), None),
    "details": (_l("Anything else we should know (optional)"), None),
    "region": (_l("Your province (optional)"), _l("Otherwise read off a mainland phone number where possible")),
    "contact": (_l("How we may contact you (optional)"),
        _l("Phone or e-mail, only for officers' questions; never shown publicly")),
}
MESSAGE_LABELS = {"sms": _l("The message text"), "email": _l("The e-mail's text"),
                  "phone_call": _l("What they said or asked for"), "web": _l("What the site asked for"),
                  "im": _l("What they wrote")}
STATE_TEXT = {  # a report's status as its reporter reads it: heading, then what it means
    "received": (_l("Received, waiting for review"), _l("Your report is waiting for an officer to review it.")),
    "reviewing": (_l("Being reviewed"), _l("An officer is looking at your report.")),
    "needs_info": (_l("Being reviewed"),
        _l("Officers need more information. If you left a contact, they may get in touch.")),
    "confirmed": (_l("Confirmed as a scam"),
        _l("Officers confirmed that this is a scam. Thank you: your report helps warn others.")),
    "dismissed": (_l("Not confirmed as a scam"),
        _l("Officers found no tax scam in this report. If you are still unsure, call 12366 yourself.")),
}
OTHER_FIELD_ERROR = _l("Please check this field.")
TOO_LONG = _l("This is too long.")
