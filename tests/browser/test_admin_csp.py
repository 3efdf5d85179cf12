"""Django admin works under the Content Security Policy: every page of every registered
model (list, add, change, delete, history) and the project's own admin pages (referral
import, add and steps, password forms) load, and their widgets open (autocomplete, calendar
and clock, selectors, collapsed fieldsets), without the browser blocking any inline style or
script. Django's templates and ours are checked together, as a superuser sees them."""

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import Page

from referrals.models import ImportJob
from tests.referrals.admin_rows import ended_referral_and_a_row_of_every_model
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.browser

MODEL_ADMINS = {
    f"{model._meta.app_label}_{model._meta.model_name}": model for model in admin.site._registry
}


@pytest.fixture
def rows(transactional_db):
    """A row of every registered model: an ended referral and what hangs from it, a
    candidacy, an import, a lockout's records, backup codes and a passkey (logging in
    writes the rest)."""
    return ended_referral_and_a_row_of_every_model()


@pytest.fixture
def as_superuser(page: Page, log_in, admin_user) -> Page:
    log_in(page, admin_user)
    return page


def use_widgets(page: Page) -> None:
    """Open what scripts draw on a form: collapsed fieldsets, autocomplete dropdowns, the
    calendar and the clock."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    for selection in page.locator(".select2-selection--single").all()[:2]:
        selection.click()
        page.keyboard.type("a")
        page.keyboard.press("Escape")
    # Visible ones only: an inline's template row for new rows is hidden.
    for link in page.locator(
        ".datetimeshortcuts a[id^='calendarlink']:visible, "
        ".datetimeshortcuts a[id^='clocklink']:visible"
    ).all()[:2]:
        link.click()
        page.keyboard.press("Escape")


def visit(page: Page, url: str, *, interact: bool = False) -> None:
    response = page.goto(url)
    assert response.status < 500, f"{response.status} on {url}"
    page.wait_for_load_state("load")
    if interact:
        use_widgets(page)
    assert page.broken_resources == [], "stylesheets or scripts failed to load"


def assert_nothing_blocked(page: Page) -> None:
    assert page.csp_violations == [], "\n".join(page.csp_violations)


@pytest.mark.parametrize("model_key", sorted(MODEL_ADMINS))
def test_the_pages_of_each_admin_model_run_under_the_policy(as_superuser, rows, model_key):
    model = MODEL_ADMINS[model_key]
    row = model.objects.order_by("pk").first()
    assert row is not None, f"no {model_key} to show"

    visit(as_superuser, reverse(f"admin:{model_key}_changelist"))
    visit(as_superuser, reverse(f"admin:{model_key}_add"), interact=True)
    visit(as_superuser, reverse(f"admin:{model_key}_change", args=[row.pk]), interact=True)
    visit(as_superuser, reverse(f"admin:{model_key}_delete", args=[row.pk]))
    visit(as_superuser, reverse(f"admin:{model_key}_history", args=[row.pk]))

    assert_nothing_blocked(as_superuser)


def test_the_projects_own_admin_pages_run_under_the_policy(as_superuser, rows, admin_user):
    referral = rows
    for url in [
        reverse("admin:index"),
        reverse("admin:app_list", args=["referrals"]),
        reverse("admin:referrals_referral_import"),
        reverse("admin:referrals_referral_import_job", args=[ImportJob.objects.get().pk]),
        reverse("admin:referrals_referral_step", args=[referral.pk, "close"]),
        reverse("admin:auth_user_password_change", args=[admin_user.pk]),
        reverse("admin:password_change"),
    ]:
        visit(as_superuser, url, interact=True)

    assert_nothing_blocked(as_superuser)


def test_the_admin_search_and_its_clear_button_run_under_the_policy(as_superuser, rows):
    ClientFactory(last_name="Anders")  # so that the search leaves one out
    visit(as_superuser, reverse("admin:referrals_client_changelist"))
    as_superuser.locator("#searchbar").fill(rows.client.last_name)
    as_superuser.locator('#changelist-search input[type="submit"]').click()
    as_superuser.locator('button[name="_clear_search"]').click()
    as_superuser.wait_for_load_state("load")

    assert_nothing_blocked(as_superuser)


def test_the_admin_login_page_runs_under_the_policy(page: Page, transactional_db):
    visit(page, reverse("admin:login"))

    assert_nothing_blocked(page)
