"""The issue's "Done when", clicked through in Chromium: a caseworker of OCMW Gent registers a
client and a referral and formally agrees; a counsellor of VDAB Oost-Vlaanderen plans the
intake, admits, starts and ends the training; the timeline shows every step in order.

Inputs are found by their `name`, step forms by their action URL: both are stable while the
wording and its translations change. The UI is switched to English through the footer's
language form, so the texts asserted are the source strings."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from referrals.enums import EndResult, State
from referrals.models import Referral
from referrals.steps import STEPS
from tests.referrals.factories import SCREENING, candidacy_before, flow_dates, make_insz

pytestmark = pytest.mark.browser

CASEWORKER_PASSWORD = "caseworker-walkthrough-2026"
COUNSELLOR_PASSWORD = "counsellor-walkthrough-2026"


def english(text) -> str:
    with translation.override("en"):
        return str(text)


# The people and the training are the cast of tests/conftest.py; these two log in through
# the form, so they get a username and password the test knows.


@pytest.fixture
def caseworker(caseworker):
    return with_login(caseworker, "ma-gent", CASEWORKER_PASSWORD)


@pytest.fixture
def counsellor(counsellor):
    return with_login(counsellor, "vdab-oost", COUNSELLOR_PASSWORD)


def with_login(user, username: str, password: str):
    user.username = username
    user.set_password(password)
    user.save(update_fields=["username", "password"])
    return user


def switch_to_english(page: Page) -> None:
    footer_form = page.locator("footer form")
    footer_form.locator('select[name="language"]').select_option("en")
    footer_form.locator('button[type="submit"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def log_in_through_form(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    form.locator('button[type="submit"]').click()
    expect(page.locator("h1")).to_have_text(english("My work"))


def log_out(page: Page) -> None:
    page.locator('nav form[action$="/accounts/logout/"] button').click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def take_step(
    page: Page, name: str, fields: dict[str, str], *, reaches: str, tick_all: str = ""
) -> None:
    """Open step `name`'s <details>, fill its form (ticking every `tick_all` checkbox),
    submit, and see the step done and the referral in state `reaches`."""
    details = page.locator(f'details:has(form[action$="/step/{name}/"])')
    if not details.evaluate("element => element.open"):  # a link from Mijn werk opens it
        details.locator("summary").click()
    form = details.locator("form")
    expect(form).to_be_visible()
    if tick_all:
        boxes = form.locator(f'input[type="checkbox"][name="{tick_all}"]')
        assert boxes.count() > 0, f"no {tick_all} checkboxes in step {name}"
        for box in boxes.all():
            box.check()
    for field, value in fields.items():
        control = form.locator(f'[name="{field}"]')
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.locator('button[type="submit"]').click()
    expect(page.locator(".messages .alert-success")).to_contain_text(english(STEPS[name].label))
    expect(page.locator(".state-badge").first).to_have_text(english(State(reaches).label))


def test_caseworker_and_counsellor_walk_a_referral_from_client_to_end_of_training(
    page: Page, caseworker, counsellor, training
):
    dates = flow_dates()
    page.goto("/accounts/login/")
    switch_to_english(page)

    # --- the caseworker of OCMW Gent -------------------------------------------------------
    log_in_through_form(page, "ma-gent", CASEWORKER_PASSWORD)
    page.locator("nav").get_by_role("link", name="Clients").click()
    expect(page.locator("h1")).to_have_text("Clients")
    page.locator('main a[href$="/clients/new/"]').click()

    client_form = page.locator("main form")
    client_form.locator('[name="first_name"]').fill("Jonas")
    client_form.locator('[name="last_name"]').fill("De Smet")
    client_form.locator('[name="insz"]').fill(make_insz(datetime.date(1985, 7, 30), 33))
    client_form.locator('[name="registered_job_seeker"]').check()
    consent_date = timezone.localdate() - datetime.timedelta(days=200)
    client_form.locator('[name="consent_given_on"]').fill(consent_date.isoformat())
    client_form.locator('[name="consent_reference"]').fill("OCMW/2026/0042")
    client_form.locator('button[type="submit"]').click()
    expect(page.locator(".messages .alert-success")).to_have_text(
        "The client's details were saved."
    )
    expect(page.locator("h1")).to_contain_text("Jonas")

    page.locator('main a[href$="/referrals/new/"]').click()
    referral_form = page.locator("main form")
    referral_form.locator('select[name="training"]').select_option(str(training.pk))
    expect(referral_form.locator('[name="apply"]')).to_be_checked()
    referral_form.locator('button[type="submit"]').click()
    expect(page.locator(".messages .alert-success")).to_have_text("The referral was registered.")
    expect(page.locator(".state-badge").first).to_have_text(english(State.CANDIDATE.label))
    referral = Referral.objects.get(client__last_name="De Smet", training=training)
    expect(page).to_have_url(re.compile(re.escape(referral.get_absolute_url()) + "$"))
    # The walk's dates lie months back: its candidacy came a week before the agreement.
    candidacy_before(referral, dates.agreed_on)

    take_step(
        page,
        "agree",
        {
            "agreed_on": dates.agreed_on.isoformat(),
            "caseworker_phone": "09 266 12 34",
            "handover_notes": "Gemotiveerd; kinderopvang op woensdag nog te regelen.",
        },
        reaches=State.AGREED,
        tick_all="checked_conditions",
    )

    page.locator('main a[href$="/agreement/"]').click()
    expect(page.locator("h1")).to_have_text("Formal agreement with an OKOT candidacy")
    expect(page.locator("main")).to_contain_text("Jonas")
    expect(page.locator("main")).to_contain_text("09 266 12 34")
    page.go_back()

    log_out(page)

    # --- the counsellor of VDAB Oost-Vlaanderen -------------------------------------------
    log_in_through_form(page, "vdab-oost", COUNSELLOR_PASSWORD)
    waiting = page.locator('section:has(h2:has-text("To plan an intake"))')
    # The row leads straight to the step's form.
    waiting.locator(f'a[href^="{referral.get_absolute_url()}?step=plan_intake"]').click()

    take_step(
        page,
        "plan_intake",
        {
            "intake_at": timezone.localtime(dates.intake_at).strftime("%Y-%m-%dT%H:%M"),
            "place": "VDAB Gent, Kongostraat 7",
        },
        reaches=State.INTAKE_PLANNED,
    )
    take_step(
        page,
        "admit",
        {
            **SCREENING,
            "probable_start_date": dates.start.isoformat(),
            "probable_location": "Campus Gent",
        },
        reaches=State.ADMITTED,
    )
    take_step(page, "start", {"start_date": dates.start.isoformat()}, reaches=State.IN_TRAINING)
    take_step(
        page,
        "end",
        {"end_date": dates.end.isoformat(), "result": EndResult.PASSED.value},
        reaches=State.ENDED,
    )

    timeline = page.locator("ol.timeline > li strong")
    steps = ["apply", "agree", "plan_intake", "admit", "start", "end"]
    expect(timeline).to_have_text(["Registered", *(english(STEPS[name].label) for name in steps)])
    referral.refresh_from_db()
    assert referral.state == State.ENDED
    assert referral.end_result == EndResult.PASSED
