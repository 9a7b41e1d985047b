"""Kit pages that say little of themselves, on hand-written pages.

- a credential page's first logo file names the site ("img/logo_northwind.png"): compared
  with the host like any name the page gives itself; generic file names name no one;
- a 3-D Secure / card-check step served as a page of its own asks for a code: flagged; an
  article about 3-D Secure is not;
- an article-shaped page titled as a brand that asks for a password with a birth date or a
  card claims the brand; a news site's readers' sign-in box does not;
- a dead-end credential form posting to a script named like a kit's (send_bill.php) is a
  kit's; one posting to login.php is not;
- a bare form for a date of birth and a phone number is a kit's identity step, and the name
  its logo gives is compared with the host;
- hostile logo file names, titles and form actions stay linear.
"""
from __future__ import annotations

import pytest

from crawlers.page import parse_page
from tests.crawlers.judging import codes, judge_page
from tests.linear import best_cpu

FLAGGED = {"scam", "suspicious"}
NEUTRAL = "https://account-check.example.net/step/index.php"
PASSWORD = '<input name="user" placeholder="Email"><input type="password" name="pass">'
CARD = ('<label>Card number <input name="cardnumber"></label><label>Expiry <input name="exp"></label>'
        '<label>CVV <input name="cvv"></label>')


def judge(body: str, url: str = NEUTRAL) -> dict:
    return judge_page(body, url)


def links(n: int) -> str:
    return "".join(f'<a href="/section/{i}">Section {i}</a>' for i in range(n))


def page(title: str = "Sign In", logo: str = "", fields: str = PASSWORD, action: str = "/session",
         n_links: int = 0, text: str = "") -> str:
    img = f'<img src="{logo}" alt="Logo">' if logo else ""
    return (f"<html><head><title>{title}</title></head><body>{img}{links(n_links)}<p>{text}</p>"
            f'<form action="{action}" method="post">{fields}<button>Continue</button></form></body></html>')


def article(title: str, fields: str, n_links: int = 40) -> str:
    body = "<p>" + "The match ended late in the evening and the fans went home happy. " * 40 + "</p>"
    return (f"<html><head><title>{title}</title></head><body>{links(n_links)}<h1>{title}</h1>{body}"
            f'<form action="/account/update" method="post">{fields}<button>Save</button></form></body></html>')


# 1. the name in a logo's file name

@pytest.mark.parametrize("src,name", [
    ("index_files/logo_northwind.png", "northwind"),
    ("/img/northwind-logo.svg?v=3", "northwind"),
    ("assets/LogoKumoCable@2x.png", "kumocable"),
    ("/static/header_logo_white.png", None),
    ("/i/logo.svg", None),
    ("/i/logout.png", None),
])
def test_a_logo_file_name_is_read_as_a_name(src, name):
    found = parse_page(page(logo=src).encode(), NEUTRAL).logo_files
    assert found == ([name] if name else [""] if "logo" in src.replace("logout", "") else [])


def test_a_sign_in_page_whose_logo_file_names_another_site_is_flagged():
    body = page(logo="index_files/logo_northwind.png", n_links=22)
    report = judge(body)
    assert "brand_host_mismatch" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_the_same_page_on_the_named_site_is_no_mismatch():
    body = page(logo="index_files/logo_northwind.png", n_links=22)
    assert "brand_host_mismatch" not in codes(judge(body, "https://www.northwind.com/login"))


def test_only_the_first_logo_file_counts():
    body = page(logo="/i/logo_main.png", n_links=22).replace(
        "</form>", '</form><img src="/partners/logo_visa.png"><img src="/partners/logo_kumo.png">')
    assert "brand_host_mismatch" not in codes(judge(body))


# 2. a card check served as a page of its own

@pytest.mark.parametrize("title,text", [
    ("Verified by Visa", "Enter the one-time password sent to your phone"),
    ("Added Protection", "3D Secure: enter your password to approve the payment of EUR 1.00"),
    ("本人認証", "3Dセキュア パスワードを入力してください"),
])
def test_a_card_check_step_is_flagged(title, text):
    fields = '<label>Password <input type="password" name="p"></label>'
    report = judge(page(title=title, text=text, fields=fields))
    assert "card_check_page" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_an_article_on_3d_secure_with_a_readers_login_is_no_card_check():
    report = judge(article("How 3D Secure protects card payments", PASSWORD))
    assert "card_check_page" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


def test_a_3d_secure_page_asking_nothing_is_no_card_check():
    assert "card_check_page" not in codes(judge(page(title="Verified by Visa", fields='<input name="q">')))


# 3. an article-shaped page asking for more than a sign-in

def test_a_brand_titled_profile_page_asking_a_password_and_a_birth_date_claims_the_brand():
    fields = PASSWORD + '<label>Date of birth <input name="dob"></label>'
    report = judge(article("Edit your profile - PayPal", fields))
    assert "brand_mismatch" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_a_news_article_with_a_readers_sign_in_box_claims_nothing():
    report = judge(article("PayPal - outage leaves users without payments", PASSWORD))
    assert "brand_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


# 4. where the form posts

@pytest.mark.parametrize("action", ["send_bill.php", "mailer.php", "/x/3d.php", "result.php", "2.php"])
def test_a_dead_end_card_form_posting_to_a_kit_script_is_flagged(action):
    assert "kit_form_action" in codes(judge(page(title="Billing", fields=CARD, action=action)))


@pytest.mark.parametrize("action", ["login.php", "/session", "wp-login.php", "next.php", "http://[zz/send.php"])
def test_ordinary_form_actions_are_no_kit_script(action):
    assert "kit_form_action" not in codes(judge(page(fields=PASSWORD, action=action)))


def test_a_linked_page_posting_to_send_php_is_not_read_for_it():
    assert "kit_form_action" not in codes(judge(page(fields=PASSWORD, action="send.php", n_links=30)))


# 5. a bare identity step

IDENTITY = ('<label>Date of birth <input name="dob"></label><label>Phone number <input type="tel" name="tel">'
            '</label><label>Address <input name="addr"></label>')


def test_a_bare_identity_step_under_another_sites_logo_is_flagged():
    body = page(title="Confirm your details", fields=IDENTITY).replace(
        "<body>", '<body><a class="logo" href="/"><img src="/i/mark.svg" alt="Kumo Cable"></a>')
    report = judge(body)
    assert {"identity_form", "brand_host_mismatch"} <= codes(report)
    assert report["verdict"]["label"] in FLAGGED


@pytest.mark.parametrize("n_links,fields", [
    (30, IDENTITY),  # a linked sign-up page
    (0, '<label>Date of birth <input name="dob"></label>'),  # no phone asked
])
def test_other_identity_forms_are_no_identity_step(n_links, fields):
    assert "identity_form" not in codes(judge(page(title="Register", fields=fields, n_links=n_links)))


# 6. hostile input stays linear

@pytest.mark.parametrize("make", [
    lambda n: "".join(f'<img src="/{"logo_" * 20}{i}.png">' for i in range(n // 120)) + page(),
    lambda n: page(logo="/i/" + "logo-" * (n // 5) + ".png"),
    lambda n: page(title="3d " * (n // 3), text="3-d-" * (n // 4)),
    lambda n: page(fields=CARD, action="/" + "send" * (n // 4) + ".php"),
    lambda n: page(fields=CARD, action="/" + "a/" * (n // 2) + "send.php"),
], ids=["many-logo-files", "endless-logo-file", "endless-3d", "endless-action", "deep-action"])
def test_hostile_pages_stay_linear(make):
    small, big = make(25_000), make(100_000)
    t_small = best_cpu(lambda: judge(small))
    t_big = best_cpu(lambda: judge(big))
    assert t_big < 8 * max(t_small, 1e-3)
