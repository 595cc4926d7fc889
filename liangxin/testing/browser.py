"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

Loaded as a pytest plugin (``-p liangxin.testing.browser`` in pyproject.toml). A test becomes a
browser test by living in a ``tests/browser/`` directory: it is marked ``browser``, moved to the end
of the run (its database is emptied after it, as every live-server test's is), and gets:

- ``chromium``: one headless Chromium per test process (``LIANGXIN_CHROMIUM``, default
  ``/usr/bin/chromium``), launched with the flags a CI container needs;
- ``site``: the live server's base URL, with the migrations' seeded data (policy, indicators)
  restored before the test (``django_db_serialized_rollback``);
- ``page_for(user, width=1366)``: a new browser page already logged in as ``user`` (the session of
  Django's test client, handed to the browser as cookies), or anonymous for ``None``;
- ``new_page(width=1366)``: an anonymous page, for the tests that log in through the form.

Helpers that check what the user sees: ``page_overflow`` (the page itself scrolls sideways at its
width: ``document.documentElement.scrollWidth > innerWidth``; tables scroll inside their own box),
``choices_off_their_label`` (a checkbox or radio button not on the same line as its label, by
bounding boxes), and ``visible_text``.

Every page opened through these fixtures fails its test on an uncaught script error or a
Content-Security-Policy violation, and a failing test leaves a screenshot of each of its pages
in ``var/browser-failures/``.

When they run: always, unless ``DATABASE_URL`` is set (the PostgreSQL pass of CI runs the rest
of the suite again; the browser tests are not database-specific) or ``LIANGXIN_BROWSER_TESTS=0``.
Without Chromium they are skipped with the reason, unless ``LIANGXIN_BROWSER_TESTS=1`` (CI), which
turns a missing browser into a failure. Alone: ``.venv/bin/pytest -m browser`` (README).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("LIANGXIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = 1366, 768
PHONE = 390, 844
# How long a page may take to answer on a loaded two-core CI machine.
TIMEOUT_MS = 30_000

MARKER = "browser"
# The test database as the migrations left it, by alias (taken by liangxin/conftest.py's django_db_setup).
SNAPSHOTS: dict[str, str] = {}
_PAGES = pytest.StashKey[list["Page"]]()


def _wanted() -> str:
    """'1' must run, '0' must not, 'auto' runs when Chromium is there and not on PostgreSQL."""
    value = os.environ.get("LIANGXIN_BROWSER_TESTS", "auto").strip().lower()
    return value if value in {"0", "1"} else "auto"


def failure_dir() -> Path:
    return Path(os.environ.get("LIANGXIN_VAR_DIR", Path(__file__).resolve().parents[2] / "var")) / "browser-failures"


# --- pytest hooks --------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: end-to-end test in Chromium (tests/browser/ directories; liangxin/testing/browser.py)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = []
    for item in items:
        if "/tests/browser/" in item.path.as_posix():
            item.add_marker(MARKER)
        if item.get_closest_marker(MARKER):
            browser_items.append(item)
    if not browser_items:
        return
    # Last: a live-server test empties the database after itself (pytest-django), taking the
    # migrations' seeded rows with it from the tests its process runs next.
    others = [item for item in items if not item.get_closest_marker(MARKER)]
    items[:] = others + browser_items
    wanted = _wanted()
    reason = None
    if wanted == "0":
        reason = "LIANGXIN_BROWSER_TESTS=0"
    elif wanted == "auto" and os.environ.get("DATABASE_URL"):
        reason = "browser tests run on the SQLite pass only (DATABASE_URL is set; LIANGXIN_BROWSER_TESTS=1 forces them)"
    elif wanted == "auto" and not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk; LIANGXIN_BROWSER_TESTS=1 fails)"
    if reason:
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and call.when in ("call", "setup"):
        pages = item.stash.get(_PAGES, [])
        if pages:
            folder = failure_dir()
            folder.mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"[^\w.-]+", "_", item.nodeid)[-150:]
            for n, page in enumerate(pages):
                if page.is_closed():
                    continue
                try:
                    path = folder / f"{stem}-{n}.png"
                    page.screenshot(path=str(path), full_page=True)
                    report.sections.append(("browser", f"screenshot of {page.url}: {path}"))
                except Exception as exc:  # a screenshot must not hide the failure
                    report.sections.append(("browser", f"no screenshot of page {n}: {exc!r}"))
    return report


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk")
    # Playwright's synchronous API keeps an event loop in this thread, which Django takes for an
    # async context and refuses database calls in; the tests' calls are synchronous code all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server: Any, django_db_serialized_rollback: None, settings: Any) -> str:
    """The live server's URL. Its database is the test's (in-memory SQLite shared with the server
    thread), with the rows the migrations seed restored before the test."""
    from django.db import connection

    # The seeded rows, restored here rather than by Django's serialized rollback, which keeps its
    # snapshot on the connection object: once Playwright runs its event loop in this thread, Django
    # hands the thread another connection object (to the same in-memory database) without it.
    # Idempotent (a row already there is saved over); the snapshot is liangxin/conftest.py's.
    if snapshot := SNAPSHOTS.get(connection.alias):
        connection.creation.deserialize_db_from_string(snapshot)
    # A test logs in and out more often than a person: no lockout of the test's address.
    settings.AXES_ENABLED = False
    settings.EXPORT_RATE_LIMIT = 10_000
    return str(live_server.url)


class PageProblems:
    """Uncaught script errors and CSP violations of a page: every one fails the test."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"script error on {page.url}: {exc}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.errors.append(f"CSP: {text}")


@pytest.fixture
def new_page(chromium: Browser, site: str, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """``new_page(width=1366, cookies=())``: a page in a browser context of its own."""
    contexts = []
    problems: list[PageProblems] = []
    pages = request.node.stash.setdefault(_PAGES, [])

    def make(width: int = DESKTOP[0], cookies: list[dict[str, Any]] | tuple[()] = ()) -> Page:
        height = PHONE[1] if width <= PHONE[0] else DESKTOP[1]
        context = chromium.new_context(
            base_url=site,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            is_mobile=width <= PHONE[0],
            has_touch=width <= PHONE[0],
        )
        context.set_default_timeout(TIMEOUT_MS)
        if cookies:
            context.add_cookies(list(cookies))
        contexts.append(context)
        page = context.new_page()
        problems.append(PageProblems(page))
        pages.append(page)
        return page

    yield make
    found = [error for p in problems for error in p.errors]
    for context in contexts:
        context.close()
    assert not found, "\n".join(found)


@pytest.fixture
def page_for(new_page: Callable[..., Page], site: str) -> Callable[..., Page]:
    """``page_for(user, width=1366)``: a page logged in as ``user`` (None: anonymous)."""
    from django.conf import settings
    from django.test import Client

    def make(user: Any, width: int = DESKTOP[0]) -> Page:
        if user is None:
            return new_page(width=width)
        client = Client()
        client.force_login(user)
        cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}]
        return new_page(width=width, cookies=[{**c, "url": site} for c in cookies])

    return make


# --- what the user sees ----------------------------------------------------------------------------

_JS = Path(__file__).with_name("js")


def page_overflow(page: Page) -> str | None:
    """None when the page fits its width; else what sticks out (the outermost elements whose
    right edge passes the window and that are not inside a box scrolling on its own)."""
    # A phone browser zooms out to show a page wider than the screen, and innerWidth grows with it:
    # the width is compared with the screen's (the viewport the page was given) too.
    width = (page.viewport_size or {"width": 0})["width"]
    found = page.evaluate((_JS / "overflow.js").read_text(encoding="utf-8"), width)
    if found["scrollWidth"] <= width and found["innerWidth"] <= width:
        return None
    return (
        f"{page.url}: {found['scrollWidth']} px wide (innerWidth {found['innerWidth']}) on a {width} px screen: "
        + "; ".join(found["culprits"])
    )


def choices_off_their_label(page: Page) -> list[str]:
    """Every visible checkbox and radio button that is not on the same line as its label's text,
    right beside it (within 40 px), or has no label at all."""
    problems: list[str] = page.evaluate((_JS / "choices.js").read_text(encoding="utf-8"))
    return [f"{page.url}: {p}" for p in problems]


def visible_text(page: Page, selector: str = "main") -> str:
    """The text a user reads in ``selector``, white space collapsed."""
    return " ".join(page.locator(selector).first.inner_text().split())
