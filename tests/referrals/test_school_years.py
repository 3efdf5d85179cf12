"""School years: VDAB records how each year of a trajectory went, from the start of the
training to after its end, for the years it ran in; a correction keeps the result it
replaces in the history; the OCMW's caseworker is told of each, a correction too; the OCMW
reads them and may not record one (403), someone outside the referral gets a 404; bad input
is a 400 with the field's error, never a 500."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import Entry, Kind
from notifications.models import Kind as MessageKind
from notifications.models import Notification
from referrals import services
from referrals.enums import SCHOOL_YEAR_RECORDED, EndResult, Obtained, SchoolYearResult, State
from referrals.models import Referral, SchoolYear
from referrals.models.followup import school_year_label, school_year_of
from tests.referrals.conftest import in_ui_language, success_messages

pytestmark = pytest.mark.django_db

BRUSSELS = timezone.get_default_timezone()
WALKED = datetime.datetime(2024, 6, 1, 12, tzinfo=BRUSSELS)  # starts 3 March 2024: 2023–2024
TODAY = datetime.datetime(2026, 3, 16, 12, tzinfo=BRUSSELS)  # in 2025–2026
PASSED, REPEATS, STOPPED = SchoolYearResult.values


@pytest.fixture
def in_training(walk):
    """In training since the school year 2023–2024, today in 2025–2026."""
    with time_machine.travel(WALKED, tick=False):
        referral = walk(State.IN_TRAINING)
    with time_machine.travel(TODAY, tick=False):
        yield referral


def record(referral, user, year, result=PASSED):
    return services.school_year_record(referral=referral, user=user, year=year, result=result)


def url(referral) -> str:
    return reverse("referrals:referral_school_year", args=[referral.pk])


def test_school_years_are_counted_from_the_first_of_september():
    assert school_year_of(datetime.date(2025, 8, 31)) == 2024
    assert school_year_of(datetime.date(2025, 9, 1)) == 2025
    assert school_year_label(2025) == "2025–2026"


def test_the_years_open_are_those_the_training_ran_in(in_training):
    assert list(services.school_years_open(in_training)) == [2023, 2024, 2025]


def test_a_start_before_2000_opens_the_years_the_database_takes(in_training, counsellor):
    """An imported start of June 2000 lies in 1999–2000, a year the database refuses: it
    is not offered, and asked for it is refused on its field (not retried as a race)."""
    Referral.objects.filter(pk=in_training.pk).update(
        applied_on=None,
        agreed_on=datetime.date(2000, 4, 1),
        intake_at=None,
        handover_how="",
        handover_at=None,
        handover_recorded_at=None,
        start_date=datetime.date(2000, 6, 1),
    )
    in_training.refresh_from_db()

    assert services.school_years_open(in_training)[0] == 2000
    with pytest.raises(ValidationError) as refused:
        record(in_training, counsellor, 1999)
    assert "year" in refused.value.message_dict
    assert not SchoolYear.objects.exists()


def test_the_counsellor_records_a_year_with_a_history_line_and_a_trail_row(in_training, counsellor):
    school_year = record(in_training, counsellor, 2023, REPEATS)

    assert (school_year.year, school_year.result) == (2023, REPEATS)
    assert (school_year.recorded_by, school_year.recorded_at) == (counsellor, timezone.now())
    event = in_training.events.get(transition=SCHOOL_YEAR_RECORDED)
    assert (event.actor, event.from_state, event.to_state) == (counsellor, "", State.IN_TRAINING)
    assert event.data == {"year": 2023, "result": REPEATS}
    change = Entry.objects.get(kind=Kind.CHANGE, referral_id=in_training.pk)
    assert change.detail["model"] == "referrals.schoolyear"
    assert change.detail["fields"]["result"] == [None, REPEATS]


def test_a_second_result_corrects_the_first_and_the_same_one_changes_nothing(
    in_training, counsellor, administrator
):
    record(in_training, counsellor, 2024, PASSED)
    record(in_training, administrator, 2024, STOPPED)
    record(in_training, administrator, 2024, STOPPED)

    school_year = SchoolYear.objects.get()
    assert (school_year.result, school_year.recorded_by) == (STOPPED, administrator)
    events = in_training.events.filter(transition=SCHOOL_YEAR_RECORDED).order_by("pk")
    assert [e.data for e in events] == [
        {"year": 2024, "result": PASSED},
        {"year": 2024, "result": STOPPED, "before": PASSED},
    ]


def told(user, channel=Notification.Channel.IN_APP):
    return Notification.objects.filter(
        kind=MessageKind.SCHOOL_YEAR_RECORDED, recipient=user, channel=channel
    )


@pytest.mark.parametrize(
    ("language", "result", "shown"),
    [
        ("nl-be", REPEATS, "dubbelt het jaar"),
        ("nl-be", PASSED, "jaar geslaagd"),
        ("en", STOPPED, "stopped"),
    ],
)
def test_the_caseworker_is_told_the_year_and_its_result_and_the_counsellor_not(
    in_training, counsellor, caseworker, language, result, shown
):
    caseworker.language = language
    caseworker.save(update_fields=["language"])

    record(in_training, counsellor, 2023, result)

    (message,) = told(caseworker)
    assert message.referral == in_training
    assert "2023–2024" in message.subject
    assert str(in_training.client) in message.subject
    assert "2023–2024" in message.body
    assert "Verpleegkunde HBO5" in message.body
    assert f": {shown}.\n" in message.body
    assert told(caseworker, Notification.Channel.EMAIL).count() == 1
    assert not Notification.objects.filter(
        kind=MessageKind.SCHOOL_YEAR_RECORDED, recipient=counsellor
    ).exists()


def test_a_correction_tells_the_caseworker_again_and_the_same_result_not(
    in_training, counsellor, caseworker
):
    caseworker.language = "en"
    caseworker.save(update_fields=["language"])
    record(in_training, counsellor, 2024, PASSED)
    record(in_training, counsellor, 2024, STOPPED)
    record(in_training, counsellor, 2024, STOPPED)

    first, correction = told(caseworker).order_by("pk")
    assert "passed the year" in first.body
    assert "corrected" in correction.subject
    assert "2024–2025" in correction.subject
    assert "corrected: stopped (recorded before: passed the year)." in correction.body


@pytest.mark.parametrize("year", [2022, 2026, 1999])
def test_a_year_outside_the_training_is_refused_on_its_field(in_training, counsellor, year):
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        record(in_training, counsellor, year)

    assert refused.value.message_dict == {
        "year": ["Give a school year of the training: 2023–2024 to 2025–2026."]
    }
    assert not SchoolYear.objects.exists()


def test_after_the_end_the_years_stop_at_the_one_it_ended_in(walk, counsellor):
    with time_machine.travel(WALKED, tick=False):
        referral = walk(State.ENDED, end__end_date=datetime.date(2024, 5, 31))
    with time_machine.travel(TODAY, tick=False):
        assert list(services.school_years_open(referral)) == [2023]
        record(referral, counsellor, 2023, PASSED)  # after the end: the deliberation
        with pytest.raises(ValidationError):
            record(referral, counsellor, 2024)


@pytest.mark.parametrize("state", [State.ADMITTED, State.WITHDRAWN, State.NOT_ADMITTED])
def test_before_the_training_nothing_is_recorded(walk, counsellor, state):
    referral = walk(state)

    with pytest.raises(services.TransitionRefused):
        record(referral, counsellor, school_year_of(timezone.localdate()))


def test_a_closure_after_not_admitted_has_no_school_years(walk, counsellor):
    referral = walk(State.CLOSED, via=State.NOT_ADMITTED)

    assert list(services.school_years_open(referral)) == []


@pytest.mark.parametrize("who", ["caseworker", "counsellor_of_other_region"])
def test_only_the_trainings_side_records_a_year(in_training, request, who):
    with pytest.raises(services.TransitionRefused):
        record(in_training, request.getfixturevalue(who), 2024)

    assert not SchoolYear.objects.exists()


def test_an_unknown_result_is_refused(in_training, counsellor):
    with pytest.raises(ValidationError):
        record(in_training, counsellor, 2024, "graduated")


def test_the_database_keeps_one_result_per_year_and_plausible_years(in_training):
    SchoolYear.objects.create(referral=in_training, year=2024, result=PASSED)
    for fields in ({"year": 2024, "result": REPEATS}, {"year": 1850, "result": PASSED}):
        with pytest.raises(IntegrityError), transaction.atomic():
            SchoolYear.objects.create(referral=in_training, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolYear.objects.create(referral=in_training, year=2023, result="graduated")


# --- the page -----------------------------------------------------------------------------------


def test_the_counsellor_records_a_year_on_the_referral_page(client, in_training, counsellor):
    client.force_login(counsellor)
    page = client.get(in_training.get_absolute_url())
    assert page.context["school_year_form"] is not None
    assert url(in_training) in page.content.decode()

    response = client.post(url(in_training), {"year": "2024", "result": REPEATS})

    assert response.status_code == 302
    assert success_messages(response)
    assert SchoolYear.objects.get().result == REPEATS


def test_both_sides_read_the_years_and_only_vdab_gets_the_form(
    client, in_training, counsellor, caseworker
):
    record(in_training, counsellor, 2023, REPEATS)
    for user, form_shown in ((caseworker, False), (counsellor, True)):
        client.force_login(user)
        page = client.get(in_training.get_absolute_url())
        html = page.content.decode()
        assert "2023–2024" in html
        assert in_ui_language(lambda: SchoolYearResult.REPEATS.label) in html
        assert (page.context["school_year_form"] is not None) is form_shown
        assert (url(in_training) in html) is form_shown


@pytest.mark.parametrize(
    ("who", "status"),
    [("caseworker", 403), ("counsellor_of_other_region", 404), ("caseworker_of_other_ocmw", 403)],
)
def test_the_form_refuses_whoever_may_not_record(client, in_training, request, who, status):
    client.force_login(request.getfixturevalue(who))

    response = client.post(url(in_training), {"year": "2024", "result": PASSED})

    assert response.status_code == status
    assert not SchoolYear.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "2019", "result": PASSED}, "year"),
        ({"year": "twenty", "result": PASSED}, "year"),
        ({"year": "2024", "result": "graduated"}, "result"),
        ({}, "year"),
    ],
)
def test_bad_input_is_a_400_with_the_fields_error(client, in_training, counsellor, data, field):
    client.force_login(counsellor)

    response = client.post(url(in_training), data)

    assert response.status_code == 400
    assert field in response.context["school_year_form"].errors
    assert not SchoolYear.objects.exists()


def test_a_referral_before_the_training_refuses_with_a_message(client, walk, counsellor):
    referral = walk(State.ADMITTED)
    client.force_login(counsellor)

    response = client.post(url(referral), {"year": "2024", "result": PASSED})

    # The form has no year to offer: the page again, without the form.
    assert response.status_code in (302, 400)
    assert not SchoolYear.objects.exists()


def test_the_timeline_shows_the_year_and_a_correction(client, in_training, counsellor):
    record(in_training, counsellor, 2024, PASSED)
    record(in_training, counsellor, 2024, STOPPED)
    client.force_login(counsellor)

    timeline = client.get(in_training.get_absolute_url()).context["timeline"]

    lines = [i["details"] for i in timeline if i["event"].transition == SCHOOL_YEAR_RECORDED]
    with translation.override("nl-be"):  # as the page showed them
        shown = [{str(label): str(value) for label, value in line} for line in lines]
    assert shown == [
        {"Schooljaar": "2024–2025", "resultaat": "jaar geslaagd"},
        {"Schooljaar": "2024–2025", "resultaat": "jaar geslaagd → gestopt"},
    ]


def test_an_ended_referral_shows_what_it_obtained(client, walk, caseworker):
    referral = walk(State.ENDED, end__result=EndResult.PASSED)
    client.force_login(caseworker)

    facts = dict(client.get(referral.get_absolute_url()).context["referral_facts"])

    shown = {str(label): value for label, value in facts.items()}
    field = Referral._meta.get_field
    assert shown[str(field("obtained").verbose_name)] == Obtained.DIPLOMA.label
    assert str(field("obtained_on").verbose_name) in shown
