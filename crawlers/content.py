"""What a page on a non-official domain shows and asks for, as phishing analysts read it.

- Dressing: a tax authority's name in the title, a logo or the site name (`brand_on_unofficial`;
  weaker on an article, which reports on the authority, weak when only the running text or
  the description names it);
  a known or report-ranked brand's name (crawlers/impersonation.py) as the title or site
  name, or on the logo, a heading or the form of a page that is little more than a form
  (`brand_mismatch`); short or common names ("DHL", "Orange") only where they stand alone;
  a brand no list names, by the name a credential page gives itself that its host's labels
  do not bear (`brand_host_mismatch`, crawlers/claimed.py).
  On a page that is little more than a form, a listed brand named as the owner in its
  copyright line ("© 2018 <brand>") is a claim too.
- Harvesting: a form asking for credentials on a page with almost no links (`lone_form`),
  and on a page dressed as someone else (`impersonation_form`); a card or ID form on a
  page whose running text names an authority or brand is one too, weaker; so is an
  identifier-first sign-in step (the account's e-mail or phone alone) dressed as someone
  else; a named document offered behind an e-mail and password form (`document_lure`).
- Copying: most of the text of an official page (crawlers/fingerprints.py); a saved copy of
  another site's page, whose canonical URL and name are that site's, served elsewhere with
  a sign-in or code form posting elsewhere than that site (`copied_site`).
- Evasion: words spelt with look-alike Greek or Cyrillic letters (crawlers/script.py).
- Programs offered for download.
Page shape decides what a name means: an article (many links, long text) naming HMRC in
its title reports on HMRC; a short page with a sign-in form and the HMRC logo poses as it.
"""
from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from urllib.parse import urlsplit

from crawlers.claimed import Claimed, consistent, mismatches, sign_in_names, whole_name
from crawlers.fingerprints import copied_from
from crawlers.impersonation import Claim, claims, stands_alone
from crawlers.page import Page
from crawlers.signal import Signal
from fraudwatch.indicators import registrable_domain
from fraudwatch.indicators.known import known_brand

FEW_LINKS = 20  # fewer distinct links than this: a dead end (real pages with forms had >= 28)
ARTICLE_TEXT = 1500  # characters of visible text from which a linked page is an article
MIXED_WORDS = 5  # words in look-alike letters from which a page hides what it says
MANY_MIXED = 20  # ... and from which that alone is suspicious (real pages: at most 3 of 1,061)
# A match starts only where no space precedes it, so a run of spaces is walked once (linear).
_TITLE_PARTS = re.compile(r"(?<!\s)\s*(?:[|·•»]|(?<=\s)[-–—:](?=\s)|:(?=\s))\s*")
DRESSED_AT = ("logo", "meta")
MAX_ALONE = 50  # logo alts (or site names) looked at for a short or common brand name
MAX_FORM_TEXTS = 10
MAX_DRESSED_TEXT = 3000  # characters of running text read for a brand named around a card or ID form
MAX_SIGN_IN = 500
_SIGN_IN = re.compile(r"log.?in|sign.?in|log on|connexion|se connecter|identifi|anmeld|einloggen|iniciar sesi|"
                      r"acceder|accedi|entrar|登录|登錄|ログイン|로그인", re.I)
MAX_LOGOS = 2  # the site's own logo comes first; later ones are partners, apps, badges
# A card check (3-D Secure: Verified by Visa, Mastercard SecureCode / ID Check, SafeKey; a
# bank's one-time code for a card payment) is shown by the card issuer's server inside a
# merchant's checkout, never as a page of its own on an unrelated site: kits copy it as
# their last step, to take the code that approves their own payment.
CARD_CHECK = 1.5
MAX_CARD_CHECK = 3000
_CARD_CHECK = re.compile(r"3[- /]?d[- /]?secure|\b3ds\b|verified by visa|visa secure|securecode|mastercard id check|"
                         r"safekey|protectbuy|j/secure|3dセキュア|本人認証サービス|sécurité 3d|3d sicher", re.I)
CODE_KINDS = frozenset({"password", "otp", "cvv"})
# The script a kit's form posts to is named for what it does with the loot: mails it
# (send.php, mailer.php, send_log.php), stores it (result.php, log.php) or moves to the next
# step (card.php, bill.php, 3d.php, sms.php, 1.php); a site's own sign-in posts to login.php,
# session, wp-login.php, next.php (too common a name to tell)... Read on a dead-end page only, from the action's last
# MAX_ACTION_NAME characters.
KIT_ACTION = 1.0
MAX_ACTION_NAME = 64
_KIT_ACTION = re.compile(r"(send\w{0,20}|(send)?mail(er)?|results?|log|step\d|cc|cards?\d?|bill\w{0,12}|"
                         r"iban|bank|bnk|3ds?|vbv|sms|otp|wait|drop|telegram|\d)\.php", re.I)
HOST_MISMATCH = 1.5  # with a credential form (0.5) suspicious; with a bare page or card form, more
IDENTITY_FORM = 1.0
IDENTITY_KINDS = frozenset({"bank_card", "cvv", "card_expiry", "id_number"})
# The owner a page's copyright line names ("© 2018 Microsoft", "Copyright © 2020 Uber
# Technologies, Inc.") is who the page says it belongs to; read, on a page that is little
# more than a form, for the listed brands only (a hosted service's own sign-in page names
# its vendor). The year and the symbol are optional and bounded; the owner runs to the end
# of its line.
MAX_COPYRIGHT_READ = 2000  # characters read at the head and at the tail of the text
MAX_COPYRIGHTS = 3
_COPYRIGHT = re.compile(r"(?:©|\(c\)|&copy;|copyright)[ \t]{0,5}(?:(?:19|20)\d\d(?:[ \t]{0,3}[-–][ \t]{0,3}"
                        r"(?:19|20)\d\d)?[ \t]{0,5}[,.]?[ \t]{0,5})?(?:©[ \t]{0,5})?([^\n]{1,60})", re.I)
# An identifier-first sign-in step: the page asks for the account's e-mail or phone number
# alone ("Sign in - Email, phone or Skype", then a second page for the password). Read on
# a page that is little more than that form and says it is a sign-in, to compare the name
# it gives itself with its host as for a password form.
ID_STEP_KINDS = frozenset({"email", "phone"})
MAX_ID_STEP_FIELDS = 3
_ACCOUNT = re.compile(_SIGN_IN.pattern + r"|user.?name|user.?id|benutzername|identifiant|usuario|utente", re.I)
# A copy of another site's page: its canonical URL (or og:url) names the site it was saved
# from, and the page names itself as that site; served on another host, with a form asking
# for a password, code or card that posts anywhere but that site, it is the site's clone
# (kits save the brand's home page and rewrite only the sign-in form's action).
COPIED_SITE = 2.0
MAX_SELF_NAMES = 12
# A document offered behind a sign-in ("Datasheet.doc ... log in with your e-mail and
# password to download"): the webmail-credential lure of file-sharing kits. Read on a
# page that is little more than a form asking for an e-mail and a password.
DOCUMENT_LURE = 1.0
MAX_LURE_READ = 3000
_DOC_FILE = re.compile(r"(?<![\w.-])[\w-]{1,60}\.(?:pdf|docx?|xlsx?|pptx?|rtf|odt)(?![\w-])", re.I)


def is_article(page: Page) -> bool:
    """A linked page with a long text (news, blog, encyclopedia), not a form to fill in."""
    return len(page.links) >= FEW_LINKS and len(page.text) >= ARTICLE_TEXT


def _authority_signal(page: Page, article: bool) -> tuple[Signal | None, bool]:
    """The authority-dressing signal and whether the page is dressed (not merely naming)."""
    cues = page.brand_cues
    if not cues:
        return None, False
    names = ", ".join(dict.fromkeys(f"{c.cue} ({c.authority})" for c in cues[:4]))
    places = {c.where for c in cues}
    if article and places & {"title", *DRESSED_AT}:
        return Signal("brand_on_unofficial", 1.0, f"an article naming {names} in its title or images, on a "
                                                  "domain that is not official"), False
    if places & {"title", *DRESSED_AT}:
        return Signal("brand_on_unofficial", 2.0, f"shows tax-authority names {names} in its title, logo or "
                                                  "site name on a domain that is not official"), True
    return Signal("brand_on_unofficial", 0.5, f"mentions {names} on a domain that is not official"), False


def _title_claims(host: str, title: str) -> list[Claim]:
    """Brands the title presents itself as: a whole part of the title ("Login - PayPal"),
    or a title of at most three words ("Netflix"); not a brand named in a headline. A short
    or common name ("DHL", "Orange") only as a whole part."""
    parts = {p.strip().casefold() for p in _TITLE_PARTS.split(title) if p.strip()}
    short = len(title.split()) <= 3
    return [c for c in claims(host, {"title": [title]}) if c.name in parts or (short and not c.strong)]


def _alone(found: list[Claim], texts: list[str]) -> list[Claim]:
    """The claims of `found` whose name, if short or common, stands alone in one of `texts`."""
    return [c for c in found if not c.strong or any(stands_alone(c.name, t) for t in texts[:MAX_ALONE])]


def _more_than_sign_in(kinds: AbstractSet[str]) -> bool:
    """A password asked together with a birth date, a card or an ID number: a profile or
    account "update", not a readers' sign-in box."""
    return "password" in kinds and bool(kinds & (IDENTITY_KINDS | {"birth_date"}))


def copyright_owners(text: str) -> list[str]:
    """The owners the copyright lines at the head and the tail of `text` name."""
    head, tail = text[:MAX_COPYRIGHT_READ], text[-MAX_COPYRIGHT_READ:] if len(text) > MAX_COPYRIGHT_READ else ""
    owners: list[str] = []
    for part in (head, tail):
        for m in _COPYRIGHT.finditer(part):
            owner = m.group(1).strip(" .,")
            if owner and owner not in owners:
                owners.append(owner)
            if len(owners) >= MAX_COPYRIGHTS:
                return owners
    return owners


def is_id_step(page: Page) -> bool:
    """A sign-in step asking for the account's e-mail or phone number alone (see
    ID_STEP_KINDS): a form of at most MAX_ID_STEP_FIELDS text fields, one of them an e-mail
    or phone, none of them sensitive, on a page whose title, headings or form say sign-in."""
    said = [page.title, *page.headings[:MAX_FORM_TEXTS]]
    for form in page.forms[:MAX_FORM_TEXTS]:
        texts = [f for f in form.fields if f.type in {"text", "email", "tel", ""}]
        kinds = {f.kind for f in texts}
        if not texts or len(texts) > MAX_ID_STEP_FIELDS or not kinds & ID_STEP_KINDS:
            continue
        if kinds - ID_STEP_KINDS - {None} or form.sensitive:
            continue
        if any(_SIGN_IN.search(t[:MAX_SIGN_IN]) for t in (*said, form.text, form.heading)):
            return True
    return False


def _self_names(page: Page) -> list[str]:
    """The names a page gives itself: its title's parts, its site name, its first headings'
    parts, its first logos and image alts."""
    texts = [page.title, *(page.meta.get(k, "") for k in ("og:site_name", "application-name")),
             *page.headings[:3], *page.logos[:MAX_LOGOS], *page.image_alts[:3]]
    parts = [p.strip() for t in texts for p in _TITLE_PARTS.split(t[:MAX_SIGN_IN]) if p.strip()]
    return [p for p in dict.fromkeys(parts) if whole_name(p)][:MAX_SELF_NAMES]


def _copied_site_signal(page: Page, host: str) -> Signal | None:
    """`copied_site`: a page naming another site's URL as its own and that site's name as
    its own, whose form asking for a password, code, card, e-mail or phone number posts
    elsewhere than that site (see COPIED_SITE)."""
    try:
        canon = (urlsplit(page.canonical).hostname or "") if page.canonical else ""
    except ValueError:
        return None
    canon_reg = registrable_domain(canon) if canon else ""
    if not canon_reg or canon_reg == registrable_domain(host) or known_brand(host):
        return None
    names = _self_names(page)
    if not any(consistent(n, canon) for n in names) or any(consistent(n, host) for n in names):
        return None
    for form in page.forms[:MAX_FORM_TEXTS]:
        asks = set(form.asks)
        # an e-mail or phone field counts in a sign-in form, not in a newsletter's
        signs_in = asks & ID_STEP_KINDS and _ACCOUNT.search(f"{form.heading}\n{form.text}"[:MAX_SIGN_IN])
        if not (asks & (CODE_KINDS | IDENTITY_KINDS) or signs_in):
            continue
        target = form.target(host)[1]
        if target and registrable_domain(target) != canon_reg:
            return Signal("copied_site", COPIED_SITE, f"a copy of a page of {canon_reg} (its canonical URL and "
                                                      f"its name) served on {host}, whose form asking for "
                                                      f"{', '.join(form.asks)} posts to {target}")
    return None


def _document_lure_signal(page: Page, kinds: AbstractSet[str]) -> Signal | None:
    """`document_lure`: a named document offered behind an e-mail and password form (see
    DOCUMENT_LURE)."""
    if not {"email", "password"} <= kinds:
        return None
    text = f"{page.title}\n{page.text[:MAX_LURE_READ]}"
    m = _DOC_FILE.search(text)
    if not m:
        return None
    return Signal("document_lure", DOCUMENT_LURE, f"a page that is little more than a form offers a document "
                                                  f"({m.group(0)}) for an e-mail address and its password")


def _brand_claims(page: Page, host: str, article: bool, harvest_page: bool, asks: bool,
                  kinds: AbstractSet[str] = frozenset()) -> list[Claim]:
    """Brands the page presents itself as: by its title or site name always; by its logo,
    headings and form when it is little more than a form asking for credentials (a short or
    common name only as a logo's whole alt text). Its sentences do not dress it: "follow us
    on Facebook" above a members' login is no claim (see `_text_dressed` for card and ID
    forms). An article's title is its headline, so it claims a brand only as a sign-in page
    asking for credentials
    ("Login on Twitter" over a long clone of the site's front page), or when its form asks for
    a password with a birth date, card or ID ("Edit your profile - Spotify")."""
    if article:
        sign_in = _SIGN_IN.search(page.title[:MAX_SIGN_IN]) or _more_than_sign_in(kinds)
        return _title_claims(host, page.title) if asks and sign_in else []
    site = [page.meta.get(k, "") for k in ("og:site_name", "application-name")]
    found = _title_claims(host, page.title) + _alone(claims(host, {"site": site}), site)
    if harvest_page:
        found += _alone(claims(host, {"logo": page.image_labels}), page.image_alts)
        forms = [f.text for f in page.forms if f.text][:MAX_FORM_TEXTS]
        found += [c for c in claims(host, {"heading": page.headings, "form": forms}) if not c.strong]
        found += [c for c in claims(host, {"copyright": copyright_owners(page.text)}) if not c.strong]
    return list({c.name: c for c in found}.values())


def _text_dressed(page: Page, host: str, article: bool, kinds: set[str]) -> str | None:
    """Who the running text names, when a page that is not an article asks for card or
    identity data (or a date of birth with a password or code): the kit steps with no title
    or logo whose authority or brand appears only in their sentences ("Votre numéro fiscal
    ... impots.gouv"). None otherwise."""
    identity = kinds & IDENTITY_KINDS or ("birth_date" in kinds and kinds & {"password", "otp"})
    if article or not identity:
        return None
    if page.brand_cues:
        return page.brand_cues[0].cue
    named = [c for c in claims(host, {"text": [page.text[:MAX_DRESSED_TEXT]]}) if not c.strong]
    return named[0].name if named else None


def _claimed_names(page: Page, article: bool, harvest_page: bool) -> list[Claimed]:
    """The names a credential page gives itself (crawlers/claimed.py): its title around a
    sign-in word; unless it is an article (whose title is a headline and whose site name and
    logo are the news site's, above a readers' sign-in box), its site name, its headings and
    its forms' headings around a sign-in word, and on a page that is little more than a form
    its first logos."""
    names = [Claimed(n, "title") for n in sign_in_names(page.title)]
    if article:
        return names
    site = [page.meta.get(k, "") for k in ("og:site_name", "application-name")]
    names += [Claimed(n, "site") for n in map(whole_name, site) if n]
    heads = [f.heading for f in page.forms if f.heading][:MAX_FORM_TEXTS] + page.headings[:MAX_FORM_TEXTS]
    names += [Claimed(n, "heading") for h in heads for n in sign_in_names(h)]
    if harvest_page:
        names += [Claimed(n, "logo") for n in map(whole_name, page.logos[:MAX_LOGOS]) if n]
    # the site's own logo file comes first ("logo_steam.png"); later ones are partners'
    names += [Claimed(n, "logo file") for n in map(whole_name, page.logo_files[:1]) if n]
    return list({c.name.casefold(): c for c in names}.values())


def _host_mismatch_signal(page: Page, host: str, article: bool, harvest_page: bool) -> Signal | None:
    """`brand_host_mismatch`: the name the page gives itself is not its host's (no list)."""
    wrong = mismatches(host, _claimed_names(page, article, harvest_page))
    if not wrong:
        return None
    shown = ", ".join(f"{c.name} ({c.where})" for c in wrong[:3])
    return Signal("brand_host_mismatch", HOST_MISMATCH, f"a page asking for credentials calls itself {shown}, "
                                                        f"a name that is not its host's ({host})")


def _card_check_signal(page: Page, article: bool, kinds: set[str]) -> Signal | None:
    """`card_check_page`: a page of its own (not an article) asking for a password, one-time
    code or card code under a 3-D Secure name (see CARD_CHECK)."""
    if article or not kinds & CODE_KINDS:
        return None
    m = _CARD_CHECK.search(page.title[:MAX_SIGN_IN]) or _CARD_CHECK.search(page.text[:MAX_CARD_CHECK])
    if not m:
        return None
    return Signal("card_check_page", CARD_CHECK, f"a card-payment check ({m.group(0)}) served as a page of its "
                                                 "own, asking for a code or password, on a site that is not the "
                                                 "card issuer's")


def _kit_action_signal(page: Page) -> Signal | None:
    """`kit_form_action`: a credential form posting to a script named like a kit's (see
    KIT_ACTION)."""
    for form in page.forms[:MAX_FORM_TEXTS]:
        if not set(form.sensitive) & (CODE_KINDS | IDENTITY_KINDS):
            continue
        try:
            name = urlsplit(form.action).path[-MAX_ACTION_NAME:].rsplit("/", 1)[-1]
        except ValueError:  # an action no browser would submit ("http://[zz/")
            continue
        if _KIT_ACTION.fullmatch(name):
            return Signal("kit_form_action", KIT_ACTION, f"a credential form posts to {name}, a script named as "
                                                         "phishing kits name theirs")
    return None


def _mismatch_signal(found: list[Claim], host: str) -> Signal:
    shown = ", ".join(f"{c.name} ({c.where})" for c in found[:3])
    theirs = ", ".join(sorted(found[0].domains)[:3])
    return Signal("brand_mismatch", 1.0, f"presents itself as {shown} on {host}, not on the brand's own "
                                         f"domains ({theirs})")


def content_signals(page: Page, host: str, asks_credentials: bool) -> list[Signal]:
    """Signals of a page on a non-official host (`asks_credentials`: a form asks for
    credentials, card or identity data)."""
    kinds = {k for f in page.forms for k in f.asks}
    dead_end = len(page.links) < FEW_LINKS
    article = is_article(page)
    out: list[Signal] = []
    authority, dressed = _authority_signal(page, article)
    if authority:
        out.append(authority)
    # an identifier-first sign-in step dresses as a brand like a password form
    id_step = not asks_credentials and not article and dead_end and is_id_step(page)
    claiming = asks_credentials or id_step
    found = _brand_claims(page, host, article, claiming and dead_end, claiming, kinds)
    if found:
        out.append(_mismatch_signal(found, host))
    # a kit's "confirm your identity" step: a bare form for a date of birth and a phone number
    identity_step = not asks_credentials and not article and dead_end and {"birth_date", "phone"} <= kinds
    if identity_step:
        out.append(Signal("identity_form", IDENTITY_FORM, "the page is little more than a form asking for a date "
                                                          f"of birth and a phone number ({len(page.links)} links)"))
    unlisted = None
    if not found and (claiming or identity_step):
        unlisted = _host_mismatch_signal(page, host, article, dead_end)
        if unlisted:
            out.append(unlisted)
    if id_step and (found or unlisted):
        who = found[0].name if found else "a name that is not its host's"
        out.append(Signal("impersonation_form", 1.5, f"a sign-in step dressed as {who} asks for the account's "
                                                     "e-mail or phone number"))
    if copied := _copied_site_signal(page, host):
        out.append(copied)
    if asks_credentials and dead_end and not article and (lure := _document_lure_signal(page, kinds)):
        out.append(lure)
    if asks_credentials and dead_end and not article and (kit := _kit_action_signal(page)):
        out.append(kit)
    if asks_credentials and dead_end:
        out.append(Signal("lone_form", 1.0, f"the page is little more than a form asking for credentials "
                                            f"({len(page.links)} links)"))
    if asks_credentials and (dressed or found):
        who = page.brand_cues[0].cue if dressed else found[0].name
        out.append(Signal("impersonation_form", 1.5, f"a page dressed as {who} asks for credentials"))
    elif asks_credentials and (who := _text_dressed(page, host, article, kinds)):
        out.append(Signal("impersonation_form", 1.0, f"a page whose text names {who} asks for "
                                                     f"{', '.join(sorted(kinds & (IDENTITY_KINDS | {'birth_date'})))}"))
    if asks_credentials and (check := _card_check_signal(page, article, kinds)):
        out.append(check)
    copies = copied_from(f"{page.title}\n{page.text}")
    if copies:
        best = copies[0]
        out.append(Signal("copied_official_text", 2.5,
                          f"copies {int(best.share * 100)}% of the official page {best.fingerprint.url} "
                          f"({best.fingerprint.authority}) on a domain that is not official"))
    if page.mixed_script >= MIXED_WORDS:
        weight = 2.0 if page.mixed_script >= MANY_MIXED else 1.5
        out.append(Signal("lookalike_letters", weight, f"{page.mixed_script} words are spelt with look-alike Greek "
                                                       "or Cyrillic letters, as kits do to slip past filters"))
    if page.downloads:
        out.append(Signal("executable_download", 1.0, f"offers a program download: {page.downloads[0]}"))
    return out
