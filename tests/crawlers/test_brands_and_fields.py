"""Report-ranked brands and the multilingual field reader, on hand-written pages.

- a sign-in or card page dressed as a brand of data/brands/impersonated.csv (title, logo,
  heading or form text) on a host that is not the brand's is flagged; the same page on the
  brand's own domain is not, nor is a news article or a page naming the brand in passing;
- short or common names ("DHL", "Orange") count only where they stand alone;
- card, expiry, CVV, tax and national IDs, date of birth, password and SMS codes are read
  from names, ids, placeholders, labels and the text before a field, in several languages;
- a card or ID form whose running text names an authority or brand is an impersonation form;
- hostile input (huge titles, endless words, thousands of fields) stays linear.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from crawlers.forms import _KIND_PATTERNS
from crawlers.impersonation import brand_domains, claims, stands_alone, strong_names
from crawlers.page import parse_page
from fraudwatch.indicators.known import impersonated_brands, read_impersonated
from tests.crawlers.judging import codes
from tests.crawlers.judging import judge_page as judge

FLAGGED = {"scam", "suspicious"}


def login(title: str, logo: str = "", heading: str = "", button: str = "Log in", lang: str = "en") -> str:
    img = f'<img src="/i/logo.svg" alt="{logo}">' if logo else ""
    return (f'<html lang="{lang}"><head><title>{title}</title></head><body>{img}<h1>{heading}</h1>'
            f'<form action="/next.php" method="post"><input name="user" placeholder="Email or phone">'
            f'<input type="password" name="pass"><button type="submit">{button}</button></form></body></html>')


# 1. the data file

def test_the_report_brands_are_read_with_their_domains_and_strong_names():
    brands = {b.brand: b for b in impersonated_brands()}
    assert len(brands) >= 40
    assert {"microsoft.com", "outlook.com", "live.com"} <= brands["Microsoft"].domains
    assert "DHL" in brands["DHL"].strong_names and "Orange" in brands["Orange"].strong_names
    assert "instagram" in brand_domains() and "instagram.com" in brand_domains()["instagram"]
    assert {"dhl", "at&t", "orange", "chase"} <= strong_names()
    assert "paypal" not in strong_names()


def test_a_malformed_brand_file_names_its_line(tmp_path: Path):
    path = tmp_path / "b.csv"
    path.write_text("brand,names,domains,sector,reports\nX,X Bank,not a domain,bank,CP\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_impersonated(path)


# 2. brand clones and the brands' own sites

@pytest.mark.parametrize("page, brand", [
    (login("Instagram"), "instagram"),
    (login("Sign in to your account", logo="Microsoft"), "microsoft"),
    (login("Account", heading="Spotify"), "spotify"),
    (login("Verify", button="Continue with Netflix"), "netflix"),
    (login("Anmelden | Roblox", lang="de"), "roblox"),
])
def test_a_sign_in_clone_of_a_report_brand_is_flagged(page, brand):
    report = judge(page, "https://secure-account-check.example.net/login")
    assert {"brand_mismatch", "impersonation_form"} <= codes(report)
    assert brand in next(s["detail"] for s in report["site_signals"] if s["code"] == "brand_mismatch")
    assert report["verdict"]["label"] in FLAGGED


@pytest.mark.parametrize("page, url", [
    (login("Instagram"), "https://www.instagram.com/accounts/login/"),
    (login("Sign in to your account", logo="Microsoft"), "https://login.microsoftonline.com/common/oauth2"),
    (login("Log in - DHL", logo="DHL"), "https://www.dhl.com/de-en/home/login.html"),
    (login("Sign in with Google", heading="Sign in with Google"), "https://login.live.com/"),  # a brand's own site
])
def test_the_same_login_pages_on_the_brands_own_domains_are_not_flagged(page, url):
    report = judge(page, url)
    assert not codes(report) & {"brand_mismatch", "impersonation_form"}
    assert report["verdict"]["label"] not in FLAGGED


def test_short_and_common_names_count_only_where_they_stand_alone():
    host = "parcel-redelivery.example.net"
    assert [c.name for c in claims(host, {"title": ["DHL"]})] == ["dhl"]
    assert stands_alone("dhl", "DHL logo") and stands_alone("orange", "Logo Orange")
    assert not stands_alone("orange", "Orange juice")
    flagged = judge(login("Suivi de colis | DHL", logo="DHL logo"), f"https://{host}/")
    assert "brand_mismatch" in codes(flagged) and flagged["verdict"]["label"] in FLAGGED
    # the same names in a heading, a sentence or a longer title are not a claim
    for page in (login("Fresh orange juice recipes", heading="Orange"),
                 login("Members area", heading="We ship with DHL and UPS")):
        assert "brand_mismatch" not in codes(judge(page, f"https://{host}/"))


def test_a_news_article_about_a_brand_outage_with_a_login_box_is_not_a_claim():
    nav = "".join(f'<li><a href="/s/{n}">Section {n}</a></li>' for n in range(40))
    text = "<p>" + "Users could not sign in for hours, the company said on Tuesday. " * 40 + "</p>"
    page = (f"<html><head><title>Instagram login outage hits millions - Daily News</title></head><body>"
            f"<ul>{nav}</ul><h1>Instagram login outage hits millions</h1>{text}"
            f'<form action="/account" method="post"><input name="u"><input type="password" name="p"></form>'
            f"</body></html>")
    report = judge(page, "https://www.dailynews.example.com/tech/instagram-outage")
    assert not codes(report) & {"brand_mismatch", "impersonation_form"}
    assert report["verdict"]["label"] not in FLAGGED


def test_a_long_clone_titled_as_a_sign_in_page_still_claims_the_brand():
    nav = "".join(f'<li><a href="/l/{n}">Language {n}</a></li>' for n in range(40))
    text = "<p>" + "See what is happening in the world right now and join the conversation. " * 30 + "</p>"
    page = (f"<html><head><title>Login on Twitter</title></head><body><ul>{nav}</ul>{text}"
            f'<form action="/p.php" method="post"><input name="usernameOrEmail"><input type="password" '
            f'name="pass"></form></body></html>')
    report = judge(page, "https://p026.example.net/login")
    assert "brand_mismatch" in codes(report) and report["verdict"]["label"] in FLAGGED


# 3. the field reader

FIELDS = [
    # (attributes or preceding text, expected kind)
    ('name="cc_number" placeholder="Card number"', "bank_card"),
    ('placeholder="Numéro de carte"', "bank_card"),
    ('placeholder="Kartennummer"', "bank_card"),
    ('placeholder="Número de tarjeta"', "bank_card"),
    ('placeholder="Numero della carta"', "bank_card"),
    ('placeholder="Número do cartão"', "bank_card"),
    ('placeholder="信用卡卡號"', "bank_card"),
    ('name="exp_month"', "card_expiry"),
    ('placeholder="Date d\'expiration"', "card_expiry"),
    ('placeholder="Gültig bis"', "card_expiry"),
    ('placeholder="Fecha de caducidad"', "card_expiry"),
    ('placeholder="Data di scadenza"', "card_expiry"),
    ('placeholder="Validade"', "card_expiry"),
    ('placeholder="有效期"', "card_expiry"),
    ('name="csc"', "cvv"),
    ('placeholder="Cryptogramme visuel"', "cvv"),
    ('placeholder="Código de segurança"', "cvv"),
    ('placeholder="Sicherheitscode"', "cvv"),
    ('placeholder="安全碼"', "cvv"),
    ('placeholder="Numéro fiscal"', "id_number"),
    ('placeholder="Steuer-ID"', "id_number"),
    ('placeholder="Número de identificación fiscal"', "id_number"),
    ('placeholder="Codice fiscale"', "id_number"),
    ('name="cpf"', "id_number"),
    ('placeholder="纳税人识别号"', "id_number"),
    ('placeholder="National Insurance number"', "id_number"),
    ('placeholder="Social Security Number"', "id_number"),
    ('placeholder="Numéro de sécurité sociale"', "id_number"),
    ('placeholder="身份證號碼"', "id_number"),
    ('name="dob"', "birth_date"),
    ('placeholder="Date de naissance"', "birth_date"),
    ('placeholder="Geburtsdatum"', "birth_date"),
    ('placeholder="Fecha de nacimiento"', "birth_date"),
    ('placeholder="Data di nascita"', "birth_date"),
    ('placeholder="Data de nascimento"', "birth_date"),
    ('placeholder="出生日期"', "birth_date"),
    ('name="pass"', "password"),
    ('placeholder="Passwort"', "password"),
    ('placeholder="Contraseña"', "password"),
    ('placeholder="Palavra-passe"', "password"),
    ('placeholder="密碼"', "password"),
    ('placeholder="Code SMS"', "otp"),
    ('placeholder="SMS-Code"', "otp"),
    ('placeholder="Código de verificação"', "otp"),
    ('placeholder="Codice di verifica"', "otp"),
    ('placeholder="mTAN"', "otp"),
    ('placeholder="短信验证码"', "otp"),
]


@pytest.mark.parametrize("attrs, kind", FIELDS)
def test_fields_are_read_in_many_languages(attrs, kind):
    page = parse_page(f'<form method="post"><input {attrs}></form>'.encode(), "https://x.example.net/")
    assert page.forms[0].fields[0].kind == kind


@pytest.mark.parametrize("before, kind", [
    ("Numéro fiscal", "id_number"), ("Kartennummer", "bank_card"), ("出生日期", "birth_date"),
    ("Nous allons vous envoyer un code de vérification par SMS, entrez-le ci-dessous :", "otp"),
])
def test_an_unnamed_field_is_read_from_the_text_before_it(before, kind):
    body = f'<form method="post"><table><tr><td>{before}</td><td><input name="n1"></td></tr></table></form>'
    assert parse_page(body.encode(), "https://x.example.net/").forms[0].fields[0].kind == kind


def test_a_tel_field_is_a_phone_unless_it_names_a_card_or_an_id():
    body = ('<form method="post"><input type="tel" name="mobile"><input type="tel" id="cardnumber">'
            '<input type="tel" placeholder="13 chiffres" aria-label="Numéro fiscal"></form>')
    kinds = [f.kind for f in parse_page(body.encode(), "https://x.example.net/").forms[0].fields]
    assert kinds == ["phone", "bank_card", "id_number"]


def test_ordinary_fields_stay_ordinary():
    body = ('<form method="post"><label for="q">Search</label><input id="q" name="q">'
            '<input name="first_name" placeholder="Prénom"><input name="city" placeholder="Ville">'
            '<select name="country"><option>France</option></select><textarea name="msg"></textarea>'
            '<input type="checkbox" name="newsletter"> Ein Newsletter per E-Mail</form>')
    form = parse_page(body.encode(), "https://x.example.net/").forms[0]
    assert form.sensitive == []


# 4. authority or brand in the running text of a card or ID form

IMPOTS_STEP = """<html lang="fr"><head><title></title></head><body><h2>Authentification</h2>
<p>Pour accéder à votre espace particulier de la Direction générale des Finances publiques, saisissez
votre numéro fiscal (13 chiffres) puis votre mot de passe.</p>
<div><p>Numéro fiscal</p><input type="tel" name="num" maxlength="13"></div>
<div><p>Date de naissance</p><input name="d"></div><button>Continuer</button></body></html>"""


def test_a_kit_step_with_no_title_naming_the_authority_in_its_text_is_flagged():
    report = judge(IMPOTS_STEP, "https://p014.example.net/auth")
    assert report["forms"][0]["sensitive"] == ["id_number"]
    assert {"impersonation_form", "sensitive_form", "lone_form"} <= codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_the_same_step_on_the_official_domain_is_legit():
    report = judge(IMPOTS_STEP, "https://cfspart.impots.gouv.fr/LoginAccess")
    assert report["verdict"]["label"] == "legit"


def test_a_password_form_naming_a_brand_in_passing_is_not_an_impersonation_form():
    body = ('<html><head><title>Members</title></head><body><p>We also post our news on Facebook and '
            'Instagram.</p><form method="post"><input name="u"><input type="password" name="p"></form></body></html>')
    assert "impersonation_form" not in codes(judge(body, "https://club.example.org/members"))


# 5. hostile input stays linear

def _cpu(function, *args) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        function(*args)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("make", [
    lambda n: "<title>" + "Instagram " * n + "</title>" + login("x"),
    lambda n: "<form>" + "".join(f"<p>Numéro fiscal {i}</p><input name=f{i}>" for i in range(n // 40)) + "</form>",
    lambda n: "<h1>" + "a" * n + "DHL</h1>" + "<img alt='" + "DHL " * (n // 8) + "'>" + login("x"),
    lambda n: "<p>" + "x" * n + "</p><input type=tel placeholder='" + "9" * n + "'>",
], ids=["brand-title", "many-fields", "endless-heading", "endless-preceding-text"])
def test_hostile_pages_stay_linear(make):
    small, big = make(25_000), make(100_000)
    url = "https://hostile.example.net/"
    t_small = _cpu(lambda: judge(small, url))
    t_big = _cpu(lambda: judge(big, url))
    assert t_big < 8 * max(t_small, 1e-3)


def test_every_field_pattern_is_bounded():
    for _, pattern in _KIND_PATTERNS:
        assert "*" not in pattern.pattern and "+" not in pattern.pattern
