"""A step refused because the referral moved on says who moved it, when and how: the same
user in another tab or window is told so (and a form sent twice that nothing was lost),
someone else is named as the referral's history names them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

from referrals import services
from referrals.enums import State
from referrals.models import Referral
from referrals.services import ConcurrentChange
from referrals.services.concurrency import DONE
from referrals.steps import STEPS
from tests.referrals.conftest import error_messages, step_post_data
from tests.referrals.factories import counsellor_for, referral_in_state, take_step

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime.datetime(2026, 3, 12, 10, 32, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def at_half_past_ten():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def english(client):
    # The messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def at(hour: int, minute: int) -> str:
    """A time of day as an English page shows it (Django's formats, not ours)."""
    with translation.override("en"):
        return formats.time_format(datetime.time(hour, minute), "TIME_FORMAT")


def on(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def step_url(referral, name: str) -> str:
    return reverse("referrals:referral_step", args=[referral.pk, name])


def history(referral) -> list[int]:
    return list(referral.events.values_list("pk", flat=True))


# --- on the referral page ---------------------------------------------------------------


def test_same_user_in_another_tab_is_told_it_was_them(english, counsellor, walk):
    """The counsellor's page shows `agreed`; in another tab they planned the intake."""
    referral = walk(State.AGREED)
    seen = step_post_data("withdraw", referral)
    english.force_login(counsellor)
    english.post(step_url(referral, "plan_intake"), step_post_data("plan_intake", referral))
    events = history(referral)

    response = english.post(step_url(referral, "withdraw"), seen)

    assert response.status_code == 302
    assert error_messages(response) == [
        f"You changed this referral in another tab or window at {at(10, 32)}: "
        "the intake was planned. The referral is now “Intake planned”."
    ]
    assert Referral.objects.get(pk=referral.pk).state == State.INTAKE_PLANNED
    assert history(referral) == events


def test_someone_else_is_named_with_their_organisation(english, counsellor, caseworker, walk):
    """As the history on the referral page names them: full name and organisation."""
    referral = walk(State.AGREED)
    seen = step_post_data("plan_intake", referral)
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd.")
    events = history(referral)
    english.force_login(counsellor)

    response = english.post(step_url(referral, "plan_intake"), seen)

    assert response.status_code == 302
    assert error_messages(response) == [
        f"Sofie Claes (OCMW Gent) changed this referral at {at(10, 32)}: "
        "the referral was withdrawn. Look at its new state and try again if still needed."
    ]
    assert history(referral) == events


def test_the_same_step_sent_twice_says_nothing_was_lost(english, counsellor, walk):
    """The intake form sent from two tabs: the first is stored, the second told so."""
    referral = walk(State.AGREED)
    english.force_login(counsellor)
    first = step_post_data("plan_intake", referral)
    second = step_post_data("plan_intake", referral, place="VDAB Gent, Kongostraat 7")

    english.post(step_url(referral, "plan_intake"), first)
    events = history(referral)
    response = english.post(step_url(referral, "plan_intake"), second)

    assert response.status_code == 302
    assert error_messages(response) == [
        f"You already did this in another tab or window at {at(10, 32)}: "
        "the intake was planned. It was saved once, as you first sent it, and nothing "
        "was lost. The referral is now “Intake planned”."
    ]
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.state, stored.intake_place) == (State.INTAKE_PLANNED, first["place"])
    assert history(referral) == events


def test_every_change_since_the_page_was_loaded_is_told_in_order(
    english, counsellor, caseworker, walk
):
    """The counsellor planned the intake in another tab at 10:30, then the caseworker
    withdrew the referral: the last word is the caseworker's."""
    with time_machine.travel(NOW.replace(hour=9), tick=False):
        referral = walk(State.AGREED)
    seen = step_post_data("plan_intake", referral)
    take_step(
        "plan_intake",
        referral,
        counsellor,
        at=datetime.datetime(2026, 3, 12, 10, 30, tzinfo=BRUSSELS),
    )
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd.")
    english.force_login(counsellor)

    response = english.post(step_url(referral, "plan_intake"), seen)

    assert error_messages(response) == [
        f"You already did this in another tab or window at {at(10, 30)}: "
        "the intake was planned. "
        f"Sofie Claes (OCMW Gent) changed this referral at {at(10, 32)}: "
        "the referral was withdrawn. Look at its new state and try again if still needed."
    ]


def test_a_change_on_another_day_gives_its_date(english, counsellor, caseworker, walk):
    referral = walk(State.AGREED)
    seen = step_post_data("plan_intake", referral)
    yesterday = datetime.datetime(2026, 3, 11, 16, 5, tzinfo=BRUSSELS)
    services.referral_withdraw(referral=referral, user=caseworker, at=yesterday, reason="Weg.")
    english.force_login(counsellor)

    response = english.post(step_url(referral, "plan_intake"), seen)

    assert error_messages(response)[0].startswith(
        f"Sofie Claes (OCMW Gent) changed this referral on {on(yesterday.date())} at "
        f"{at(16, 5)}: the referral was withdrawn."
    )


def test_a_form_without_the_state_it_was_loaded_in_gets_the_general_message(
    english, caseworker, walk
):
    referral = walk(State.INFORMED)
    english.force_login(caseworker)

    response = english.post(
        step_url(referral, "withdraw"), {"reason": "Verhuisd.", "confirmed": "on"}
    )

    assert error_messages(response) == [
        "This referral changed since you opened it. "
        "Look at its new state and try again if still needed."
    ]


# --- two requests at once: the save finds the state changed (django-fsm) ------------------


def stale_copies(referral) -> tuple[Referral, Referral]:
    return Referral.objects.get(pk=referral.pk), Referral.objects.get(pk=referral.pk)


@pytest.mark.usefixtures("in_english")
def test_a_double_submit_that_races_says_nothing_was_lost():
    referral = referral_in_state(State.CANDIDATE)
    caseworker = referral.created_by
    first, second = stale_copies(referral)
    take_step("agree", first, caseworker)

    with pytest.raises(ConcurrentChange) as refused:
        take_step("agree", second, caseworker, caseworker_phone="0470 00 00 00")

    assert refused.value.messages == [
        f"You already did this in another tab or window at {at(10, 32)}: "
        "the formal agreement was given. It was saved once, as you first sent it, and "
        "nothing was lost. The referral is now “Formal agreement”."
    ]


@pytest.mark.usefixtures("in_english")
def test_a_race_with_someone_else_names_them():
    """The counsellor starts the training while the caseworker withdraws the referral."""
    referral = referral_in_state(State.ADMITTED)
    counsellor = counsellor_for(referral.training)
    counsellor_copy, caseworker_copy = stale_copies(referral)
    take_step("start", counsellor_copy, counsellor)

    with pytest.raises(ConcurrentChange) as refused:
        take_step("withdraw", caseworker_copy, referral.created_by)

    assert refused.value.messages == [
        f"{counsellor} ({counsellor.organisation}) changed this referral at {at(10, 32)}: "
        "the training started. Look at its new state and try again if still needed."
    ]


@pytest.mark.usefixtures("in_english")
def test_a_handover_recorded_while_the_state_moved_on_names_who_moved_it(
    caseworker, counsellor, walk
):
    """The handover is no step, yet its save also checks the state it was loaded in."""
    referral = walk(State.AGREED, agree__handover_at=None)
    caseworker_copy, counsellor_copy = stale_copies(referral)
    take_step("plan_intake", counsellor_copy, counsellor)

    with pytest.raises(ConcurrentChange) as refused:
        services.referral_record_handover(
            referral=caseworker_copy,
            user=caseworker,
            handover_how="phone",
            handover_at=NOW - datetime.timedelta(hours=1),
            handover_counsellor=counsellor,
        )

    assert refused.value.messages == [
        f"Jan Peeters ({counsellor.organisation}) changed this referral at {at(10, 32)}: "
        "the intake was planned. Look at its new state and try again if still needed."
    ]


def test_telling_what_changed_costs_one_query(counsellor, walk, django_assert_num_queries):
    referral = walk(State.INTAKE_PLANNED)
    refusal = ConcurrentChange(referral, seen_state=State.CANDIDATE, user=counsellor, step="agree")

    with django_assert_num_queries(1):
        assert refusal.messages


def test_every_step_is_told_in_words():
    assert set(DONE) == set(STEPS)
