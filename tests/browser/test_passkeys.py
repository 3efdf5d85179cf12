"""Passkeys in Chromium, with its virtual authenticator (the DevTools protocol's WebAuthn
domain) standing in for a fingerprint reader: a caseworker adds a passkey on their account
page, logs out, logs in with the password and passes the second factor with the passkey; an
administrator without a device enrols with a passkey. Nothing the pages do is blocked by the
Content Security Policy."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import AXE_OPTIONS, describe

pytestmark = pytest.mark.browser

PASSWORD = "passkey-browser-test-2026"


def english(text) -> str:
    with translation.override("en"):
        return str(text)


@pytest.fixture
def webauthn_here(settings, live_server):
    """The live server's origin is the one passkeys are made for."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


def add_authenticator(page: Page) -> dict:
    """A platform authenticator that keeps passkeys and verifies its user at once."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return {"cdp": cdp, **authenticator}


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in_with_password(page: Page, user) -> None:
    page.goto(reverse("login"))
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(user.username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()


def add_passkey(page: Page, name: str) -> None:
    """Name the passkey and press the button; the backup codes follow (the first factor's)."""
    page.get_by_label(english("Name of the passkey")).fill(name)
    page.locator("#passkey-register-button").click()
    expect(page.locator("h1")).to_have_text(english("Your backup codes"))


def session_id(page: Page) -> str:
    cookies = page.context.cookies()
    return next(c["value"] for c in cookies if c["name"] == settings.SESSION_COOKIE_NAME)


def log_out(page: Page) -> None:
    page.locator('nav form[action$="/accounts/logout/"] button').click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def in_english(page: Page, live_server) -> None:
    cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}
    page.context.add_cookies([cookie])


def test_a_passkey_added_on_the_account_page_passes_the_second_factor(
    page: Page, live_server, caseworker, webauthn_here
):
    with_password(caseworker)
    add_authenticator(page)
    in_english(page, live_server)
    log_in_with_password(page, caseworker)
    page.goto(reverse("accounts:account"))

    # Without a name the browser is not asked.
    page.locator("#passkey-register-button").click()
    expect(page.get_by_label(english("Name of the passkey"))).to_have_attribute(
        "aria-invalid", "true"
    )
    assert not WebAuthnCredential.objects.filter(user=caseworker).exists()

    add_passkey(page, "Werklaptop")
    assert WebAuthnCredential.objects.get(user=caseworker).name == "Werklaptop"
    page.goto(reverse("accounts:account"))
    expect(page.locator(".passkey-list")).to_contain_text("Werklaptop")
    log_out(page)

    log_in_with_password(page, caseworker)
    expect(page).to_have_url(re.compile(reverse("accounts:verify")))
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], describe(violations)
    before = session_id(page)
    page.get_by_role("button", name=english("Use your passkey")).click()

    expect(page.locator("h1")).to_have_text(english("My work"))
    assert session_id(page) != before  # a new session id once fully logged in
    assert WebAuthnCredential.objects.get(user=caseworker).last_used_at is not None
    assert page.csp_violations == [], "\n".join(page.csp_violations)
    assert page.broken_resources == []


def test_an_administrator_without_a_device_enrols_with_a_passkey(
    page: Page, live_server, administrator, webauthn_here
):
    with_password(administrator)
    add_authenticator(page)
    in_english(page, live_server)

    log_in_with_password(page, administrator)
    expect(page).to_have_url(re.compile(reverse("accounts:enrol")))
    before = session_id(page)
    add_passkey(page, "Telefoon")
    assert session_id(page) != before  # enrolled: a new session id, as after a code
    page.get_by_role("link", name=english("I have kept them: continue")).click()

    expect(page.locator("h1")).to_have_text(english("My work"))
    log_out(page)
    log_in_with_password(page, administrator)
    page.get_by_role("button", name=english("Use your passkey")).click()
    expect(page.locator("h1")).to_have_text(english("My work"))
    page.goto(reverse("admin:index"))
    expect(page).to_have_url(re.compile(reverse("admin:index") + "$"))
    assert page.csp_violations == [], "\n".join(page.csp_violations)
