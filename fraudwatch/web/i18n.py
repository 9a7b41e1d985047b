"""Languages of the pages (Flask-Babel): zh first, en beside it.

The locale of a console request is the signed-in user's language, else the language chosen in
the session (the switch on every console page), else the best match of Accept-Language, else
zh. A public page's is its `?lang=` (zh when absent or unknown): no cookie, so that a page is
the same for every visitor and can be cached.
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
from flask_babel import get_locale, get_translations

from fraudwatch.infra.extensions import babel

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
SESSION_KEY = "lang"
PUBLIC_BLUEPRINT = "public"


def select_locale() -> str:
    """The language of this request (see the module docstring)."""
    if request.blueprint == PUBLIC_BLUEPRINT:  # in the URL only: a page is the same for everyone (cacheable)
        chosen = request.args.get("lang")
        return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
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


def catalog():
    """This request's translations, looked up once per request: Flask-Babel looks them up
    again for every string (its context, domain and locale), which took a third of the time
    of a queue page of 50 rows."""
    found = g.get("_fw_catalog")
    if found is None:
        found = g._fw_catalog = get_translations()
    return found


def mark(message: str) -> str:
    """Marks a message for the catalogs, imported as `_l` (`pybabel extract -k _l`): the message
    id itself, translated where it is shown (through `catalog`, once per request)."""
    return message


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext through the request's catalog."""
    text = catalog().ugettext(string)
    return text % variables if variables else text


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to `app` with the locale selector above; templates translate through
    the request's catalog (`catalog`)."""
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s), ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals.update(html_lang=html_lang, get_locale=get_locale)
