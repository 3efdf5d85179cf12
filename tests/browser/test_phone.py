"""On a phone (375 × 812 CSS pixels), every main page of each role, the figures included,
is no wider than the screen (a table scrolls in its own box, the navigation folds away)
and axe-core finds no WCAG 2.0/2.1 A or AA violation there.

The page is judged as a narrow desktop window, not an emulated mobile browser: a mobile
browser zooms a page that is too wide out, and would then report a wider window."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_accessibility import (
    AXE_OPTIONS,
    WCAG_TAGS,
    Cast,
    candidacies,
    describe,
    open_all_details,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


class RoleCast(Cast):
    """The accessibility tests' cast, with the network manager and the administrator."""

    def __init__(self, *args, network_manager, administrator):
        super().__init__(*args)
        self.people |= {"network_manager": network_manager, "administrator": administrator}


@pytest.fixture
def cast(transactional_db, caseworker, counsellor, training, network_manager, administrator):
    return RoleCast(
        caseworker,
        counsellor,
        training,
        network_manager=network_manager,
        administrator=administrator,
    )


def url(name: str, *args):
    return lambda cast: reverse(name, args=args)


def detail(state: str):
    return lambda cast: cast[state].get_absolute_url()


# role: [(page, where, referrals the page should show, open every <details>?)]
PAGES = {
    "caseworker": [
        ("my-work", url("referrals:dashboard"), ("candidate", "ended")),
        ("clients", url("referrals:client_list"), ("candidate",)),
        ("client", lambda cast: cast["client"].get_absolute_url(), ("candidate",)),
        ("client-form", url("referrals:client_create"), ()),
        ("referrals", url("referrals:referral_list"), ("candidate", "in_training")),
        ("referral-to-agree", detail("candidate"), ()),
        ("referral-ended", detail("ended"), ()),
        (
            "agreement",
            lambda cast: reverse("referrals:referral_agreement", args=[cast["ended"].pk]),
            (),
        ),
        ("catalogue", url("referrals:training_list"), ()),
        ("figures", url("referrals:reports"), ("ended", "in_training")),
        ("inbox", url("notifications:inbox"), ("ended",)),
        ("preferences", url("notifications:preferences"), ()),
        ("account", url("accounts:account"), ()),
    ],
    "counsellor": [
        ("my-work", url("referrals:dashboard"), ("intake_planned", "in_training")),
        ("referrals", url("referrals:referral_list"), ("candidate", "ended")),
        ("candidacies", candidacies, ()),
        ("referral-to-screen", detail("intake_planned"), ()),
        ("referral-in-training", detail("in_training"), ()),
        ("catalogue", url("referrals:training_list"), ()),
        ("figures", url("referrals:reports"), ("ended",)),
        ("inbox", url("notifications:inbox"), ("intake_planned",)),
    ],
    "network_manager": [
        ("my-work", url("referrals:dashboard"), ()),
        ("figures", url("referrals:reports"), ("ended", "in_training")),
        ("catalogue", url("referrals:training_list"), ()),
        ("inbox", url("notifications:inbox"), ()),
    ],
    "administrator": [
        ("my-work", url("referrals:dashboard"), ()),
        ("catalogue", url("referrals:training_list"), ()),
        ("inbox", url("notifications:inbox"), ()),
        ("account", url("accounts:account"), ()),
    ],
    None: [
        ("login", url("login"), ()),
        ("password-reset", url("password_reset"), ()),
    ],
}
CASES = [
    pytest.param(role, where, needs, id=f"{role or 'anonymous'}-{name}")
    for role, pages in PAGES.items()
    for name, where, needs in pages
]


@pytest.fixture(scope="module")
def axe():
    return Axe()


def page_and_window_width(page: Page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]"))


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


def assert_fits_a_phone(page: Page, axe: Axe, url: str) -> None:
    """`url` answers, is no wider than the window and has no axe WCAG A/AA violation."""
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


@pytest.mark.parametrize(("role", "where", "needs"), CASES)
def test_a_main_page_fits_a_phone_and_has_no_wcag_violations(
    page: Page, cast, log_in, axe, role, where, needs
):
    for name in needs:
        cast[name]  # noqa: B018 - builds the referral
    page.set_viewport_size(PHONE)
    if role:
        log_in(page, cast[role])

    assert_fits_a_phone(page, axe, where(cast))


def test_the_navigation_folds_behind_a_button_on_a_phone_and_opens_with_it(
    page: Page, cast, log_in
):
    page.set_viewport_size(PHONE)
    log_in(page, cast["caseworker"])
    page.goto(reverse("referrals:dashboard"))
    menu = page.locator("#main-nav")
    toggler = page.locator(".navbar-toggler")
    expect(menu).to_be_hidden()

    toggler.click()

    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Cliënten")).to_be_visible()
