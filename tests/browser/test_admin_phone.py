"""Django admin on a phone (375 × 812 CSS pixels), as the superuser who runs it: the index,
the referrals app, the list and a change page of every registered model, and the project's
own admin pages are no wider than the screen (a table may scroll in its own box, as the
changelist's results do) and axe-core finds no WCAG 2.0/2.1 A or AA violation there."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page

from referrals.models import ImportJob
from tests.browser.test_accessibility import AXE_OPTIONS, WCAG_TAGS, describe, open_all_details
from tests.browser.test_admin_csp import MODEL_ADMINS
from tests.browser.test_phone import PHONE, page_and_window_width
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


def past_the_edge(page: Page, width: int) -> list[str]:
    """The elements whose right edge lies past `width`, outside boxes that scroll on their
    own (Django's changelist results, for one): what to look at when the page is too wide."""
    return page.evaluate(
        """(width) => {
          const scrolls = (el) => ['auto', 'scroll', 'hidden']
            .includes(getComputedStyle(el).overflowX);
          const inScrollingBox = (el) => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
              if (scrolls(up)) return true;
            }
            return false;
          };
          return [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .filter(el => !inScrollingBox(el))
            .slice(0, 8)
            .map(el => `<${el.tagName.toLowerCase()} id="${el.id}" class="${el.className}">`
                       + ` right=${Math.round(el.getBoundingClientRect().right)}`);
        }""",
        width,
    )


def assert_fits_and_passes_axe(page: Page, axe: Axe, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, f"{response.status} on {url}"
    assert page.url.endswith(url), f"{url} went to {page.url}"
    assert page.broken_resources == [], "stylesheets or scripts failed to load"
    open_all_details(page)
    scroll_width, window_width = page_and_window_width(page)
    too_wide = past_the_edge(page, window_width)
    assert scroll_width <= window_width, f"{url}: {scroll_width}px: {too_wide}"
    results = axe.run(page, options=AXE_OPTIONS)
    violations = [
        v for v in results.response["violations"] if set(v["tags"]).intersection(WCAG_TAGS)
    ]
    assert violations == [], f"axe at 375 px on {url}:{describe(violations)}"


@pytest.mark.parametrize("model_key", sorted(MODEL_ADMINS))
def test_the_list_and_a_change_page_of_each_admin_model_fit_a_phone(
    on_a_phone, rows, axe, model_key
):
    model = MODEL_ADMINS[model_key]
    row = model.objects.order_by("pk").first()
    assert row is not None, f"no {model_key} to show"

    assert_fits_and_passes_axe(on_a_phone, axe, reverse(f"admin:{model_key}_changelist"))
    assert_fits_and_passes_axe(on_a_phone, axe, reverse(f"admin:{model_key}_change", args=[row.pk]))


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
    assert_fits_and_passes_axe(on_a_phone, axe, where(rows))
