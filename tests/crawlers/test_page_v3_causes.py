"""The general causes behind the kit pages of page set v3 that the analysis missed, on
hand-written pages (no string of a real kit).

- a page that is little more than a credential form names its owner in its copyright line
  ("© 2018 <brand>"): a listed brand there is a claim; an unlisted owner is not;
- an identifier-first sign-in step (the account's e-mail or phone alone, the password on
  the next page) is compared with its host like a password form; a newsletter box is not;
- a copy of another site's page (its canonical URL and its name are that site's) served
  elsewhere with a sign-in or code form posting elsewhere than that site is `copied_site`;
  the site's own page, a syndicated page and a newsletter box are not;
- a named document offered behind an e-mail and password form is `document_lure`;
- hostile copyright lines and file names stay linear.
"""
from __future__ import annotations

import pytest

from crawlers.content import copyright_owners
from tests.crawlers.judging import codes, judge_page
from tests.linear import best_cpu

FLAGGED = {"scam", "suspicious"}
NEUTRAL = "https://r7.example.com/secure/index.php"
PASSWORD = '<input name="login" placeholder="Email"><input type="password" name="pass">'
EMAIL_ONLY = '<input type="email" name="loginfmt" placeholder="Email or phone">'


def judge(body: str, url: str = NEUTRAL) -> dict:
    return judge_page(body, url)


def bare(title: str = "Sign In", fields: str = PASSWORD, head: str = "", text: str = "", foot: str = "",
         action: str = "next.php") -> str:
    return (f"<html><head><title>{title}</title></head><body>{head}<p>{text}</p>"
            f'<form action="{action}" method="post">{fields}<button>Next</button></form>'
            f"<footer>{foot}</footer></body></html>")


# 1. the copyright line of a bare credential page

@pytest.mark.parametrize("foot", ["© 2018 Microsoft", "Copyright © 2015-2019 PayPal, Inc. All rights reserved.",
                                  "(c) 2020 Microsoft Corporation"])
def test_a_listed_brand_in_the_copyright_line_of_a_bare_sign_in_page_is_claimed(foot: str) -> None:
    report = judge(bare(foot=foot))
    assert "brand_mismatch" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_an_unlisted_owner_in_the_copyright_line_claims_nothing() -> None:
    report = judge(bare(foot="© 2018 Northwind Traders"))
    assert "brand_mismatch" not in codes(report)


def test_the_brand_on_its_own_sign_in_host_is_no_claim() -> None:
    report = judge(bare(foot="© 2018 Microsoft"), url="https://login.microsoftonline.com/common/login")
    assert "brand_mismatch" not in codes(report)
    assert report["verdict"]["label"] not in FLAGGED


def test_copyright_owners_are_read_at_the_head_and_the_tail() -> None:
    text = "© 2018 Microsoft\n" + "words " * 2000 + "\nCopyright 2020 Contoso Ltd."
    assert copyright_owners(text) == ["Microsoft", "Contoso Ltd"]
    assert copyright_owners("no notice here") == []


# 2. the identifier-first sign-in step

def test_an_identifier_step_named_as_a_brand_is_flagged() -> None:
    report = judge(bare(fields=f"<p>Sign in to continue to Gmail</p>{EMAIL_ONLY}"))
    assert {"brand_mismatch", "impersonation_form"} <= codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_an_identifier_step_with_an_unlisted_name_is_compared_with_the_host() -> None:
    report = judge(bare(title="Sign in to Northwind", fields=EMAIL_ONLY))
    assert "brand_host_mismatch" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_an_identifier_step_on_its_own_site_is_not_flagged() -> None:
    report = judge(bare(title="Sign in to Northwind", fields=EMAIL_ONLY),
                   url="https://www.northwind.com/account/login")
    assert report["verdict"]["label"] not in FLAGGED


def test_a_newsletter_box_is_no_sign_in_step() -> None:
    report = judge(bare(title="Weekly tips", fields='<input type="email" name="subscriber">',
                        text="Subscribe to our newsletter about Gmail"))
    assert not codes(report) & {"brand_mismatch", "impersonation_form", "brand_host_mismatch"}
    assert report["verdict"]["label"] not in FLAGGED


# 3. a copy of another site's page

def clone(canonical: str, site_name: str, fields: str, action: str = "post.php") -> str:
    nav = "".join(f'<a href="/c/{i}">Category {i}</a>' for i in range(40))
    body = "<p>" + "Fresh offers on phones, laptops, books and groceries every single day. " * 40 + "</p>"
    return (f'<html><head><title>Online shopping for everything | {site_name}</title>'
            f'<link rel="canonical" href="{canonical}"><meta property="og:site_name" content="{site_name}">'
            f"</head><body>{nav}<h1>Welcome to {site_name}</h1>{body}"
            f'<form action="{action}" method="post"><p>Login</p>{fields}<button>Login</button></form></body></html>')


def test_a_saved_copy_of_a_shop_whose_sign_in_posts_here_is_copied_site() -> None:
    report = judge(clone("https://www.shopmart.com/", "ShopMart", PASSWORD))
    assert "copied_site" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_a_saved_copy_whose_one_time_code_form_posts_here_is_copied_site() -> None:
    fields = '<label>Enter OTP <input name="otp"></label>'
    assert "copied_site" in codes(judge(clone("https://www.shopmart.com/", "ShopMart", fields)))


def test_the_shop_on_its_own_host_is_not_copied_site() -> None:
    report = judge(clone("https://www.shopmart.com/", "ShopMart", PASSWORD), url="https://www.shopmart.com/")
    assert "copied_site" not in codes(report)


def test_a_syndicated_page_named_as_its_host_is_not_copied_site() -> None:
    # canonical to the original publisher, but the page calls itself by its own host's name
    report = judge(clone("https://www.wirenews.com/story/1", "Example Daily", PASSWORD),
                   url="https://www.exampledaily.com/story/1")
    assert "copied_site" not in codes(report)


def test_a_newsletter_box_on_a_copied_page_is_not_copied_site() -> None:
    fields = '<input type="email" name="newsletter" placeholder="Your e-mail for our deals">'
    html = clone("https://www.shopmart.com/", "ShopMart", fields).replace("<p>Login</p>", "<p>Deals</p>")
    html = html.replace("<button>Login</button>", "<button>Subscribe</button>")
    assert "copied_site" not in codes(judge(html))


# 4. a document behind an e-mail and password form

def test_a_named_document_behind_an_email_and_password_form_is_a_lure() -> None:
    report = judge(bare(title="Documents", text="File to download: Quarterly_Report.xlsx. Log in with your "
                                                "e-mail and password to view it."))
    assert "document_lure" in codes(report)
    assert report["verdict"]["label"] in FLAGGED


def test_a_sign_in_page_naming_no_document_is_no_lure() -> None:
    report = judge(bare(title="Documents", text="Log in with your e-mail and password."))
    assert "document_lure" not in codes(report)


# 5. linear time on hostile input

@pytest.mark.parametrize("unit", ["© ", "©2019-", "copyright ", "a.doc", "x-" * 30 + ".", "(c) 2020 "])
def test_hostile_copyright_lines_and_file_names_stay_linear(unit: str) -> None:
    small = bare(foot=unit * 2_000, text=unit * 2_000)
    big = bare(foot=unit * 16_000, text=unit * 16_000)
    t_small = best_cpu(lambda: judge(small))
    t_big = best_cpu(lambda: judge(big))
    assert t_big < 16 * max(t_small, 1e-3)
