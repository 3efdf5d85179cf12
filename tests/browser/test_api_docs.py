"""The API's reference page (/api/docs/, Swagger UI from the drf-spectacular-sidecar
package) draws every endpoint from the live schema under the Content Security Policy, with
nothing blocked and nothing fetched from elsewhere; its colours meet WCAG AA contrast
(static/css/api-docs.css)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Swagger UI's own markup, which no stylesheet can change (docs/api.md says so): its
# operations' summaries are buttons that hold a link, its code examples scroll without
# being focusable, its tag headings skip a level, and its header lies outside a landmark.
SWAGGER_UI_MARKUP = {"nested-interactive", "scrollable-region-focusable", "heading-order", "region"}


@pytest.fixture
def reference(page: Page, live_server) -> Page:
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    response = page.goto("/api/docs/")
    assert response.status == 200
    expect(page.locator(".opblock-tag").first).to_be_visible()
    return page


def test_the_reference_draws_the_schema_under_the_policy(reference: Page, live_server):
    step = reference.locator(".opblock-summary-path", has_text="/transitions/agree/")
    expect(step).to_have_count(1)
    step.click()

    expect(reference.get_by_text("checked_conditions").first).to_be_visible()
    assert reference.locator("html").get_attribute("lang") == "nl-be"
    assert reference.broken_resources == []
    assert reference.csp_violations == [], "\n".join(reference.csp_violations)
    assert [url for url in reference.requested if not url.startswith(live_server.url)] == []


def test_nothing_but_swagger_uis_own_markup_fails_axe(reference: Page):
    reference.locator(".opblock-summary-path", has_text="/transitions/agree/").click()

    violations = Axe().run(reference).response["violations"]

    assert {v["id"] for v in violations} - SWAGGER_UI_MARKUP == set()
