"""One submit shows everything wrong with a step, each error once: the fields the form could
not read, the step's refusals and the dates out of order of the fields it could read, all
on the re-rendered page (400), and a form's general error in one alert."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from referrals.enums import State
from referrals.models import Client
from tests.referrals.conftest import bound_step_form, current_state, step_post_data

pytestmark = pytest.mark.django_db

REQUIRED = "This field is required."
ALERT = re.compile(r'<div[^>]*role="alert"[^>]*>(.*?)</div>', re.S)


@pytest.fixture(autouse=True)
def english(client):
    # Messages are compared with the code's own (English) strings.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def step_url(referral, name: str) -> str:
    return reverse("referrals:referral_step", args=[referral.pk, name])


def english_text(message) -> str:
    with translation.override("en"):
        return str(message)


def alerts(response) -> list[str]:
    return ALERT.findall(response.content.decode())


def test_agree_shows_the_missing_field_and_the_date_before_the_candidacy_together(
    client, caseworker, walk
):
    referral = walk(State.CANDIDATE)
    client.force_login(caseworker)
    data = step_post_data("agree", referral, caseworker_phone="")
    before_candidacy = referral.applied_on - datetime.timedelta(days=3)
    data["agreed_on"] = before_candidacy.isoformat()

    response = client.post(step_url(referral, "agree"), data)

    assert response.status_code == 400
    errors = bound_step_form(response, "agree").errors
    assert errors["caseworker_phone"] == [REQUIRED]
    with translation.override("en"):
        candidacy = formats.date_format(referral.applied_on, "SHORT_DATE_FORMAT")
        assert errors["agreed_on"] == [
            gettext("The formal agreement cannot be before the candidacy (%(date)s).")
            % {"date": candidacy}
        ]
    assert current_state(referral) == State.CANDIDATE


def test_admit_shows_the_missing_screening_and_the_start_before_the_intake_together(
    client, counsellor, walk
):
    referral = walk(State.INTAKE_PLANNED)
    client.force_login(counsellor)
    before_intake = timezone.localdate(referral.intake_at) - datetime.timedelta(days=1)

    response = client.post(
        step_url(referral, "admit"),
        step_post_data(
            "admit", referral, motivation="", probable_start_date=before_intake.isoformat()
        ),
    )

    assert response.status_code == 400
    errors = bound_step_form(response, "admit").errors
    assert errors == {
        "motivation": [REQUIRED],
        "probable_start_date": [english_text(gettext("The start cannot be before the intake."))],
    }
    assert current_state(referral) == State.INTAKE_PLANNED


def test_end_shows_the_missing_result_and_the_end_before_the_start_together(
    client, counsellor, walk
):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    day_before = referral.start_date - datetime.timedelta(days=1)

    response = client.post(
        step_url(referral, "end"),
        step_post_data("end", referral, result="", end_date=day_before.isoformat()),
    )

    assert response.status_code == 400
    assert bound_step_form(response, "end").errors == {
        "result": [REQUIRED],
        "end_date": [english_text(gettext("The end cannot be before the start."))],
    }


def test_a_refused_step_with_a_missing_field_shows_both_in_the_form_once(client, caseworker, walk):
    """The guard's reason used to come only once the fields were right, as a message on
    another page; now it comes with the field errors, once in the form's alert (and in the
    page's summary of the errors at its top, `includes/error_summary.html`)."""
    referral = walk(State.CANDIDATE)
    Client.objects.filter(pk=referral.client_id).update(consent_vdab=False, consent_date=None)
    client.force_login(caseworker)

    response = client.post(
        step_url(referral, "agree"), step_post_data("agree", referral, caseworker_phone="")
    )

    assert response.status_code == 400
    form = bound_step_form(response, "agree")
    refusal = english_text(gettext("The client has not consented to share data with VDAB."))
    assert form.non_field_errors() == [refusal]
    assert form.errors["caseworker_phone"] == [REQUIRED]
    html = response.content.decode()
    summary, page = html.split('id="error-summary"', 1)[1].split("</div>", 1)
    assert f"<li>{escape(refusal)}</li>" in summary
    assert page.count(escape(refusal)) == 1
    assert any(escape(refusal) in alert for alert in alerts(response))
    assert current_state(referral) == State.CANDIDATE


def test_who_may_not_take_the_step_learns_nothing_of_its_dates(client, caseworker, walk):
    referral = walk(State.IN_TRAINING)
    client.force_login(caseworker)
    day_before = referral.start_date - datetime.timedelta(days=1)

    response = client.post(
        step_url(referral, "end"),
        step_post_data("end", referral, result="", end_date=day_before.isoformat()),
    )

    assert response.status_code == 400
    form = bound_step_form(response, "end")
    assert form.non_field_errors() == [
        english_text(gettext("You may not take this step for this referral."))
    ]
    assert "end_date" not in form.errors


def test_a_forms_general_error_shows_once_in_an_alert(client, caseworker, gent_client):
    """The consent form's error for a consent that already holds: crispy's own block and a
    hand-written one both showed it."""
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:consent_give", args=[gent_client.pk]),
        {"given_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 400
    (error,) = response.context["consent_give_form"].non_field_errors()
    assert response.content.decode().count(escape(error)) == 1
    assert any(escape(error) in alert for alert in alerts(response))
