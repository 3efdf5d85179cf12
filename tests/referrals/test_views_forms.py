"""Bad input on the client, referral, note, outcome and list pages never gives a 500: the
page comes back with a clear message and nothing changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from referrals.enums import EndResult, State
from referrals.models import Client, GuidanceNote, OutcomeCheck, Referral, TemporaryWorkExperience
from tests.referrals.conftest import (
    client_post_data,
    error_messages,
    formset_management,
    in_ui_language,
)
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


# --- clients --------------------------------------------------------------------------------


def post_new_client(http, **overrides):
    return http.post(reverse("referrals:client_create"), client_post_data(**overrides))


@pytest.mark.parametrize(
    "insz",
    [
        pytest.param("85073003329", id="wrong-check-digits"),
        pytest.param("12345", id="too-short"),
        pytest.param("abcdefghijk", id="letters"),
        pytest.param("85133003328", id="month-13"),
    ],
)
def test_invalid_national_number_is_refused_with_a_field_error(client, caseworker, insz):
    client.force_login(caseworker)

    response = post_new_client(client, insz=insz)

    assert response.status_code == 200
    assert "insz" in response.context["form"].errors
    assert not Client.objects.exists()


def test_national_number_already_in_the_ocmw_is_refused(client, caseworker, gent_client):
    client.force_login(caseworker)

    response = post_new_client(client, insz=gent_client.insz)

    assert response.status_code == 200
    assert response.context["form"].errors["insz"] == [
        in_ui_language(lambda: gettext("Your OCMW already has a client with this national number."))
    ]
    assert Client.objects.count() == 1


def test_the_same_national_number_in_another_ocmw_is_no_duplicate(
    client, caseworker_of_other_ocmw, gent_client
):
    client.force_login(caseworker_of_other_ocmw)

    response = post_new_client(client, insz=gent_client.insz)

    assert response.status_code == 302
    assert Client.objects.filter(insz=gent_client.insz).count() == 2


def test_editing_a_client_keeps_its_own_national_number(client, caseworker, gent_client):
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_edit", args=[gent_client.pk]),
        client_post_data(gent_client, phone="0499 99 99 99"),
    )

    assert response.status_code == 302
    assert Client.objects.get(pk=gent_client.pk).phone == "0499 99 99 99"


@pytest.mark.parametrize(
    ("consent", "message"),
    [
        pytest.param(
            {"consent_given_on": lambda: timezone.localdate() + datetime.timedelta(days=1)},
            "This date lies in the future.",
            id="in-the-future",
        ),
        pytest.param(
            # client_post_data's national number is of someone born on 30 July 1985.
            {"consent_given_on": lambda: datetime.date(1985, 7, 29)},
            "This date lies before the client's birth date (",
            id="before-birth",
        ),
        pytest.param(
            {"consent_given_on": lambda: "", "consent_reference": lambda: "OCMW/2026/0042"},
            "Give the date on which the client consented.",
            id="reference-without-date",
        ),
    ],
)
def test_a_new_clients_consent_without_a_valid_date_is_refused(
    client, caseworker, in_english, consent, message
):
    client.force_login(caseworker)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = post_new_client(client, **{name: value() for name, value in consent.items()})

    assert response.status_code == 200
    [error] = response.context["form"].errors["consent_given_on"]
    assert error.startswith(message)
    assert not Client.objects.exists()


def test_temporary_work_experience_ending_before_it_starts_is_refused(client, caseworker):
    client.force_login(caseworker)

    response = post_new_client(
        client,
        **{
            "temporary_work_experiences-0-start_date": "2024-06-01",
            "temporary_work_experiences-0-end_date": "2024-01-01",
        },
    )

    assert response.status_code == 200
    assert "end_date" in response.context["formset"].forms[0].errors
    assert not Client.objects.exists()
    assert not TemporaryWorkExperience.objects.exists()


def test_client_form_without_formset_management_data_is_refused_not_a_crash(client, caseworker):
    client.force_login(caseworker)
    data = {k: v for k, v in client_post_data().items() if not k.startswith("temporary_work_exp")}

    response = client.post(reverse("referrals:client_create"), data)

    assert response.status_code == 200
    assert not Client.objects.exists()


@pytest.mark.parametrize("missing", ["first_name", "last_name", "insz"])
def test_missing_required_client_field_is_refused(client, caseworker, missing):
    client.force_login(caseworker)

    response = post_new_client(client, **{missing: ""})

    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert not Client.objects.exists()


# --- referrals: creating --------------------------------------------------------------------


def test_second_open_referral_for_the_same_training_is_refused(client, caseworker, walk):
    referral = walk(State.AGREED)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_create", args=[referral.client.pk]),
        {"training": referral.training.pk, "apply": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Referral.objects.count() == 1


def test_a_new_referral_is_possible_once_the_old_one_is_withdrawn(client, caseworker, walk):
    referral = walk(State.WITHDRAWN)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_create", args=[referral.client.pk]),
        {"training": referral.training.pk, "apply": "on"},
    )

    assert response.status_code == 302
    assert Referral.objects.filter(client=referral.client).count() == 2


@pytest.mark.parametrize(
    "training",
    [
        pytest.param("", id="none"),
        pytest.param("999999", id="unknown"),
        pytest.param("abc", id="not-a-number"),
        pytest.param("inactive", id="inactive"),
    ],
)
def test_referral_without_a_valid_training_is_refused(client, caseworker, gent_client, training):
    if training == "inactive":
        training = str(TrainingFactory(active=False).pk)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_create", args=[gent_client.pk]), {"training": training}
    )

    assert response.status_code == 200
    assert "training" in response.context["form"].errors
    assert not Referral.objects.exists()


# --- notes and outcomes ---------------------------------------------------------------------


def test_note_dated_in_the_future_is_a_400_with_a_field_error(client, caseworker, walk):
    referral = walk(State.IN_TRAINING)
    client.force_login(caseworker)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("referrals:referral_note_add", args=[referral.pk]),
        {"written_on": tomorrow.isoformat(), "topic": "progress", "note": "Goed bezig."},
    )

    assert response.status_code == 400
    assert "written_on" in response.context["note_form"].errors
    assert not GuidanceNote.objects.exists()


def test_note_outside_the_training_is_refused_with_a_message(client, caseworker, walk):
    referral = walk(State.CANDIDATE)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:referral_note_add", args=[referral.pk]),
        {"written_on": timezone.localdate().isoformat(), "topic": "progress", "note": "Ok."},
    )

    assert response.status_code == 302
    assert len(error_messages(response)) == 1
    assert not GuidanceNote.objects.exists()


def test_outcome_after_a_failed_end_is_refused_with_a_message(client, counsellor, walk):
    referral = walk(State.ENDED, end__result=EndResult.FAILED)
    client.force_login(counsellor)

    response = client.post(
        reverse("referrals:referral_outcome", args=[referral.pk]),
        {"months": "3", "at_work": "no", "checked_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302
    assert len(error_messages(response)) == 1
    assert not OutcomeCheck.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"months": "5", "at_work": "yes"}, "months"),
        ({"months": "3", "at_work": "maybe"}, "at_work"),
        ({"months": "12", "at_work": "yes"}, "checked_on"),  # not due yet
    ],
    ids=["unknown-months", "unknown-answer", "not-due"],
)
def test_bad_outcome_input_is_a_400_with_a_field_error(client, counsellor, walk, data, field):
    referral = walk(State.ENDED)
    client.force_login(counsellor)

    response = client.post(
        reverse("referrals:referral_outcome", args=[referral.pk]),
        {"checked_on": timezone.localdate().isoformat(), **data},
    )

    assert response.status_code == 400
    assert field in response.context["outcome_form"].errors
    assert not OutcomeCheck.objects.exists()


# --- lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["abc", "9999", "0", "-1", ""])
@pytest.mark.parametrize("url_name", ["client_list", "referral_list"])
def test_lists_survive_any_page_number(client, caseworker, walk, url_name, page):
    walk(State.CANDIDATE)
    client.force_login(caseworker)

    response = client.get(reverse(f"referrals:{url_name}"), {"page": page})

    assert response.status_code == 200
    assert len(response.context["page"]) == 1


# The referrals the list shows, of a candidate and a closed one, for each `state` filter: a
# value that is no state filters nothing.
LISTED_FOR_STATE_FILTER = {
    "bogus": {State.CANDIDATE, State.CLOSED},
    "": {State.CANDIDATE, State.CLOSED},
    "closed": {State.CLOSED},
}


@pytest.mark.parametrize("state", ["bogus", "", "closed"])
def test_referral_list_survives_any_state_filter(client, caseworker, walk, state):
    # Closed first: a client has one open referral per training.
    walked = {reached: walk(reached) for reached in (State.CLOSED, State.CANDIDATE)}
    client.force_login(caseworker)

    response = client.get(reverse("referrals:referral_list"), {"state": state})

    assert response.status_code == 200
    assert {referral.state for referral in response.context["page"]} == (
        LISTED_FOR_STATE_FILTER[state]
    )
    html = response.content.decode()
    linked = {
        reached
        for reached, referral in walked.items()
        if f'href="{referral.get_absolute_url()}"' in html
    }
    assert linked == LISTED_FOR_STATE_FILTER[state]


def test_client_search_with_an_overlong_query_is_a_form_error(client, caseworker, gent_client):
    client.force_login(caseworker)

    response = client.post(reverse("referrals:client_list"), {"q": "x" * 101})

    assert response.status_code == 200
    assert "q" in response.context["form"].errors


def test_formset_allows_the_extra_form_to_stay_empty(client, caseworker):
    client.force_login(caseworker)

    response = post_new_client(client, **formset_management(total=1))

    assert response.status_code == 302
    assert Client.objects.count() == 1
    assert not TemporaryWorkExperience.objects.exists()


def test_a_client_is_saved_with_its_national_number_compacted(client, caseworker):
    """Dots and dashes as people write them (85.07.30-033.28) are not part of the number."""
    client.force_login(caseworker)
    insz = client_post_data()["insz"]
    formatted = f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:]}"

    response = post_new_client(client, insz=formatted)

    assert response.status_code == 302
    assert Client.objects.get().insz == insz


def test_factory_client_is_valid_input_for_the_form(client, caseworker, ocmw_gent):
    """Guards the helper above: the edit POST built from a factory client is accepted."""
    person = ClientFactory(ocmw=ocmw_gent)
    client.force_login(caseworker)

    response = client.post(
        reverse("referrals:client_edit", args=[person.pk]), client_post_data(person)
    )

    assert response.status_code == 302
