"""Languages of the pages (Flask-Babel): zh first, en beside it.

The locale of a request is the signed-in user's language, else the language chosen in the
session (the switch on every console page), else the best match of Accept-Language, else zh.
Catalogs live in fraudwatch/translations (see babel.cfg at the repository root):

    pybabel extract -F babel.cfg -k _l -o build/messages.pot .
    pybabel update -i build/messages.pot -d fraudwatch/translations --no-fuzzy-matching
    (translate the new entries in fraudwatch/translations/{zh,en}/LC_MESSAGES/messages.po)
    pybabel compile -d fraudwatch/translations

tests/fraudwatch/console/test_i18n.py checks that every message has a zh translation and
that the committed .mo files match the .po files."""
from __future__ import annotations

from flask import Flask, g, request
from flask import session as cookie
from flask_babel import get_locale

from fraudwatch.infra.extensions import babel

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
SESSION_KEY = "lang"


def select_locale() -> str:
    """The language of this request (see the module docstring)."""
    user = g.get("console_user")
    if user is not None and user.language in LANGUAGES:
        return user.language
    if not request.path.startswith("/api/"):  # the API has no session
        chosen = cookie.get(SESSION_KEY)
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def html_lang(locale: str) -> str:
    """The `lang` attribute of a page in `locale`."""
    return "zh-CN" if locale == "zh" else locale


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to `app` with the locale selector above."""
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_locale)
    app.jinja_env.globals.update(html_lang=html_lang, get_locale=get_locale)
