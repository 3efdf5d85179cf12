"""What an end obtained: the end step records it (left empty: the diploma on the end date
when passed, nothing otherwise), refuses what does not fit on its field, and the database
refuses it too; the diplomas table counts diplomas obtained, by the day they were."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from referrals.enums import EndResult, Obtained, State, StopReason
from referrals.models import Referral
from referrals.reports.tables import diplomas
from tests.referrals.conftest import step_post_data
from tests.referrals.factories import flow_dates, take_step
from tests.referrals.reports.builders import referral as written
from tests.referrals.reports.builders import rows

pytestmark = pytest.mark.django_db

PASSED, FAILED, EARLY, EMPLOYMENT = EndResult.values
DIPLOMA, PARTIAL, NOTHING = Obtained.values


def end(referral, counsellor, result, **kwargs):
    reason = StopReason.ILLNESS if result == EARLY else ""
    return take_step("end", referral, counsellor, result=result, stop_reason=reason, **kwargs)


@pytest.mark.parametrize(
    ("result", "expected"),
    [(PASSED, DIPLOMA), (FAILED, NOTHING), (EARLY, NOTHING), (EMPLOYMENT, NOTHING)],
)
def test_left_empty_a_passed_end_is_the_diploma_on_the_end_date(walk, counsellor, result, expected):
    referral = walk(State.IN_TRAINING)

    end(referral, counsellor, result)

    referral.refresh_from_db()
    on = flow_dates().end if expected == DIPLOMA else None
    assert (referral.obtained, referral.obtained_on) == (expected, on)


# Which end result may obtain what: a diploma only by passing; whoever passed got at least
# a certificate of part; any other end a certificate of part or nothing.
ALLOWED = {
    (PASSED, DIPLOMA),
    (PASSED, PARTIAL),
    (FAILED, PARTIAL),
    (FAILED, NOTHING),
    (EARLY, PARTIAL),
    (EARLY, NOTHING),
    (EMPLOYMENT, PARTIAL),
    (EMPLOYMENT, NOTHING),
}
MATRIX = [(r, o) for r in EndResult.values for o in Obtained.values]


@pytest.mark.parametrize(("result", "obtained"), MATRIX)
def test_what_each_end_may_obtain(walk, counsellor, result, obtained):
    referral = walk(State.IN_TRAINING)
    on = flow_dates().end if obtained != NOTHING else None

    if (result, obtained) in ALLOWED:
        end(referral, counsellor, result, obtained=obtained, obtained_on=on)
        referral.refresh_from_db()
        assert (referral.state, referral.obtained, referral.obtained_on) == (
            State.ENDED,
            obtained,
            on,
        )
    else:
        with pytest.raises(ValidationError) as refused:
            end(referral, counsellor, result, obtained=obtained, obtained_on=on)
        assert list(refused.value.message_dict) == ["obtained"]
        assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING


@pytest.mark.parametrize(
    ("obtained", "on", "message"),
    [
        (DIPLOMA, None, "Give the day it was obtained."),
        (PARTIAL, "tomorrow", "This date lies in the future."),
        (PARTIAL, "before the start", "It cannot be obtained before the start."),
        (NOTHING, "the end", "Leave the date empty when nothing was obtained."),
    ],
)
def test_the_day_it_was_obtained_is_checked(walk, counsellor, obtained, on, message):
    referral = walk(State.IN_TRAINING)
    days = {
        None: None,
        "tomorrow": timezone.localdate() + datetime.timedelta(days=1),
        "before the start": flow_dates().start - datetime.timedelta(days=1),
        "the end": flow_dates().end,
    }
    result = PASSED if obtained == DIPLOMA else FAILED

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        end(referral, counsellor, result, obtained=obtained, obtained_on=days[on])

    assert refused.value.message_dict == {"obtained_on": [message]}


def test_a_diploma_awarded_after_the_end_date_is_recorded_on_its_own_day(walk, counsellor):
    referral = walk(State.IN_TRAINING)
    awarded = flow_dates().end + datetime.timedelta(days=10)

    event = end(referral, counsellor, PASSED, obtained=DIPLOMA, obtained_on=awarded)

    event.refresh_from_db()  # as the history keeps it (JSON)
    assert (event.data["obtained"], event.data["obtained_on"]) == (DIPLOMA, awarded.isoformat())


def test_the_end_form_shows_a_refusal_on_its_field(client, walk, counsellor):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    data = step_post_data("end", referral, result=FAILED, obtained=DIPLOMA)
    data["obtained_on"] = flow_dates().end.isoformat()

    response = client.post(reverse("referrals:referral_step", args=[referral.pk, "end"]), data)

    assert response.status_code == 400
    form = dict((step.name, form) for step, form in response.context["steps"])["end"]
    assert list(form.errors) == ["obtained"]
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING


def test_the_end_form_records_a_certificate_of_part(client, walk, counsellor):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    data = step_post_data("end", referral, result=EARLY, stop_reason=StopReason.ILLNESS)
    data |= {"obtained": PARTIAL, "obtained_on": flow_dates().start.isoformat()}

    response = client.post(reverse("referrals:referral_step", args=[referral.pk, "end"]), data)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.obtained, referral.obtained_on) == (PARTIAL, flow_dates().start)


# --- the database -----------------------------------------------------------------------------


D = datetime.date
BAD_ROWS = {
    "obtained without an end": {"obtained": NOTHING},
    "an end without obtained": {"end_result": FAILED, "end_date": D(2025, 6, 30)},
    "a diploma without passing": {
        "end_result": FAILED,
        "obtained": DIPLOMA,
        "obtained_on": D(2025, 6, 30),
    },
    "passed with nothing": {"end_result": PASSED, "obtained": NOTHING},
    "a certificate without a date": {"end_result": FAILED, "obtained": PARTIAL},
    "nothing with a date": {
        "end_result": FAILED,
        "obtained": NOTHING,
        "obtained_on": D(2025, 6, 30),
    },
    "obtained before the start": {
        "end_result": PASSED,
        "obtained": DIPLOMA,
        "obtained_on": D(2024, 8, 31),
        "start_date": D(2024, 9, 1),
    },
}


@pytest.mark.parametrize("fields", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_the_database_refuses_what_the_end_step_would(walk, fields):
    referral = walk(State.IN_TRAINING)
    fields = {"obtained": "", "obtained_on": None, "end_result": "", **fields}

    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(**fields)


# --- the diplomas table -------------------------------------------------------------------------


def test_diplomas_are_counted_by_what_was_obtained_and_the_day_it_was():
    # Passed in 2024 with the diploma awarded in 2025: a diploma of 2025.
    written(
        start="2022-09-01",
        end="2024-06-30",
        result=PASSED,
        obtained=DIPLOMA,
        obtained_on=D(2025, 1, 15),
    )
    # Passed with a certificate of part only: no diploma.
    written(
        start="2022-09-01",
        end="2024-06-30",
        result=PASSED,
        obtained=PARTIAL,
        obtained_on=D(2024, 6, 30),
    )
    written(start="2022-09-01", end="2024-06-30", result=PASSED)  # a diploma of 2024
    all_referrals = Referral.objects.all()

    assert rows(diplomas(all_referrals, year=2024))[-1] == ("total", 1)
    assert rows(diplomas(all_referrals, year=2025))[-1] == ("total", 1)
    assert rows(diplomas(all_referrals, year=None))[-1] == ("total", 2)
