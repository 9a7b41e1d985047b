# ruff: noqa: E501 - the page texts are sentences, kept whole for the translators
"""What the public site says about each scam pattern (services/publishing.PATTERNS): how it
works, how to tell, what to do. Written for the project from the public warnings of the tax
authorities (国家税务总局 and its 12366 service, IRS, HMRC, ATO, CRA: see the README's
"Scam pattern pages" section); messages marked with `_l` and translated when shown."""
from __future__ import annotations

from dataclasses import dataclass

from fraudwatch.web.i18n import gettext
from fraudwatch.web.i18n import mark as _l


@dataclass(frozen=True)
class PatternText:
    """A pattern page's words (message ids of the catalogs)."""

    title: str
    summary: str
    how: tuple[str, ...]
    tell: tuple[str, ...]
    act: tuple[str, ...]
    authorities: tuple[str, ...] = ("CN-STA",)  # whose official channels the page names


TEXTS = {
    "tax-refund": PatternText(
        _l("“Tax refund waiting” messages"),
        _l("An SMS or e-mail says a tax refund or individual income tax rebate is waiting and must be claimed today through a link."),
        (_l("The message names the tax bureau or 12366 and an exact amount, to look official."),
         _l("The link leads to a copy of the e-tax bureau that asks for your ID number, bank card, password and the code sent to your phone."),
         _l("With the code, the fraudsters take money from the card instead of paying anything in.")),
        (_l("Refunds are claimed only in the official Individual Income Tax app or on the official e-tax site that you open yourself."),
         _l("A tax office never sends a link to claim a refund, and never asks for a card password or a verification code."),
         _l("The address is not on gov.cn, or only looks like it (chinatax-gov.top, etax-refund.cn).")),
        (_l("Do not open the link; if you did, do not type anything more."),
         _l("If you gave card details or a code, call your bank at once to freeze the card, then report it to the police (110)."),
         _l("Check whether a refund is really due in the official app or by calling 12366 yourself."))),
    "fake-tax-portal": PatternText(
        _l("Fake e-tax bureau and 12366 pages"),
        _l("A site that copies the look of the e-tax bureau, 12366 or a provincial tax site to collect accounts, passwords and card numbers."),
        (_l("Links in messages, search adverts or QR codes lead to a lookalike address."),
         _l("The page asks you to “verify”, “upgrade” or “unlock” your tax account and to enter your password, ID and bank card."),
         _l("What you type goes to the fraudsters, who then sign in as you or empty the card.")),
        (_l("Official tax sites end in gov.cn (chinatax.gov.cn and the provincial etax sites); check the address before typing anything."),
         _l("The real e-tax bureau never asks for a bank card password or a phone code to “verify” an account."),
         _l("A page that pushes you to act within minutes, or shows a countdown, is not a tax office.")),
        (_l("Close the page and open the official site by typing its address, or use the official app."),
         _l("If you typed your password, change it on the official site and tell your tax office through 12366."),
         _l("Report the address here so that others are warned."))),
    "invoice-plugin": PatternText(
        _l("Fake invoice-verification plug-ins"),
        _l("Companies are told to install an “invoice verification plug-in” or “tax control software” that is really malware or a fee trap."),
        (_l("An e-mail or chat message says a new plug-in is required to check or issue invoices, with a download link or a file attached."),
         _l("The program takes over the computer, steals banking and tax credentials, or asks for a “service fee”.")),
        (_l("Invoices are checked on the official national invoice verification platform; no plug-in from an e-mail is needed."),
         _l("Tax software updates come from the official site or your tax office, never from a link in a message."),
         _l("Files ending in .exe, .apk or .zip sent by “the tax office” are a warning sign.")),
        (_l("Do not open the file; have your IT staff check any computer that ran it and change the passwords used on it."),
         _l("Confirm any software requirement with your tax office through 12366."))),
    "system-fee": PatternText(
        _l("Fees to build or maintain a “tax system”"),
        _l("A company is asked to pay for building, upgrading or maintaining a tax system, a tax-control device or an “invoice system”, often in the tax bureau's name."),
        (_l("A caller or letter claims a new tax system is mandatory and a construction, annual maintenance or upgrade fee is due."),
         _l("Payment is asked for to a personal account or an unknown company, sometimes with a fake notice or a stamped contract.")),
        (_l("Tax authorities do not charge companies to build, upgrade or maintain a tax system, and never ask for payment to a personal account."),
         _l("The caller cannot be reached through the tax office's published numbers."),
         _l("The vendor's company name, domain or phone number is new, or has been reported before: check it here.")),
        (_l("Do not pay; ask your tax office through 12366 whether any such fee exists."),
         _l("Check the vendor with fraudwatch's vendor check before signing anything."))),
    "audit-threat": PatternText(
        _l("Tax audit and “abnormal tax status” threats"),
        _l("A message claims your tax status is abnormal or that an audit (税务稽查) has found problems, and demands a call or payment today."),
        (_l("The message threatens penalties, a frozen account or a criminal case unless you call a mobile number or click a link."),
         _l("The “officer” then asks for a deposit, a “guarantee” payment or your bank details to “clear” the case.")),
        (_l("An “audit” that must be settled today by calling a mobile number is a threat, not a tax procedure."),
         _l("Real audits come with a written notice from your tax office, and fines are never paid to a personal account."),
         _l("A tax office does not use a mobile number or a chat app to demand payment.")),
        (_l("Hang up or ignore the message; call 12366 or your tax office yourself to check your status."),
         _l("If you paid, report it to the police (110) with the payment records."))),
    "subsidy-lure": PatternText(
        _l("Subsidy and allowance lures"),
        _l("A message offers a subsidy, allowance or tax relief payment in the name of a tax or government office, to be claimed through a link or a chat group."),
        (_l("The lure names a real policy (a job or social-security subsidy, a tax relief) and a short deadline."),
         _l("The claim form asks for your card number and the code sent to your phone, or for a “processing fee”.")),
        (_l("Subsidies are applied for through official government sites and apps, never through a link in an SMS."),
         _l("Nobody who pays you money needs your card password or a verification code.")),
        (_l("Do not open the link or join the group; check the policy on the official government site."),
         _l("If you gave card details, call your bank at once."))),
    "invoice-selling": PatternText(
        _l("Offers to sell invoices"),
        _l("Messages offering to “issue” or sell VAT invoices (代开发票): buying them is illegal, and the invoices are often fake."),
        (_l("The seller offers invoices for any amount and industry, for a percentage, through a phone number or chat account."),),
        (_l("Only your tax office or the official e-tax bureau issues invoices; nobody may sell them."),),
        (_l("Do not answer; report the message here."),)),
    "overseas-tax-lures": PatternText(
        _l("Lures in the name of foreign tax agencies (IRS, HMRC, ATO, CRA...)"),
        _l("Messages in the name of a tax agency abroad promise a refund or threaten arrest, and ask for card details or payment in gift cards or crypto."),
        (_l("The message copies the agency's name and logo and links to a lookalike site."),
         _l("Calls claim you owe tax and will be arrested or deported unless you pay at once.")),
        (_l("These agencies do not ask for card details by SMS or e-mail and do not take payment in gift cards or crypto."),
         _l("Their sites are on their own government domains (irs.gov, gov.uk, ato.gov.au, canada.ca)."),
         _l("Threats of arrest and demands to pay today are the mark of a scam.")),
        (_l("Do not click or call back; sign in to the agency's official site yourself to check."),
         _l("Forward the message to the agency's official reporting address listed on its site.")),
        authorities=("US-IRS", "UK-HMRC", "AU-ATO", "CA-CRA")),
    "other-tax-scams": PatternText(
        _l("Other tax scams"),
        _l("Other scams that use the name of a tax office or tax service: confirmed reports that fit none of the patterns above."),
        (_l("Fraudsters borrow the authority of tax offices to make any request look urgent and official."),),
        (_l("Tax authorities never ask for bank card numbers, passwords or verification codes by SMS or e-mail."),),
        (_l("Check through official channels you find yourself: 12366, the official app or site."),)),
}


def pattern_title(slug: str | None) -> str:
    """A pattern's title in this request's language (the slug itself when unknown, "" for None)."""
    if slug is None:
        return ""
    text = TEXTS.get(slug)
    return gettext(text.title) if text is not None else slug
