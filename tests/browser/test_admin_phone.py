"""Django admin on a phone (375 × 812 CSS pixels), as the superuser who runs it: the index,
the referrals app, the list and a change page of every registered model, and the project's
own admin pages are no wider than the screen (a table may scroll in its own box, as the
changelist's results do) and axe-core finds no WCAG 2.0/2.1 A or AA violation there."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page

from referrals.models import ImportJob
from tests.browser.test_admin_csp import MODEL_ADMINS
from tests.browser.test_phone import PHONE, assert_fits_a_phone
from tests.referrals.admin_rows import ended_referral_and_a_row_of_every_model

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def rows(transactional_db):
    return ended_referral_and_a_row_of_every_model()


@pytest.fixture
def on_a_phone(page: Page, log_in, admin_user) -> Page:
    """The superuser (with the second factor passed, as the admin site asks) on a phone."""
    page.set_viewport_size(PHONE)
    log_in(page, admin_user)
    return page


@pytest.mark.parametrize("model_key", sorted(MODEL_ADMINS))
def test_the_list_and_a_change_page_of_each_admin_model_fit_a_phone(
    on_a_phone, rows, axe, model_key
):
    model = MODEL_ADMINS[model_key]
    row = model.objects.order_by("pk").first()
    assert row is not None, f"no {model_key} to show"

    assert_fits_a_phone(on_a_phone, axe, reverse(f"admin:{model_key}_changelist"))
    assert_fits_a_phone(on_a_phone, axe, reverse(f"admin:{model_key}_change", args=[row.pk]))


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda referral: reverse("admin:index"), id="index"),
        pytest.param(lambda referral: reverse("admin:app_list", args=["referrals"]), id="app"),
        pytest.param(lambda referral: reverse("admin:referrals_referral_import"), id="import"),
        pytest.param(
            lambda referral: reverse(
                "admin:referrals_referral_import_job", args=[ImportJob.objects.get().pk]
            ),
            id="import-job",
        ),
        pytest.param(
            lambda referral: reverse("admin:referrals_referral_step", args=[referral.pk, "close"]),
            id="step",
        ),
        pytest.param(
            lambda referral: reverse(
                "admin:referrals_client_subject_access", args=[referral.client.pk]
            ),
            id="subject-access",
        ),
    ],
)
def test_the_admin_index_and_the_projects_own_admin_pages_fit_a_phone(on_a_phone, rows, axe, where):
    assert_fits_a_phone(on_a_phone, axe, where(rows))
