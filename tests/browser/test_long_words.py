"""A long word wraps: with a pasted link of 3,000 characters in a note and the warm handover, and
a last name of 100 characters without a space, the referral page, the printed formal
agreement, the inbox and Django admin stay as wide as the window, on a desktop and a phone."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from referrals import services
from referrals.enums import GuidanceTopic, State
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.browser

WORD = "https://example.org/" + "a" * 2_980
NAME = "Van" + "de" * 48 + "n"  # a last name as long as one may be: 100 characters
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def referral(transactional_db, caseworker, counsellor, training):
    """In training, with the long word in the warm handover and in a guidance note of the
    counsellor (which also reaches the caseworker's inbox), for a client with a long name
    (in the page's title and the messages' subjects)."""
    referral = referral_in_state(
        State.IN_TRAINING,
        client=ClientFactory(ocmw=caseworker.organisation, last_name=NAME),
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
        agree__handover_notes=WORD,
    )
    services.guidance_note_add(
        referral=referral,
        user=counsellor,
        topic=GuidanceTopic.PROGRESS,
        note=WORD,
        written_on=referral.start_date,
    )
    return referral


def open_all_details(page: Page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def page_and_window_width(page: Page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]"))


# (who looks, where, in which medium)
PAGES = {
    "referral": ("caseworker", lambda r: r.get_absolute_url(), "screen"),
    "agreement-printed": (
        "caseworker",
        lambda r: reverse("referrals:referral_agreement", args=[r.pk]),
        "print",
    ),
    "inbox": ("caseworker", lambda r: reverse("notifications:inbox"), "screen"),
    # Tables scroll sideways in their own box instead (.table-responsive).
    "referral-list": ("caseworker", lambda r: reverse("referrals:referral_list"), "screen"),
    "admin-referral": (
        "administrator",
        lambda r: reverse("admin:referrals_referral_change", args=[r.pk]),
        "screen",
    ),
}


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("where", PAGES)
def test_a_long_word_does_not_make_the_page_wider_than_the_window(
    page: Page, log_in, referral, request, where, viewport
):
    who, url, media = PAGES[where]
    page.set_viewport_size(viewport)
    page.emulate_media(media=media)
    log_in(page, request.getfixturevalue(who))

    response = page.goto(url(referral))

    assert response.status == 200
    open_all_details(page)
    # The long text is on the page (not cut off, not left out) ...
    text = page.locator("body").inner_text().replace("\n", "")
    assert (NAME if where == "referral-list" else WORD) in text
    # ... and the page is no wider than the window.
    scroll_width, window_width = page_and_window_width(page)
    assert scroll_width <= window_width, f"{where}: {scroll_width}px in a {window_width}px window"
