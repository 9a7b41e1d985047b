"""The brand-host mismatch, with no brand list (crawlers/claimed.py), on hand-written pages.

- a sign-in page of a brand no list names, on a host that is not its own, is flagged; the
  same page on its own domain (or a sign-in subdomain of it) is not;
- identity providers (login.microsoftonline.com, Okta) and organisations' SSO subdomains
  sign people into services named otherwise: not flagged;
- generic names ("Member login", "Mon compte"), self-hosted software (WordPress, GitLab)
  and sign-on buttons ("Sign in with Google") are not claims;
- claims in Chinese, Japanese, French and German titles are read;
- a news article's sign-in box, and its site name and logos, are no claim;
- hostile titles, headings and logos stay linear.
"""
from __future__ import annotations

import time

import pytest

from crawlers.claimed import consistent, sign_in_names, sign_in_service, whole_name
from tests.crawlers.judging import codes
from tests.crawlers.judging import judge_page as judge

FLAGGED = {"scam", "suspicious"}
NEUTRAL = "https://account-verify.example.net/session/login"


def detail(report: dict) -> str:
    return next(s["detail"] for s in report["site_signals"] if s["code"] == "brand_host_mismatch")


def login(title: str = "Sign in", site: str = "", logo: str = "", heading: str = "", lang: str = "en",
          fields: str = '<input name="user" placeholder="Email"><input type="password" name="pass">') -> str:
    meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    img = f'<a href="/" class="logo"><img src="/i/mark.svg" alt="{logo}"></a>' if logo else ""
    head = f"<h2>{heading}</h2>" if heading else ""
    return (f'<html lang="{lang}"><head><title>{title}</title>{meta}</head><body>{img}{head}'
            f'<form action="/next.php" method="post">{fields}<button type="submit">Continue</button></form>'
            f"</body></html>")


# 1. unlisted brands on a neutral host, and on their own domains

UNLISTED = [
    login("Sign in to Northwind Games"),
    login("Northwind Games - Sign In"),
    login("Log in | Kumo Cable"),
    login("Tessera Exchange Login"),
    login("Account", site="Tessera Exchange"),
    login("Account", logo="Kumo Cable"),
    login("Account", heading="Sign in to Northwind Games"),
]


@pytest.mark.parametrize("page", UNLISTED)
def test_an_unlisted_brands_sign_in_page_on_a_neutral_host_is_flagged(page):
    report = judge(page, NEUTRAL)
    assert "brand_host_mismatch" in codes(report)
    assert "brand_mismatch" not in codes(report)  # no list names these brands
    assert report["verdict"]["label"] in FLAGGED


OWN_URLS = {"Northwind": "https://www.northwindgames.com/login", "Kumo": "https://login.kumo-cable.co.jp/",
            "Tessera": "https://tessera.exchange/account/login"}


@pytest.mark.parametrize("page", UNLISTED)
def test_the_same_pages_on_their_own_domains_are_not(page):
    url = next(u for brand, u in OWN_URLS.items() if brand in page)
    report = judge(page, url)
    assert "brand_host_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


def test_a_card_form_under_a_false_name_is_a_scam():
    card = ('<input name="cardnumber" placeholder="Card number"><input name="exp" placeholder="MM/YY">'
            '<input name="cvv" placeholder="CVV">')
    report = judge(login("Kumo Cable - Sign in", fields=card), NEUTRAL)
    assert "brand_host_mismatch" in codes(report) and report["verdict"]["label"] == "scam"
    assert "Kumo Cable" in detail(report)


def test_a_page_naming_its_own_site_beside_a_partner_is_that_sites_page():
    page = login("Log in | Kumo Cable", site="Example Net Services")
    assert "brand_host_mismatch" not in codes(judge(page, "https://www.examplenet-services.com/login"))


# 2. identity providers and SSO subdomains

@pytest.mark.parametrize("url", [
    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    "https://contoso.okta.com/app/contoso_portal/sso/saml",
    "https://contoso.auth0.com/login",
    "https://sso.fabrikam-university.edu/idp/profile/SAML2/Redirect/SSO",
    "https://idp.fabrikam.ac.uk/",
])
def test_corporate_sso_pages_are_not_flagged(url):
    report = judge(login("Sign in to Contoso Ltd", heading="Sign in to Contoso Ltd"), url)
    assert "brand_host_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


def test_sign_in_subdomains_on_free_hosting_or_cheap_tlds_are_no_sso():
    assert sign_in_service("login.microsoftonline.com") and sign_in_service("acme.okta.com")
    assert sign_in_service("sso.fabrikam.edu")
    assert not sign_in_service("login.verify-account.top")
    assert "brand_host_mismatch" in codes(judge(login("Sign in to Northwind Games"),
                                                "https://login.verify-account.top/"))


# 3. generic names, software, buttons

@pytest.mark.parametrize("title", [
    "Member Login", "Members area - Log in", "Webmail Login", "Customer Portal Sign In", "Admin Login",
    "Sign in to your account", "Mon compte - Connexion", "Mitglieder Login", "Mi cuenta - Iniciar sesión",
    "会员登录", "ログイン | マイページ", "Sign in with Northwind", "Mit Northwind anmelden",
    "Log In ‹ Our Reading Club — WordPress", "Sign in · GitLab", "Roundcube Webmail :: Welcome to Roundcube Webmail",
    "Welcome back", "Login",
])
def test_generic_names_software_and_sign_on_buttons_are_no_claim(title):
    report = judge(login(title), NEUTRAL)
    assert "brand_host_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


# 4. claims in other languages

@pytest.mark.parametrize("title, lang", [
    ("Northwind 登录", "zh"), ("登录 - Northwind", "zh"), ("Northwind 登錄", "zh-TW"),
    ("Northwind ログイン", "ja"), ("Northwindにログイン", "ja"), ("Northwind 로그인", "ko"),
    ("Connexion à Northwind", "fr"), ("Northwind - Se connecter", "fr"),
    ("Anmelden bei Northwind", "de"), ("Bei Northwind anmelden", "de"),
    ("Iniciar sesión en Northwind", "es"), ("Accedi a Northwind", "it"), ("Entrar no Northwind", "pt"),
])
def test_claims_are_read_in_several_languages(title, lang):
    assert sign_in_names(title) == ["Northwind"]
    assert "brand_host_mismatch" in codes(judge(login(title, lang=lang), NEUTRAL))
    assert "brand_host_mismatch" not in codes(judge(login(title, lang=lang), "https://www.northwind.jp/login"))


def test_names_without_latin_letters_claim_nothing_here():
    assert sign_in_names("招商银行登录") == []
    assert sign_in_names("みずほ銀行 ログイン") == []


# 5. how names and hosts are compared

@pytest.mark.parametrize("name, host", [
    ("The New York Times", "myaccount.nytimes.com"), ("Frankfurter Allgemeine Zeitung", "www.faz.net"),
    ("Süddeutsche Zeitung", "id.sueddeutsche.de"), ("Assurance Maladie en ligne", "assure.ameli.fr"),
    ("AT&T", "signin.att.com"), ("Marks & Spencer", "www.marksandspencer.com"), ("J:COM", "mypage.jcom.co.jp"),
    ("The Guardian", "profile.theguardian.com"), ("Bank of Nowhere", "online.nowhere-bank.com"),
    ("Steam Community", "steamcommunity.com"), ("Steam", "store.steampowered.com"),
    ("Financial Times", "accounts.ft.com"), ("Crédit Mutuel", "www.creditmutuel.fr"),
])
def test_a_name_and_its_own_host_agree(name, host):
    assert consistent(name, host)


@pytest.mark.parametrize("name, host", [
    ("Steam", "account-verify.example.net"), ("J:COM", "q016.example.org"),
    ("Kumo Cable", "secure-login-update.com"), ("Northwind Games", "login.verify-account.top"),
])
def test_a_name_and_a_foreign_host_do_not(name, host):
    assert not consistent(name, host)


def test_site_names_and_logos_are_read_whole_without_the_word_logo():
    assert whole_name("Kumo Cable logo") == "Kumo Cable"
    assert whole_name("Logo") is None and whole_name("Home") is None
    assert whole_name("The best place to find games, friends and support online") is None  # a sentence


# 6. news articles

def test_a_news_articles_sign_in_box_site_name_and_logo_are_no_claim():
    nav = "".join(f'<li><a href="/s/{n}">Section {n}</a></li>' for n in range(40))
    text = "<p>" + "The council voted on Tuesday to extend the library's opening hours into the evening. " * 30
    page = (f'<html><head><title>Council extends library hours - The Daily Chronicle</title>'
            f'<meta property="og:site_name" content="The Daily Chronicle"></head><body>'
            f'<a class="logo" href="/"><img src="/logo.png" alt="Daily Chronicle"></a><ul>{nav}</ul>'
            f"<h1>Council extends library hours</h1>{text}</p><h3>Sign in to comment</h3>"
            f'<form action="https://id.chronicle-group.example.com/login" method="post"><input name="u">'
            f'<input type="password" name="p"></form></body></html>')
    report = judge(page, "https://www.dailychronicle-news.example.com/local/library-hours")
    assert "brand_host_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


def test_an_articles_title_still_claims_a_name_as_a_sign_in_page():
    nav = "".join(f'<li><a href="/l/{n}">Link {n}</a></li>' for n in range(40))
    text = "<p>" + "Buy, sell and trade the games you love with friends all over the world today. " * 30
    page = (f"<html><head><title>Sign in to Northwind Games</title></head><body><ul>{nav}</ul>{text}</p>"
            f'<form action="/p.php" method="post"><input name="u"><input type="password" name="p"></form>'
            f"</body></html>")
    report = judge(page, NEUTRAL)
    assert "brand_host_mismatch" in codes(report)


# 7. hostile input stays linear

def _cpu(function) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        function()
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("make", [
    lambda n: login("Sign in to " * (n // 11)),
    lambda n: login("Northwind " * (n // 10) + " Login"),
    lambda n: login("a" * n + " | Login | " + " " * n),
    lambda n: login("x", heading="Log in to " + "-" * n + " :: " * (n // 4)),
    lambda n: login("x", site="Kumo " * (n // 5)) + "".join(f'<img alt="logo {i}" src="logo.png">'
                                                            for i in range(n // 40)),
    lambda n: login("x") + "<div class='logo'>" + "<span class='brand'>" * (n // 40) + "Kumo" + "</span>" * (n // 40),
], ids=["sign-in-words", "long-name", "spaces", "heading-separators", "many-logos", "nested-logos"])
def test_hostile_titles_headings_and_logos_stay_linear(make):
    small, big = make(25_000), make(100_000)
    t_small = _cpu(lambda: judge(small, NEUTRAL))
    t_big = _cpu(lambda: judge(big, NEUTRAL))
    assert t_big < 8 * max(t_small, 1e-3)
