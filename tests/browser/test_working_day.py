"""A caseworker's and a counsellor's working day in Chromium, and issue 12's bugs as a user
meets them: find a client, act from "Mijn werk", filter and sort a list, come back to it as
it was, switch language and back; the screening not offered before the intake; a form's
errors once; another tab's change said in words; English dates day first. axe-core finds no
WCAG violation on the pages of the day, at desktop and at phone width."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from referrals.enums import State
from referrals.models import Referral
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def no_violations(page: Page, axe: Axe) -> None:
    """axe at desktop and phone width; at phone width the page does not scroll sideways."""
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        results = axe.run(page, options=WCAG)
        assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size(DESKTOP)


def to_english(page: Page) -> None:
    footer = page.locator("footer form")
    footer.locator('select[name="language"]').select_option("en")
    footer.locator('button[type="submit"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.fixture
def day(transactional_db, caseworker, counsellor, training):
    ocmw = caseworker.organisation

    def walked(state, **names):
        return referral_in_state(
            state,
            client=ClientFactory(ocmw=ocmw, **names),
            training=training,
            caseworker=caseworker,
            counsellor=counsellor,
        )

    return {
        "candidate": walked(State.CANDIDATE, first_name="Amira", last_name="Bakkali"),
        "agreed": walked(State.AGREED, first_name="Bram", last_name="Claes"),
        "admitted": walked(State.ADMITTED, first_name="Chloë", last_name="Dewulf"),
        "in_training": walked(State.IN_TRAINING, first_name="Dries", last_name="Engels"),
    }


def test_a_caseworkers_day(page: Page, log_in, caseworker, day, axe):
    log_in(page, caseworker)
    page.goto("/")
    to_english(page)
    expect(page.locator("h1")).to_have_text("My work")
    no_violations(page, axe)

    # From "Mijn werk" straight to the agreement's form.
    group = page.locator("section", has=page.locator("h2#work-agree"))
    group.get_by_role("link", name="Amira Bakkali").click()
    expect(page.locator("details#step-agree")).to_have_attribute("open", "")
    expect(page.locator(".stepper [aria-current=step]")).to_contain_text("Candidate")
    no_violations(page, axe)

    # Find a client in the list: the name is posted, never in the URL.
    page.locator("header nav").get_by_role("link", name="Referrals", exact=True).click()
    page.get_by_label("Search by name, national number or VDAB client number").fill("dewulf")
    page.get_by_role("button", name="Search", exact=True).click()
    assert "dewulf" not in page.url.lower()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Chloë Dewulf")
    page.get_by_role("button", name="Clear the search").click()
    expect(rows).to_have_count(4)

    # Filter and sort; the referral page leads back to the list as it was.
    page.get_by_label("State", exact=True).select_option("in_training")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(rows).to_have_count(1)
    page.get_by_label("State", exact=True).select_option("")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.get_by_role("link", name="Client", exact=True).click()
    expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Client")
    expect(rows.first).to_contain_text("Amira Bakkali")
    page.get_by_role("link", name="Client", exact=True).click()
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Client")
    expect(rows.first).to_contain_text("Dries Engels")
    listed = page.url
    no_violations(page, axe)
    rows.first.get_by_role("link").click()
    page.get_by_role("link", name="Back to the referrals").click()
    assert page.url == listed

    # Dates day first, times on a 24-hour clock, in English.
    page.goto(day["in_training"].get_absolute_url())
    start = day["in_training"].start_date.strftime("%d/%m/%Y")
    expect(page.locator("main")).to_contain_text(start)
    assert not re.search(r"\b[ap]\.m\.", page.locator("main").inner_text())

    # And back to Dutch: stored as the user's language, for messages and e-mails too.
    footer = page.locator("footer form")
    footer.locator('select[name="language"]').select_option("nl-be")
    footer.locator('button[type="submit"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert User.objects.get(pk=caseworker.pk).language == "nl-be"


def test_a_counsellors_day(page: Page, log_in, counsellor, day, axe):
    planned = day["agreed"]
    log_in(page, counsellor)
    page.goto("/")
    to_english(page)

    # Plan the intake from "Mijn werk": the screening is not offered before its day.
    group = page.locator("section", has=page.locator("h2#work-plan_intake"))
    group.get_by_role("link", name="Bram Claes").click()
    form = page.locator("details#step-plan_intake form")
    in_two_days = timezone.localtime() + datetime.timedelta(days=2)
    form.locator('[name="intake_at"]').fill(in_two_days.strftime("%Y-%m-%dT10:00"))
    form.locator('[name="place"]').fill("VDAB Gent")
    form.locator('button[type="submit"]').click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    expect(page.locator("details#step-admit")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Screening becomes possible from the intake on")
    no_violations(page, axe)

    # The intake is the coming week's, not yet to screen.
    page.goto("/")
    expect(page.locator("h2#work-screen + p")).to_contain_text("Nothing waiting.")
    expect(page.locator("#agenda-heading").locator("..")).to_contain_text("Bram Claes")
    no_violations(page, axe)
    assert Referral.objects.get(pk=planned.pk).counsellor_id == counsellor.pk

    # A step with errors says each once, in one round.
    page.goto(day["in_training"].get_absolute_url())
    details = page.locator("details#step-end")
    details.locator("summary").click()
    details.locator('button[type="submit"]').click()
    expect(page.locator("details#step-end .invalid-feedback").first).to_be_visible()
    alerts = page.locator("details#step-end [role=alert]")
    assert alerts.count() <= 1
    no_violations(page, axe)


def test_another_tab_s_change_is_said_in_words(page: Page, log_in, counsellor, day):
    referral = day["admitted"]
    log_in(page, counsellor)
    page.goto(referral.get_absolute_url())
    to_english(page)
    other = page.context.new_page()
    start = referral.probable_start_date.isoformat()
    for tab in (page, other):
        tab.goto(referral.get_absolute_url() + "?step=start")
        tab.locator('details#step-start [name="start_date"]').fill(start)
    page.locator("details#step-start form button[type=submit]").click()
    expect(page.locator(".messages .alert-success")).to_be_visible()
    other.locator("details#step-start form button[type=submit]").click()
    expect(other.locator(".messages .alert-danger")).to_contain_text(
        "You already did this in another tab or window"
    )
    other.close()


def test_the_step_forms_say_what_is_wrong_where_it_is(page: Page, log_in, counsellor, day):
    """The start step proposes no day still ahead; a stop reason with another result than
    an early stop is refused on its field, not dropped."""
    admitted = day["admitted"]
    ahead = timezone.localdate() + datetime.timedelta(days=5)
    Referral.objects.filter(pk=admitted.pk).update(probable_start_date=ahead)
    log_in(page, counsellor)
    page.goto(admitted.get_absolute_url() + "?step=start")
    to_english(page)
    expect(page.locator('details#step-start [name="start_date"]')).to_have_value("")

    page.goto(day["in_training"].get_absolute_url() + "?step=end")
    form = page.locator("details#step-end form")
    form.locator('[name="end_date"]').fill(timezone.localdate().isoformat())
    form.locator('[name="result"]').select_option("passed")
    form.locator('[name="stop_reason"]').select_option("illness")
    form.locator('button[type="submit"]').click()
    feedback = page.locator("details#step-end .invalid-feedback")
    expect(feedback).to_contain_text("A stop reason goes only with a training stopped early.")
    assert Referral.objects.get(pk=day["in_training"].pk).state == State.IN_TRAINING
