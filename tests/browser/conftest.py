"""Real-browser fixtures: Debian's headless Chromium (driven by Playwright) against a live app.

The app is served on a free loopback port from a background thread, on a throw-away copy of
the planned world's database (or any database the test makes). Without /usr/bin/chromium the
browser tests are skipped with a reason, unless BROWSER_TESTS_REQUIRED=1 (CI) makes that an
error. Playwright never downloads a browser here: it drives the system's chromium.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.web.conftest import TODAY, PlannedWorld, databases, planned  # noqa: F401
from tests.web.databases import TestDatabases
from web import create_app

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 10_000  # the longest any page element may take to appear (the solver job excepted)
PHONE = {"width": 390, "height": 844}
# screenshots go to a temporary folder, so a local run leaves the work tree clean;
# `make screenshots` (BROWSER_SCREENSHOT_DIR=docs/screenshots) refreshes the README's
SCREENSHOT_DIR_VARIABLE = "BROWSER_SCREENSHOT_DIR"


def _skip_or_fail(reason: str) -> None:
    """Skip with a printed reason, or fail where the browser is required (CI)."""
    print(f"\nbrowser tests: {reason}")
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        pytest.fail(f"{reason} (BROWSER_TESTS_REQUIRED=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class LiveApp:
    """An app served over HTTP on loopback, with the URL of its database."""

    base_url: str
    app: Flask
    database_url: str
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.base_url + path

    def stop(self) -> None:
        """Stop serving and release the database."""
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        self.app.extensions["vuoro_engine"].dispose()


def serve(database_url: str, today: date = TODAY) -> LiveApp:
    """Serve a new app on `database_url` on a free loopback port, in a daemon thread."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "browser-tests",
                      "TODAY": today})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="vuoro-live-app", daemon=True)
    thread.start()
    return LiveApp(f"http://127.0.0.1:{server.server_port}", app, database_url, server, thread)


@pytest.fixture()
def live_app_on(databases: TestDatabases) -> Iterator[Callable[[str], LiveApp]]:  # noqa: F811
    """A factory serving an app on a database made by `databases`; stopped and dropped after."""
    started: list[LiveApp] = []

    def start(database_url: str) -> LiveApp:
        started.append(serve(database_url))
        return started[-1]

    yield start
    for live in started:
        live.stop()
        databases.drop(live.database_url)


@pytest.fixture()
def live_app(planned: PlannedWorld, databases: TestDatabases, live_app_on) -> LiveApp:  # noqa: ANN001, F811
    """The app served on a private copy of the planned world's database."""
    return live_app_on(databases.create(template=planned.url))


class PageErrors:
    """Console errors, uncaught exceptions (CSP violations too) and failed requests of pages."""

    # a missing favicon is the browser's own request, not a page's: the app serves none yet
    IGNORED_PATHS = ("/favicon.ico",)

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page) -> None:  # noqa: ANN001
        """Record errors of `page` from now on."""
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.messages.append(f"{page.url}: {error}"))
        page.on("response", self._response)

    def _console(self, page, message) -> None:  # noqa: ANN001
        """Console errors, except the resource-load lines that _response reports with a URL."""
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.messages.append(f"{page.url}: {message.text}")

    def _response(self, response) -> None:  # noqa: ANN001
        """HTTP errors of any request a page makes (documents, styles, images)."""
        if response.status >= 400 and not response.url.endswith(self.IGNORED_PATHS):
            self.messages.append(f"{response.request.method} {response.url}: {response.status}")


@pytest.fixture()
def pages(browser):  # noqa: ANN001, ANN201
    """A factory of pages on a live app, each in its own browser context (one user each).

    Any console error or uncaught exception on any page (a CSP violation, a broken script)
    fails the test at teardown.
    """
    contexts = []
    errors = PageErrors()

    def make(live: LiveApp, viewport: dict | None = None):  # noqa: ANN202
        context = browser.new_context(base_url=live.base_url, viewport=viewport,
                                      accept_downloads=True)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        errors.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors.messages, "errors in the browser:\n" + "\n".join(errors.messages)


def password_of(planned_world: PlannedWorld, username: str) -> str:
    """The demo password of a user in the small world."""
    return next(u.password for u in planned_world.world.users if u.username == username)


def log_in(page, username: str, password: str) -> None:  # noqa: ANN001
    """Sign in through the login form, as a person would, and wait for the home page."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $BROWSER_SCREENSHOT_DIR when set, else a temporary folder."""
    chosen = os.environ.get(SCREENSHOT_DIR_VARIABLE)
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def screenshot(screenshot_dir: Path) -> Callable[..., Path]:
    """A function taking a full-page PNG of a page, named for the README's list."""

    def take(page, name: str) -> Path:  # noqa: ANN001
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

