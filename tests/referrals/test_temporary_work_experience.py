"""An OKOT cannot run alongside a temporary work experience (TWE), the whole way: the formal
agreement is refused while one runs on its date or later (the date may lie in the past), the
start while one runs on the start date or later, and a TWE recorded (the client form, the
admin) that overlaps a trajectory in progress is refused with a message naming it. What the
refusals say: the OCMW's side reads the TWE's dates and workplace, VDAB none of it."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals.enums import State
from referrals.models import Referral, TemporaryWorkExperience
from referrals.models.followup import add_months
from referrals.services import TransitionRefused
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.conftest import client_post_data, formset_management
from tests.referrals.factories import (
    ClientFactory,
    TrainingFactory,
    flow_dates,
    referral_in_state,
    take_step,
)
from tests.referrals.refusals import assert_nothing_changed, history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

# Frozen: the flow's dates (flow_dates) are days before this one.
NOW = datetime.datetime(2025, 6, 16, 9, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 6, 16)
DAY = datetime.timedelta(days=1)
WORKPLACE = "Kringwinkel Zuid"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def twe(client, start, end=None, *, check=True):
    """A TWE of `client`; recorded as the forms record one (`full_clean`) when `check`."""
    experience = TemporaryWorkExperience(
        client=client, start_date=start, end_date=end, employer=WORKPLACE
    )
    if check:
        experience.full_clean()
    experience.save()
    return experience


def caseworker_of(referral):
    return CaseworkerFactory(organisation=referral.client.ocmw)


# --- agree: against the agreement date, which may lie in the past -------------------------------

AGREED_ON = TODAY - 60 * DAY

AGREE_CASES = [
    # (TWE start, TWE end, refused by: None | "guard" | "date")
    pytest.param(AGREED_ON - 400 * DAY, AGREED_ON - DAY, None, id="ended-the-day-before"),
    pytest.param(AGREED_ON - 400 * DAY, AGREED_ON, "date", id="ends-on-the-agreement-date"),
    pytest.param(AGREED_ON + DAY, TODAY - DAY, "date", id="ran-between-agreement-and-today"),
    pytest.param(AGREED_ON - 400 * DAY, TODAY - DAY, "date", id="ended-yesterday"),
    pytest.param(AGREED_ON - 400 * DAY, TODAY + 30 * DAY, "guard", id="runs-today"),
    pytest.param(AGREED_ON - 400 * DAY, None, "guard", id="open-ended"),
    pytest.param(TODAY + 30 * DAY, None, "guard", id="starts-next-month"),
]


@pytest.mark.parametrize(("start", "end", "refused_by"), AGREE_CASES)
def test_agree_against_a_twe_from_the_agreement_date_on(start, end, refused_by):
    referral = referral_in_state(State.CANDIDATE)
    twe(referral.client, start, end, check=False)
    events = history(referral)

    def agree():
        take_step("agree", referral, caseworker_of(referral), agreed_on=AGREED_ON)

    if refused_by is None:
        agree()
        assert Referral.objects.get(pk=referral.pk).state == State.AGREED
        return
    if refused_by == "guard":
        with pytest.raises(TransitionRefused) as refused:
            agree()
        (message,) = [m for m in refused.value.messages if "work experience" in str(m)]
    else:
        with pytest.raises(ValidationError) as refused:
            agree()
        (message,) = refused.value.message_dict["agreed_on"]
    assert WORKPLACE in str(message)  # the caseworker is told which one
    assert start.strftime("%d/%m/%Y") in str(message)
    assert_nothing_changed(referral, State.CANDIDATE, events)


def test_agree_today_after_a_twe_that_ended_yesterday_is_allowed():
    referral = referral_in_state(State.CANDIDATE)
    twe(referral.client, TODAY - 300 * DAY, TODAY - DAY, check=False)

    take_step("agree", referral, caseworker_of(referral), agreed_on=TODAY)

    assert Referral.objects.get(pk=referral.pk).state == State.AGREED


def test_the_blocked_agreement_explains_the_twe():
    referral = referral_in_state(State.CANDIDATE)
    twe(referral.client, TODAY - 10 * DAY, check=False)

    blocked = referral.blocked_steps(caseworker_of(referral))

    (reason,) = blocked["agree"]
    assert f"at {WORKPLACE} from 06/06/2025, without an end date" in reason


# --- start: against the start date --------------------------------------------------------------

START = flow_dates(TODAY).start

START_CASES = [
    pytest.param(START - 50 * DAY, START - DAY, False, id="ended-before-the-start"),
    pytest.param(START - 50 * DAY, START, True, id="ends-on-the-start-date"),
    pytest.param(START + 10 * DAY, START + 40 * DAY, True, id="during-the-training"),
    pytest.param(TODAY + 30 * DAY, None, True, id="planned-later"),
]


@pytest.mark.parametrize(("start", "end", "refused"), START_CASES)
def test_start_against_a_twe_from_the_start_date_on(start, end, refused):
    """A TWE recorded before this rule (written straight to the table) meets the start."""
    referral = referral_in_state(State.ADMITTED)
    twe(referral.client, start, end, check=False)
    counsellor = referral.events.filter(transition="admit").get().actor

    if not refused:
        take_step("start", referral, counsellor)
        assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING
        return
    with pytest.raises(ValidationError) as refusal:
        take_step("start", referral, counsellor)
    (message,) = refusal.value.message_dict["start_date"]
    assert "temporary work experience" in message
    assert WORKPLACE not in message  # VDAB does not see the OCMW's TWEs
    assert Referral.objects.get(pk=referral.pk).state == State.ADMITTED


# --- recording a TWE against the trajectories -----------------------------------------------------

DATES = flow_dates(TODAY)
EXPECTED_END = add_months(DATES.start, 24)  # TrainingFactory: 24 months

# The TWE's period, and whether it overlaps a trajectory agreed on DATES.agreed_on.
PERIODS = {
    "before-the-agreement": (DATES.agreed_on - 300 * DAY, DATES.agreed_on - DAY),
    "up-to-the-agreement": (DATES.agreed_on - 300 * DAY, DATES.agreed_on),
    "open-ended-from-last-year": (DATES.agreed_on - 300 * DAY, None),
    "from-today": (TODAY, TODAY + 90 * DAY),
    "after-the-expected-end": (EXPECTED_END + DAY, None),
}
# (state, the periods refused in it)
OVERLAPS = {
    State.AGREED: {"up-to-the-agreement", "open-ended-from-last-year", "from-today"}
    | {"after-the-expected-end"},  # no start known: the trajectory has no end yet
    State.INTAKE_PLANNED: {"up-to-the-agreement", "open-ended-from-last-year", "from-today"}
    | {"after-the-expected-end"},
    State.ADMITTED: {"up-to-the-agreement", "open-ended-from-last-year", "from-today"},
    State.IN_TRAINING: {"up-to-the-agreement", "open-ended-from-last-year", "from-today"},
    # No trajectory in progress: not yet, or no longer.
    State.CANDIDATE: set(),
    State.NOT_ADMITTED: set(),
    State.ENDED: set(),
    State.CLOSED: set(),
    State.WITHDRAWN: set(),
}
RECORD_CASES = [
    pytest.param(state, period, period in refused, id=f"{period}-{state}")
    for state, refused in OVERLAPS.items()
    for period in PERIODS
]


@pytest.mark.parametrize(("state", "period", "refused"), RECORD_CASES)
def test_recording_a_twe_against_the_trajectory(state, period, refused):
    via = State.AGREED if state == State.WITHDRAWN else None
    referral = referral_in_state(state, via=via)
    start, end = PERIODS[period]
    experience = TemporaryWorkExperience(
        client=referral.client, start_date=start, end_date=end, employer=WORKPLACE
    )

    if not refused:
        experience.full_clean()
        return
    with pytest.raises(ValidationError) as refusal:
        experience.full_clean()
    (message,) = refusal.value.messages
    assert f"“{referral.training.title}”" in message  # names the trajectory
    assert referral.get_state_display() in message


def test_a_twe_after_a_training_that_ended_early_is_fine():
    referral = referral_in_state(State.ENDED)
    twe(referral.client, referral.end_date + DAY)  # does not raise


def test_in_training_the_trajectory_lasts_until_today_at_least():
    """A training that runs past its expected end is still in progress today."""
    training = TrainingFactory(duration_months=1)
    referral = referral_in_state(State.IN_TRAINING, training=training)
    assert add_months(referral.start_date, 1) < TODAY

    with pytest.raises(ValidationError):
        twe(referral.client, TODAY - 5 * DAY)
    twe(referral.client, TODAY + DAY)  # after today: once it ends, if it ends in time


def test_in_training_the_trajectory_lasts_until_its_expected_end_after_interruptions():
    """Three months of illness move the expected end on (`services.interruptions`): a TWE
    from the day after the training's nominal end still overlaps it."""
    referral = referral_in_state(State.IN_TRAINING)
    nominal_end = add_months(referral.start_date, referral.training.duration_months)
    Referral.objects.filter(pk=referral.pk).update(expected_end_date=nominal_end + 90 * DAY)

    with pytest.raises(ValidationError):
        twe(referral.client, nominal_end + DAY)
    twe(referral.client, nominal_end + 91 * DAY)


def test_the_message_tells_what_to_do_before_and_during_the_training():
    agreed = referral_in_state(State.AGREED)
    in_training = referral_in_state(State.IN_TRAINING)
    for referral, remedy in [(agreed, "Withdraw the referral"), (in_training, "end of the")]:
        with pytest.raises(ValidationError) as refusal:
            twe(referral.client, TODAY)
        assert remedy in refusal.value.messages[0]


def test_shortening_a_twe_that_overlaps_already_is_allowed():
    """A TWE recorded before this rule: ending it is what the caseworker should do."""
    referral = referral_in_state(State.IN_TRAINING)
    experience = twe(referral.client, DATES.agreed_on - 100 * DAY, check=False)

    experience.end_date = DATES.agreed_on + DAY
    experience.full_clean()  # does not raise

    experience.end_date = None
    experience.start_date = DATES.agreed_on - 200 * DAY
    with pytest.raises(ValidationError):
        experience.full_clean()


def test_another_clients_trajectory_does_not_count():
    referral = referral_in_state(State.IN_TRAINING)
    twe(ClientFactory(ocmw=referral.client.ocmw), TODAY)  # does not raise


# --- the client form and the admin refuse it, in Dutch -----------------------------------------

DUTCH_REFUSAL = "overlapt het OKOT-traject"


def twe_rows(start: datetime.date, end: datetime.date | None = None) -> dict:
    prefix = "temporary_work_experiences"
    return {
        f"{prefix}-0-start_date": start.isoformat(),
        f"{prefix}-0-end_date": end.isoformat() if end else "",
        f"{prefix}-0-employer": WORKPLACE,
    }


def test_the_client_form_refuses_a_twe_during_the_trajectory(client, caseworker, walk):
    referral = walk(State.IN_TRAINING)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_edit", args=[referral.client.pk]),
        client_post_data(referral.client, **formset_management(), **twe_rows(TODAY)),
        HTTP_ACCEPT_LANGUAGE="nl-be",
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert DUTCH_REFUSAL in page
    assert referral.training.title in page
    assert not TemporaryWorkExperience.objects.exists()


def test_the_client_form_records_a_twe_after_the_training(client, caseworker, walk):
    referral = walk(State.ENDED)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_edit", args=[referral.client.pk]),
        client_post_data(
            referral.client, **formset_management(), **twe_rows(referral.end_date + DAY)
        ),
    )

    assert response.status_code == 302
    assert TemporaryWorkExperience.objects.get().employer == WORKPLACE


def test_the_admin_inline_refuses_a_twe_during_the_trajectory(admin_user_client):
    referral = referral_in_state(State.AGREED)
    url = reverse("admin:referrals_client_change", args=[referral.client.pk])
    response = admin_user_client.get(url)
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value not in (None, "")
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): v for n, v in management.initial.items()})
    data.update({"temporary_work_experiences-TOTAL_FORMS": "1", **twe_rows(TODAY)})

    response = admin_user_client.post(url, data, HTTP_ACCEPT_LANGUAGE="nl-be")

    assert response.status_code == 200
    assert DUTCH_REFUSAL in response.content.decode()
    assert not TemporaryWorkExperience.objects.exists()


def test_the_twe_admin_refuses_it_too(admin_user_client):
    referral = referral_in_state(State.ADMITTED)

    response = admin_user_client.post(
        reverse("admin:referrals_temporaryworkexperience_add"),
        {"client": referral.client.pk, "start_date": TODAY.isoformat(), "employer": WORKPLACE},
    )

    assert response.status_code == 200
    assert "overlaps the OKOT trajectory" in response.content.decode()
    assert not TemporaryWorkExperience.objects.exists()
