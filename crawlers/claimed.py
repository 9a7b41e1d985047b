"""The name a sign-in page claims to be, and whether its host could be that name's.

The brand-host mismatch phishing analysts check, with no brand list: a page asking for a
password, a card or an identity number says who it is in a few strong places, and a real
site's name and its domain name agree ("Log in | The Guardian" on theguardian.com, "Sign
in - Frankfurter Allgemeine Zeitung" on faz.net). A kit copies the brand's name, not its
domain: "Sign in to Steam" on qnnn.example.org.

Where a name is read (`title_names`, `heading_names`, `whole_name`):
- the parts of the <title> or of a heading around a sign-in word, in the languages the
  field reader knows: "X Login", "Sign in to X", "X - Sign In", "Log in | X", "X 登录",
  "登录 - X", "X ログイン", "X에 로그인", "Connexion à X", "Anmelden bei X", "Bei X anmelden",
  "Iniciar sesión en X", "Accedi a X", "Entrar no X", "Inloggen bij X"; "Sign in with X"
  (a single sign-on button) names someone else, not the page;
- the site's own name (og:site_name, application-name) and a logo's alt text or the text
  of a logo link, whole.
Names of more than MAX_WORDS words are sentences, not names.

A name is compared by its letters (`key`: case, accents, spaces and punctuation dropped,
"&" read as "and" and as nothing, German umlauts also as ae/oe/ue) with the host's labels
and its registrable domain (public suffix list). It is consistent (`consistent`) when
- its letters, or one of its distinctive words, appear in a label ("Bank of Nowhere" on
  nowhere-bank.com), or a label appears in its letters ("The Telegraph", telegraph.co.uk),
  or a label is its initials and word beginnings ("The New York Times", nytimes.com;
  "Assurance Maladie en ligne", ameli.fr);
- or the host is one of the listed brand's own domains (data/brands);
- or the host is an identity provider that signs people in for many organisations
  (IDENTITY_PROVIDERS: Microsoft Entra, Okta, Auth0, OneLogin, Ping, Duo, JumpCloud, Azure
  B2C, Cognito, Cloudflare Access, AWS IAM Identity Center, ID.me, Workday), or a sign-in
  subdomain (SSO_LABELS: cas., idp., sso., login., auth., adfs., shibboleth.) of an
  organisation's domain, which signs its people into services named otherwise; not on
  free hosting or a cheap TLD, where anyone names their subdomain;
- or the name is generic (STOP_WORDS: account, members, webmail, portal, login...,
  in English, French, German, Spanish, Italian, Portuguese, Dutch) or the name of software
  that organisations run on their own hosts (SELF_HOSTED: WordPress, GitLab, Roundcube,
  cPanel, Moodle...).
A name with no Latin letters ("招商银行", "みずほ銀行") cannot be compared with a host's
letters and claims nothing here (brand lists read those: crawlers/impersonation.py).
Every read is bounded (MAX_READ characters, MAX_PARTS parts, MAX_WORDS words, label length
of DNS); the abbreviation check is a memoised walk over at most MAX_WORDS x 63 states.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from crawlers.impersonation import brand_domains, brand_owned
from fraudwatch.indicators import registrable_domain
from fraudwatch.indicators.hosting import shared_kind
from fraudwatch.indicators.known import known_brand
from fraudwatch.indicators.wordlists import word_set

MAX_READ = 300  # characters of a title, heading or name read
MAX_PARTS = 8
MAX_WORDS = 5
MAX_NAMES = 10
MAX_LABEL = 63

# Title separators: bars, bullets, guillemets, "::", a colon before a space, a spaced dash
# or slash, an underscore between words (登录_京东). Each alternative is one or two fixed
# characters (linear).
_PARTS = re.compile(r"[|·•»«‹›｜]|::|:(?=\s)|(?<=\s)[-–—/－](?=\s)|(?<=\S)_(?=\S)")
_SIGN_IN = re.compile(
    r"(?<![^\W\d_])(?:log[ -]?in|log[ -]?on|sign[ -]?in|sign[ -]?on|se connecter|connexion|identifiez[ -]vous|"
    r"anmelden|anmeldung|einloggen|inloggen|aanmelden|iniciar sesi[óo]n|inicio de sesi[óo]n|acceder|accedi|"
    r"accesso|entrar|acessar|iniciar sess[ãa]o)(?![^\W\d_])|登录|登錄|登入|ログイン|サインイン|로그인", re.I)
_WORD = re.compile(r"[^\W_]+")
# A sign-on button names another site: "Sign in with Google", "Mit Apple anmelden".
WITH_WORDS = frozenset({"with", "using", "via", "through", "mit", "avec", "con", "com", "met", "par"})
# Words around a sign-in word that join it to the name: "Sign in TO X", "Anmelden BEI X", "X にログイン".
CONNECTORS = frozenset({
    "to", "into", "onto", "on", "at", "for", "your", "my", "the", "page", "now", "here", "please",
    "à", "a", "au", "aux", "sur", "chez", "votre", "mon", "ma", "vos", "bei", "zu", "zum", "zur", "ihrem", "ihr",
    "ihre", "im", "in", "bij", "op", "uw", "en", "el", "la", "tu", "su", "no", "na", "ao", "di", "al", "del",
    "sua", "seu", "il", "e", "de", "du", "des", "und", "and", "or", "ou", "o",
    "に", "へ", "で", "에", "에서", "を", "の", "账号", "帳號", "帐号", "账户", "用户", "会员", "會員"})
# Generic words: a name made of these alone names no one ("Member Login", "Mon compte").
STOP_WORDS = frozenset({
    # en
    "account", "accounts", "member", "members", "membership", "customer", "customers", "client", "clients",
    "user", "users", "admin", "administrator", "administration", "staff", "employee", "employees", "student",
    "students", "partner", "partners", "vendor", "supplier", "portal", "secure", "security", "online", "web",
    "webmail", "email", "e", "mail", "home", "homepage", "dashboard", "login", "logon", "signin", "sign", "log",
    "sso", "single", "on", "area", "zone", "center", "centre", "service", "services", "banking", "internet",
    "mobile", "app", "apps", "welcome", "back", "out", "logout", "signout", "logoff", "page", "site", "website",
    "my", "your", "our", "the", "new",
    "control", "panel", "intranet", "extranet", "system", "management", "manager", "console", "office",
    "access", "private", "personal", "profile", "settings", "community", "forum", "forums", "support", "help",
    "store", "shop", "checkout", "cart", "payment", "payments", "billing", "wallet", "verify", "verification",
    "authentication", "identity", "id", "continue", "register", "registration", "subscriber", "subscribers",
    "subscription", "reader", "readers", "premium", "plus", "pro", "business", "enterprise", "team", "teams",
    "cloud", "drive", "files", "documents", "document", "school", "library", "university", "college", "of",
    "and", "for", "to", "in", "a", "an", "i", "me", "us", "v", "version", "beta", "demo", "test", "local",
    # fr
    "compte", "comptes", "mon", "votre", "espace", "membre", "membres", "utilisateur", "utilisateurs",
    "abonné", "abonnés", "abonne", "abonnes", "accueil", "personnel", "particulier", "particuliers",
    "professionnel", "professionnels", "connexion", "identification", "mot", "passe", "de", "du", "des", "le",
    "la", "les", "en", "ligne",
    # de
    "konto", "mein", "meine", "ihr", "kunden", "kundenbereich", "kundenkonto", "mitglieder", "mitglied",
    "mitgliederbereich", "benutzer", "startseite", "anmeldung", "bereich", "der", "die", "das",
    # es / it / pt / nl
    "cuenta", "mi", "tu", "usuario", "usuarios", "inicio", "área", "acceso", "socios", "socio",
    "utente", "utenti", "accesso", "riservata", "riservato", "personale", "conta", "minha", "usuário",
    "utilizador", "início", "acesso", "cliente", "clientes", "mijn", "inloggen", "gebruiker", "leden",
})
# Software an organisation runs on its own host: its sign-in page shows the software's name.
SELF_HOSTED = frozenset({
    "wordpress", "joomla", "drupal", "typo3", "umbraco", "ghost", "moodle", "canvas", "blackboard", "sakai",
    "gitlab", "gitea", "gogs", "forgejo", "jenkins", "grafana", "kibana", "prometheus", "sonarqube", "nexus",
    "artifactory", "redmine", "nextcloud", "owncloud", "seafile", "roundcube", "roundcubewebmail",
    "squirrelmail", "horde", "zimbra", "rainloop", "snappymail", "sogo", "cpanel", "whm", "plesk", "webmin",
    "directadmin", "phpmyadmin", "discourse", "phpbb", "vbulletin", "mybb", "xenforo", "mastodon", "mattermost",
    "rocketchat", "keycloak", "shibboleth", "cas", "adfs", "odoo", "magento", "prestashop", "opencart",
    "woocommerce", "mediawiki", "dokuwiki", "confluence", "jira", "bitbucket", "bookstack", "wikijs", "portainer",
    "proxmox", "synology", "diskstation", "qnap", "openwrt", "pfsense", "opnsense", "unifi", "routeros",
    "ilias", "opencms", "liferay", "alfresco", "sharepoint", "owa", "outlookwebapp", "citrix", "netscaler",
    "globalprotect", "anyconnect", "fortigate", "fortinet", "pulsesecure", "ivanti", "vmware", "vcenter",
    "horizon", "jupyterhub", "jupyter", "rstudio", "airflow", "argocd", "harbor", "rancher", "kubernetes",
    "openshift", "openproject", "taiga", "wekan", "kanboard", "zammad", "osticket", "glpi", "otrs", "znuny",
    "limesurvey", "matomo", "piwik", "umami", "ojs", "dspace", "eprints", "koha", "evergreen", "openemr",
})
# Registrable domains of identity providers that sign people in for many organisations.
IDENTITY_PROVIDERS = frozenset({
    "microsoftonline.com", "okta.com", "oktapreview.com", "okta-emea.com", "okta-gov.com", "auth0.com",
    "onelogin.com", "pingidentity.com", "pingone.com", "pingone.eu", "pingone.asia", "duosecurity.com",
    "jumpcloud.com", "b2clogin.com", "ciamlogin.com", "amazoncognito.com", "cloudflareaccess.com", "awsapps.com",
    "id.me", "myworkday.com", "fusionauth.io", "stytch.com", "clerk.accounts.dev",
})
SSO_LABELS = frozenset({"cas", "idp", "sso", "login", "auth", "adfs", "shibboleth", "weblogin", "webauth"})
# Host labels that say nothing of whose site it is.
HOST_WORDS = frozenset({"www", "www2", "www3", "m", "mobile", "login", "secure", "account", "accounts", "auth",
                        "signin", "sso", "my", "portal", "app", "apps", "web", "mail", "webmail", "online", "id",
                        "home", "static", "cdn", "api", "en", "de", "fr", "es", "it", "pt", "nl", "jp", "cn"})
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


class Claimed(NamedTuple):
    """A name the page gives itself and where it gives it."""

    name: str
    where: str  # "title", "heading", "site", "logo"


def _fold(text: str) -> str:
    """Lower case, accents dropped, & read as "and"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("&", " and ")


def words(name: str) -> list[str]:
    """The name's Latin words (lower case, no accents); words in other scripts are left out."""
    found = _WORD.findall(_fold(name[:MAX_READ]))
    return [w for w in found if w.isascii()][:MAX_WORDS * 2]


def distinctive(name: str) -> list[str]:
    """The name's words that are neither generic nor the name of self-hosted software."""
    return [w for w in words(name) if w not in STOP_WORDS and w not in SELF_HOSTED]


def _keys(name: str) -> set[str]:
    """The name's letters joined: as written, with & dropped, with umlauts as ae/oe/ue."""
    variants = {name, name.replace("&", ""), name.translate(_UMLAUTS)}
    return {"".join(words(v)) for v in variants} - {""}


def is_name(name: str) -> bool:
    """Whether `name` can be compared with a host: Latin letters, at most MAX_WORDS words, and
    a word that is neither generic nor self-hosted software."""
    found = words(name)
    if not found or len(_WORD.findall(name[:MAX_READ])) > MAX_WORDS:
        return False
    if "".join(found) in SELF_HOSTED:  # "Roundcube Webmail" -> roundcubewebmail
        return False
    return any(not w.isdigit() for w in distinctive(name))


def _strip(tokens: list[str], front: bool) -> list[str]:
    """Connector words removed from one end of a token list."""
    while tokens and (tokens[0] if front else tokens[-1]).casefold().strip(".,:;!?") in CONNECTORS:
        tokens = tokens[1:] if front else tokens[:-1]
    return tokens


def _side(text: str, before: bool) -> str:
    """The name written on one side of a sign-in word, its connectors removed."""
    tokens = text.strip().rstrip("!?:,.").split()
    tokens = _strip(_strip(tokens, front=True), front=False)
    if before and tokens and tokens[0].casefold() in WITH_WORDS:  # "Mit Google anmelden"
        return ""
    out = " ".join(tokens)
    for particle in ("に", "へ", "에", "で"):
        out = out.removesuffix(particle).strip()
    return out


def _around(part: str) -> tuple[str, str]:
    """What `part` is: ("", "") without a sign-in word; ("button", "") for a sign-on button
    ("Sign in with Google"); ("sign_in", name) otherwise, with the name written beside the
    sign-in word in the part ("Sign in to X", "X Login"), empty when there is none."""
    m = _SIGN_IN.search(part)
    if not m:
        return "", ""
    after = part[m.end():].split()
    if after and after[0].casefold() in WITH_WORDS:
        return "button", ""
    return "sign_in", _side(part[:m.start()], True) or _side(part[m.end():], False)


def sign_in_names(text: str) -> list[str]:
    """Names a title or heading gives around a sign-in word: beside it in its part ("Sign in
    to X", "X Login"), else the parts next to a part that is only a sign-in phrase
    ("Log in | X", "X - Sign In")."""
    parts = [p.strip() for p in _PARTS.split(text[:MAX_READ])[:MAX_PARTS]]
    parts = [p for p in parts if p]
    if any("".join(words(p)) in SELF_HOSTED for p in parts):
        return []  # "Log In ‹ Our Club — WordPress": software's sign-in page, titled by its owner
    out: list[str] = []
    for i, part in enumerate(parts):
        what, name = _around(part)
        if what == "sign_in" and name:
            out.append(name)
        elif what == "sign_in":
            out += [parts[j] for j in (i - 1, i + 1) if 0 <= j < len(parts) and not _SIGN_IN.search(parts[j])]
    return [n for n in dict.fromkeys(out) if is_name(n)]


def whole_name(text: str) -> str | None:
    """A site name or a logo's text as a name ("Steam logo" -> "Steam"), or None."""
    tokens = text[:MAX_READ].split()
    tokens = [t for t in tokens if t.casefold().strip(".,:;") not in {"logo", "logotype", "logotipo"}]
    name = " ".join(tokens)
    return name if name and is_name(name) else None


def _labels(host: str) -> tuple[str, list[str]]:
    """The registrable domain's label and every other label of the host (and their
    hyphenated pieces), without the public suffix and without labels that name no one."""
    reg = registrable_domain(host)
    own = reg.split(".", 1)[0][:MAX_LABEL]
    sub = host[: -len(reg)].rstrip(".") if host.endswith(reg) and host != reg else ""
    labels = []
    for label in [own, *sub.split(".")[-6:]]:
        label = label[:MAX_LABEL]
        for piece in {label, label.replace("-", ""), *label.split("-")}:
            if piece and (piece == own or (len(piece) >= 3 and piece not in HOST_WORDS)):
                labels.append(piece)
    return own, list(dict.fromkeys(labels))


def _abbreviates(label: str, name_words: tuple[str, ...]) -> bool:
    """Whether `label` is made of the beginnings of some of the words, in order
    ("nytimes": New York Times; "ameli": Assurance MAladie En LIgne)."""

    @functools.cache
    def walk(i: int, at: int) -> bool:
        if at == len(label):
            return True
        if i == len(name_words):
            return False
        word = name_words[i]
        n = 0
        while n < len(word) and at + n < len(label) and word[n] == label[at + n]:
            n += 1
            if walk(i + 1, at + n):
                return True
        return walk(i + 1, at)

    return len(label) >= 2 and walk(0, 0)


def consistent(name: str, host: str) -> bool:
    """Whether `host` could be the site of `name` (see the module docstring)."""
    listed = brand_domains().get(" ".join(name.casefold().split()))
    if listed and registrable_domain(host) in listed:
        return True
    own, labels = _labels(host)
    keys = _keys(name)
    name_words = tuple(words(name)[:MAX_WORDS * 2])
    telling = [w for w in distinctive(name) if len(w) >= 4]
    for label in labels:
        label = label.lower()
        if any(len(k) >= 3 and k in label for k in keys) or any(w in label for w in telling):
            return True
        if len(label) >= 3 and any(label in k for k in keys):
            return True
        if label.isascii() and label.isalnum() and _abbreviates(label, name_words):
            return True
    return False


def sign_in_service(host: str) -> bool:
    """An identity provider's host, or a sign-in subdomain (sso., idp., cas., ...) of an
    organisation's domain that is neither free hosting nor on a cheap TLD."""
    reg = registrable_domain(host)
    if reg in IDENTITY_PROVIDERS or any(host.endswith("." + p) or host == p for p in IDENTITY_PROVIDERS):
        return True
    sub = host[: -len(reg)].rstrip(".") if host.endswith(reg) and host != reg else ""
    first = sub.split(".")[-1] if sub else ""
    if first not in SSO_LABELS or shared_kind(host) is not None:
        return False
    suffix = reg.split(".", 1)[1] if "." in reg else reg
    cheap = word_set("cheap_tlds")
    return suffix not in cheap and suffix.rsplit(".", 1)[-1] not in cheap


def mismatches(host: str, names: list[Claimed]) -> list[Claimed]:
    """The names that `host` could not be the site of; none when one of them is its own
    (a page naming its own site beside a partner is that site's page), when the host
    signs people in for others (`sign_in_service`), or is a listed brand's or known
    company's own (which name their partners: "Pay with PayPal")."""
    names = names[:MAX_NAMES]
    if not host or not names or sign_in_service(host):
        return []
    if known_brand(host) or registrable_domain(host) in brand_owned():
        return []
    if any(consistent(c.name, host) for c in names):
        return []
    return names
