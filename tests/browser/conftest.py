"""Browser tests: the app served by a real HTTP server on 127.0.0.1 (werkzeug, in a thread)
on the same test databases and Redis as tests/conftest.py, driven by Debian's Chromium
(/usr/bin/chromium, headless) through Playwright's sync API.

- `live_server`: the base URL of the app under test.
- `browser`: one Chromium per test session; skipped, saying why, only when the binary is missing.
- `page`: a fresh browser context (zh-CN, desktop size) whose test fails on any JS dialog,
  console error or uncaught page error (`page.expect_http_error()` allows the "failed to
  load resource" console line of a page the test expects to be a 4xx).
- `make_person`, `sign_in`, `csrf` (from tests/fraudwatch/console/conftest.py) and
  `console_login(page, name, password)`: sign in through the form.

Every test here is marked `browser` (run them alone with `-m browser`, skip with `-m "not browser"`).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.fraudwatch.console.conftest import PASSWORD, csrf, make_person, sign_in  # noqa: F401 (fixtures)

CHROMIUM = Path(os.environ.get("FW_CHROMIUM", "/usr/bin/chromium"))
HERE = Path(__file__).resolve().parent
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# Pages are the same on either database (the services' own tests run on both): browser tests
# run on SQLite, except these, which drive real processes end to end on PostgreSQL only.
POSTGRESQL_ONLY = {"test_done_when_journey.py"}


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test of this folder `browser`; keep one database variant of each."""
    kept, dropped = [], []
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if not path.is_relative_to(HERE):
            kept.append(item)
            continue
        item.add_marker(pytest.mark.browser)
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("database_url")
        wanted = "postgresql" if path.name in POSTGRESQL_ONLY else "sqlite"
        (kept if backend in (None, wanted) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the session."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (.ci/run does) or set FW_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app):
    """The app under test on a real HTTP server (127.0.0.1, a free port); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class Problems:
    """What went wrong in the page: dialogs, console errors, uncaught exceptions."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.http_errors_allowed = 0

    def console(self, message) -> None:
        if message.type != "error":
            return
        if self.http_errors_allowed and "Failed to load resource" in message.text:
            self.http_errors_allowed -= 1
            return
        self.found.append(f"console error: {message.text}")

    def dialog(self, dialog) -> None:
        self.found.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context; the test fails on any dialog, console error or page error."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems = Problems()
    tab.on("console", problems.console)
    tab.on("dialog", problems.dialog)
    tab.on("pageerror", lambda error: problems.found.append(f"page error: {error}"))

    def expect_http_error(count: int = 1) -> None:
        problems.http_errors_allowed += count

    tab.expect_http_error = expect_http_error
    tab.problems = problems
    yield tab
    context.close()
    assert problems.found == [], "the page misbehaved:\n" + "\n".join(problems.found)


@pytest.fixture
def console_login():
    """Sign in through the form of /console/login."""

    def login(tab, name: str, password: str = PASSWORD) -> None:
        tab.goto("/console/login")
        tab.fill("#username", name)
        tab.fill("#password", password)
        tab.click("form.stack button[type=submit]")

    return login
