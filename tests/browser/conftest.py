"""Debian's Chromium driven by Playwright, against pytest-django's live server.

Every test here is marked `browser` and deselected by `make test`; `make test-browser` runs
them. Playwright's own browser download is not used: the browser is the system's Chromium."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.accounts.two_factor import Client

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
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
TIMEOUT_MS = 10_000
# Reports each Content Security Policy violation of a page to the test (page.csp_violations).
CSP_VIOLATION_RECORDER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective}: ${event.blockedURI || "inline"} in ${event.sourceFile || ""}`
    + `:${event.lineNumber} (${document.location.pathname}) ${event.sample}`
  );
});
"""


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session.

    Playwright's sync API keeps an asyncio loop in this thread, which makes Django refuse ORM
    calls from it; the tests' own setup and assertions are plain synchronous code, so Django's
    guard is lifted while the browser runs (and only then: the rest of the suite keeps it)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) "
            "or point CHROMIUM at a Chromium binary"
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db, django_db_serialized_rollback):
    """A fresh browser context (no cookies) on the live server, as a Belgian Dutch speaker.

    The database is emptied after every test that a browser can reach, so it is restored
    from a copy each time: the roles and entry conditions come from a data migration.

    `page.broken_resources` lists the stylesheets, scripts and images that failed to load:
    without Bootstrap's CSS a contrast check would judge an unstyled page.

    `page.csp_violations` lists what the Content Security Policy blocked: each
    `securitypolicyviolation` event and each message Chromium logs about one ("Refused to
    apply inline style...")."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-BE",
        timezone_id=settings.TIME_ZONE,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.broken_resources = []
    page.on(
        "response",
        lambda response: (
            page.broken_resources.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.csp_violations = []
    page.expose_function("reportCspViolation", lambda text: page.csp_violations.append(text))
    page.add_init_script(CSP_VIOLATION_RECORDER)
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


@pytest.fixture
def log_in(live_server):
    """`log_in(page, user)`: give the browser a session for `user` without the login form
    (and, for whom it is required, with the second factor passed)."""

    def log_in_as(page, user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in_as
