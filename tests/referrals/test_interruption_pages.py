"""Interruptions on the pages: the referral page shows the running one first and the forms
to record, resume and correct; a refused date comes back on its field; the lists mark an
interrupted trainee; and the page's queries do not grow with the interruptions."""

import datetime
import html
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.enums import InterruptionReason, State
from referrals.models import Interruption
from tests.referrals.conftest import error_messages, success_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

ILLNESS = InterruptionReason.ILLNESS


def page(referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def url(name: str, referral) -> str:
    return reverse(f"referrals:interruption_{name}", args=[referral.pk])


@pytest.fixture(autouse=True)
def english(client):
    # Messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def trainee(walk):
    return walk(State.IN_TRAINING)


def test_the_counsellor_records_an_interruption_and_the_page_shows_it_first(
    client, counsellor, trainee
):
    client.force_login(counsellor)
    day = trainee.start_date + datetime.timedelta(days=10)

    response = client.post(
        url("record", trainee),
        {"reason": "maternity", "from_date": day.isoformat(), "note": "Bevallingsrust."},
    )

    assert response.status_code == 302
    assert success_messages(response) == [
        "The interruption was recorded; the other side is told in the app."
    ]
    html = client.get(page(trainee)).content.decode()
    assert f"Interrupted since {day:%d/%m/%Y}: maternity leave." in html
    assert "Bevallingsrust." in html
    assert url("resume", trainee) in html  # the form to resume
    assert f'action="{url("record", trainee)}"' not in html  # one runs: no second


def test_a_refused_date_comes_back_on_its_field(client, caseworker, trainee):
    client.force_login(caseworker)
    future = timezone.localdate() + datetime.timedelta(days=3)

    response = client.post(url("record", trainee), {"reason": ILLNESS, "from_date": future})

    assert response.status_code == 400
    form = response.context["interruption_form"]
    assert form.errors == {"from_date": ["This date lies in the future."]}
    assert not Interruption.objects.exists()


def test_resuming_and_correcting_from_the_page(client, caseworker, trainee):
    interruption = services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)
    last = trainee.start_date + datetime.timedelta(days=4)

    response = client.post(url("resume", trainee), {"to_date": last.isoformat()})
    assert response.status_code == 302, response.context["resume_form"].errors
    interruption.refresh_from_db()
    assert interruption.to_date == last

    prefix = f"interruption{interruption.pk}"
    response = client.post(
        url("correct", trainee),
        {
            "interruption": interruption.pk,
            f"{prefix}-reason": "personal",
            f"{prefix}-from_date": trainee.start_date.isoformat(),
            f"{prefix}-to_date": (last + datetime.timedelta(days=1)).isoformat(),
            f"{prefix}-note": "",
        },
    )
    assert response.status_code == 302, error_messages(response)
    interruption.refresh_from_db()
    assert (interruption.reason, interruption.to_date) == (
        "personal",
        last + datetime.timedelta(days=1),
    )


def test_another_referrals_interruption_cannot_be_corrected_here(client, caseworker, walk):
    trainee = walk(State.IN_TRAINING)
    other = walk(State.IN_TRAINING, training=None)
    foreign = services.interruption_record(
        referral=other, user=caseworker, reason=ILLNESS, from_date=other.start_date
    )
    client.force_login(caseworker)
    # Whatever the fields are called: the interruption is looked up among this referral's.
    fields = {"reason": "personal", "from_date": other.start_date.isoformat()}
    prefix = f"interruption{foreign.pk}"
    fields |= {f"{prefix}-{name}": value for name, value in fields.items()}

    response = client.post(url("correct", trainee), {"interruption": foreign.pk, **fields})

    assert response.status_code == 302
    assert error_messages(response) == ["This interruption is not one of this referral's."]
    foreign.refresh_from_db()
    assert foreign.reason == ILLNESS


def test_the_ids_stay_unique_with_interruptions_to_correct(client, caseworker, trainee):
    start = trainee.start_date
    for days in (0, 10):
        services.interruption_record(
            referral=trainee,
            user=caseworker,
            reason=ILLNESS,
            from_date=start + datetime.timedelta(days=days),
            to_date=start + datetime.timedelta(days=days + 2),
        )
    client.force_login(caseworker)

    html = client.get(page(trainee)).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    assert html.count('name="interruption"') == 2


def test_the_lists_mark_an_interrupted_trainee(client, caseworker, trainee):
    services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)

    response = client.get(reverse("referrals:referral_list"))

    (shown,) = response.context["page"].object_list
    assert shown.interrupted is True
    assert ">interrupted</span>" in response.content.decode()


def test_the_page_costs_the_same_with_1_and_with_8_interruptions(
    client, caseworker, trainee, django_assert_max_num_queries
):
    client.force_login(caseworker)

    def add(count: int):
        start = trainee.start_date + datetime.timedelta(days=3 * Interruption.objects.count())
        for n in range(count):
            services.interruption_record(
                referral=trainee,
                user=caseworker,
                reason=ILLNESS,
                from_date=start + datetime.timedelta(days=3 * n),
                to_date=start + datetime.timedelta(days=3 * n + 1),
            )

    add(1)
    client.get(page(trainee))
    with CaptureQueriesContext(connection) as one:
        client.get(page(trainee))
    add(7)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(page(trainee))
    assert len(response.context["interruptions"]) == 8


@pytest.mark.parametrize("number", ["abc", "²", "9" * 30, "9" * 5000])
def test_an_interruption_no_database_holds_gets_the_form_again(client, caseworker, trainee, number):
    """Not a number, more than a key holds, or more digits than Python makes a number of
    (a 500 before): the referral's page again (400), as for no interruption at all."""
    client.force_login(caseworker)

    response = client.post(url("correct", trainee), {"interruption": number})

    assert response.status_code == 400
    assert response.context["referral"] == trainee


def correction(interruption, form=None, **values) -> dict:
    """The correction's form as the page filled it in (`form`: its fields and hidden
    version), with `values` typed over it."""
    prefix = f"interruption{interruption.pk}"
    data = {"interruption": interruption.pk}
    if form is not None:
        data |= {form[name].html_name: form[name].value() or "" for name in form.fields}
    return data | {f"{prefix}-{name}": value for name, value in values.items()}


def opened_correction(client, referral, interruption):
    forms = dict(client.get(page(referral)).context["correct_forms"])
    return forms[interruption]


def test_a_correction_opened_before_the_other_side_ended_it_is_refused_and_keeps_it(
    client, caseworker, counsellor, trainee
):
    """The old page still shows the interruption running: saved, its empty last day would
    have made it run again, unseen."""
    interruption = services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)
    opened = opened_correction(client, trainee, interruption)
    last = trainee.start_date + datetime.timedelta(days=4)
    services.interruption_end(interruption=interruption, user=counsellor, to_date=last)

    response = client.post(
        url("correct", trainee), correction(interruption, opened, reason="personal")
    )

    assert response.status_code == 400
    form = dict(response.context["correct_forms"])[interruption]
    [error] = form.non_field_errors()
    assert error.startswith(f"{counsellor} (")
    assert "changed this interruption at " in error
    assert "Nothing you typed is saved yet" in error
    summary = response.content.decode().split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f"<li>{html.escape(error)}</li>" in summary  # said at the top of the page too
    interruption.refresh_from_db()
    assert (interruption.reason, interruption.to_date) == (ILLNESS, last)
    assert form["reason"].value() == "personal"
    assert form["seen"].value() == interruption.version
    # Sent again as it came back: saved over the end, knowingly.
    response = client.post(url("correct", trainee), correction(interruption, form))
    assert response.status_code == 302, error_messages(response)
    interruption.refresh_from_db()
    assert (interruption.reason, interruption.to_date) == ("personal", None)


def test_a_correction_saved_in_another_tab_says_so(client, caseworker, trainee):
    interruption = services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)
    first = opened_correction(client, trainee, interruption)
    second = opened_correction(client, trainee, interruption)
    sent = client.post(url("correct", trainee), correction(interruption, first, note="Griep."))
    assert sent.status_code == 302

    response = client.post(
        url("correct", trainee), correction(interruption, second, note="Verkoudheid.")
    )

    assert response.status_code == 400
    [error] = dict(response.context["correct_forms"])[interruption].non_field_errors()
    assert error.startswith("You changed this interruption in another tab or window at ")
    interruption.refresh_from_db()
    assert interruption.note == "Griep."


def test_a_correction_from_a_page_without_its_version_saves_as_before(client, caseworker, trainee):
    interruption = services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)
    data = correction(interruption, opened_correction(client, trainee, interruption), note="X.")
    del data[f"interruption{interruption.pk}-seen"]

    assert client.post(url("correct", trainee), data).status_code == 302
    interruption.refresh_from_db()
    assert interruption.note == "X."


def test_an_interruption_refused_as_one_runs_already_shows_why_and_what_was_typed(
    client, caseworker, counsellor, trainee
):
    """Both sides record the same illness: the second finds the first running, and its form
    comes back with the refusal and its note, beside the running one's resume form."""
    services.interruption_record(
        referral=trainee, user=counsellor, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)

    response = client.post(
        url("record", trainee),
        {"reason": ILLNESS, "from_date": trainee.start_date.isoformat(), "note": "Griep."},
    )

    assert response.status_code == 400
    form = response.context["interruption_form"]
    assert form.is_bound and form.errors
    assert form["note"].value() == "Griep."
    html = response.content.decode()
    assert f'action="{url("record", trainee)}"' in html
    assert "Griep." in html
    assert Interruption.objects.count() == 1


def test_a_correction_sent_twice_is_saved_once_and_not_refused(client, caseworker, trainee):
    """A double click: the second request asks what the first saved, and changes nothing."""
    interruption = services.interruption_record(
        referral=trainee, user=caseworker, reason=ILLNESS, from_date=trainee.start_date
    )
    client.force_login(caseworker)
    data = correction(interruption, opened_correction(client, trainee, interruption), note="X.")
    lines = trainee.events.count()

    first, second = (
        client.post(url("correct", trainee), data),
        client.post(url("correct", trainee), data),
    )

    assert (first.status_code, second.status_code) == (302, 302), error_messages(second)
    assert trainee.events.count() == lines + 1
