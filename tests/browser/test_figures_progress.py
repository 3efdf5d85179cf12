"""The figures of all of Flanders asked for the first time (static/js/figures-progress.js):
the page says they are being counted, then shows them in place once a worker has counted
them, without being reloaded under its reader and leaving the filters as they were set."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals import tasks
from referrals.enums import State
from referrals.models import Referral
from tests.referrals.factories import ClientFactory, TrainingFactory

from .test_accessibility import AXE_OPTIONS, describe

pytestmark = pytest.mark.browser


@pytest.fixture
def queued(settings, monkeypatch):
    """Figures kept in the cache and recounts handed to a worker that has not run them yet:
    their arguments."""
    settings.OKOT_FIGURES_CACHE_SECONDS = 3600
    settings.OKOT_FIGURES_STALE_SECONDS = 300
    calls = []
    monkeypatch.setattr(
        tasks.recount_figures, "apply_async", lambda args, **options: calls.append(args)
    )
    cache.clear()
    yield calls
    cache.clear()


def test_figures_being_counted_appear_in_place_once_counted(
    page: Page, log_in, administrator, ocmw_gent, queued
):
    Referral.objects.create(
        client=ClientFactory(ocmw=ocmw_gent),
        training=TrainingFactory(),
        state=State.IN_TRAINING,
        start_date=timezone.localdate(),
    )
    log_in(page, administrator)
    page.goto(reverse("referrals:reports"))
    expect(page.locator("#figures-progress-heading")).to_have_text("De cijfers worden geteld")
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert violations == [], f"axe on {page.url}:{describe(violations)}"
    page.evaluate("window.notReloaded = true")
    page.locator("#id_basis").select_option("cohort")  # chosen while the figures count

    tasks.recount_figures(*queued[0])  # what the worker does

    expect(page.locator("#table-starts-type")).to_be_visible()
    expect(page.locator(".figures-progress")).to_have_count(0)
    expect(page.locator("#figures-announce")).to_contain_text(
        "De cijfers zijn geteld en staan onder de filters. Geteld om"
    )
    assert page.locator("#id_basis").input_value() == "cohort"
    assert page.evaluate("window.notReloaded") is True
    assert page.csp_violations == []
    assert len(queued) == 1  # asked again and again, and counted once


def test_figures_being_counted_when_the_session_ends_show_the_login_page(
    page: Page, log_in, administrator, queued
):
    log_in(page, administrator)
    page.goto(reverse("referrals:reports"))
    expect(page.locator("#figures-progress-heading")).to_be_visible()

    page.context.clear_cookies()  # the session ended (or was ended elsewhere)

    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    expect(page.locator(".figures-progress")).to_have_count(0)
