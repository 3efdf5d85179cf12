"""Bad input never gives a 500: the page comes back with a clear message and nothing changes."""

import datetime

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import services
from referrals.enums import EndResult, State
from referrals.models import Client, GuidanceNote, OutcomeCheck, Referral, TemporaryWorkExperience
from referrals.steps import STEPS
from tests.referrals.conftest import (
    bound_step_form,
    client_post_data,
    current_state,
    error_messages,
    formset_management,
    in_ui_language,
    step_post_data,
    success_messages,
)
from tests.referrals.factories import ClientFactory, TrainingFactory, flow_dates

pytestmark = pytest.mark.django_db


def history(referral) -> list[int]:
    return list(referral.events.values_list("pk", flat=True))


def step_url(referral, name: str) -> str:
    return reverse("referrals:referral_step", args=[referral.pk, name])


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
    "consent_date",
    [
        pytest.param(
            lambda: (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            id="in-the-future",
        ),
        pytest.param(lambda: "", id="missing"),
    ],
)
def test_consent_without_a_valid_date_is_refused(client, caseworker, consent_date):
    client.force_login(caseworker)

    response = post_new_client(client, consent_date=consent_date())

    assert response.status_code == 200
    assert "consent_date" in response.context["form"].errors
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


# --- referrals: steps -----------------------------------------------------------------------

# (state the step starts from, who takes it, the fields it cannot do without)
REQUIRED = {
    "agree": (
        State.CANDIDATE,
        "caseworker",
        {"checked_conditions", "agreed_on", "caseworker_phone"},
    ),
    "decline": (State.CANDIDATE, "caseworker", {"reason"}),
    "plan_intake": (State.AGREED, "counsellor", {"intake_at", "place"}),
    "admit": (
        State.INTAKE_PLANNED,
        "counsellor",
        {
            "motivation",
            "preconditions",
            "path_fit",
            "learning_ability",
            "probable_start_date",
            "probable_location",
        },
    ),
    "reject": (
        State.INTAKE_PLANNED,
        "counsellor",
        {"motivation", "preconditions", "path_fit", "learning_ability", "reason"},
    ),
    "start": (State.ADMITTED, "counsellor", {"start_date"}),
    "end": (State.IN_TRAINING, "counsellor", {"end_date", "result"}),
    "close": (State.ENDED, "caseworker", {"continued_by"}),
    "withdraw": (State.AGREED, "caseworker", {"reason"}),
}


def test_every_step_is_covered():
    assert set(REQUIRED) | {"apply"} == set(STEPS)


@pytest.mark.parametrize("name", ["apply", "withdraw"])
def test_a_step_posted_without_the_state_seen_is_refused_with_a_message(
    client, caseworker, walk, name
):
    """Only a tampered or truncated request lacks the hidden state: treat it as stale."""
    referral = walk(State.INFORMED)
    events = history(referral)
    client.force_login(caseworker)

    response = client.post(step_url(referral, name), {"reason": "Verhuisd."})

    assert response.status_code == 302
    assert error_messages(response)
    assert current_state(referral) == State.INFORMED
    assert history(referral) == events


@pytest.mark.parametrize("name", list(REQUIRED))
def test_step_with_missing_fields_is_a_400_with_field_errors(client, request, walk, name):
    state, actor, required = REQUIRED[name]
    referral = walk(state)
    events = history(referral)
    client.force_login(request.getfixturevalue(actor))
    # Keep the state: the fields must do the refusing.
    data = {"state": state}

    response = client.post(step_url(referral, name), data)

    assert response.status_code == 400
    form = bound_step_form(response, name)
    assert set(form.errors) == required
    assert current_state(referral) == state
    assert history(referral) == events
    # The page shows the errors in the open form of the step.
    html = response.content.decode()
    assert '<details class="step border rounded p-3 mb-2" open>' in html
    assert "is-invalid" in html


# fmt: off
DAY = datetime.timedelta(days=1)
# id: (step, from state, who, what is wrong in an otherwise valid POST, the field refused)
BAD_STEP_INPUT = {
    "end-before-start": (
        "end", State.IN_TRAINING, "counsellor",
        {"end_date": (flow_dates().start - DAY).isoformat()}, "end_date",
    ),
    "stopped-early-without-reason": (
        "end", State.IN_TRAINING, "counsellor",
        {"result": EndResult.STOPPED_EARLY, "stop_reason": ""}, "stop_reason",
    ),
    "unknown-result": ("end", State.IN_TRAINING, "counsellor", {"result": "graduated"}, "result"),
    "start-before-intake": (
        "start", State.ADMITTED, "counsellor",
        {"start_date": (flow_dates().intake_day - DAY).isoformat()}, "start_date",
    ),
    "intake-before-agreement": (
        "plan_intake", State.AGREED, "counsellor", {"intake_at": "2001-01-01T10:00"}, "intake_at",
    ),
    "intake-not-a-datetime": (
        "plan_intake", State.AGREED, "counsellor", {"intake_at": "morgen om tien"}, "intake_at",
    ),
    "probable-start-before-intake": (
        "admit", State.INTAKE_PLANNED, "counsellor",
        {"probable_start_date": "2001-01-01"}, "probable_start_date",
    ),
    "agreement-in-the-future": (
        "agree", State.CANDIDATE, "caseworker",
        {"agreed_on": (timezone.localdate() + 3 * DAY).isoformat()}, "agreed_on",
    ),
    "no-conditions-checked": (
        "agree", State.CANDIDATE, "caseworker", {"checked_conditions": []}, "checked_conditions",
    ),
    "condition-not-a-pk": (
        "agree", State.CANDIDATE, "caseworker",
        {"checked_conditions": ["abc"]}, "checked_conditions",
    ),
    "phone-too-long": (
        "agree", State.CANDIDATE, "caseworker", {"caseworker_phone": "0" * 31}, "caseworker_phone",
    ),
    "unknown-continued-by": (
        "close", State.ENDED, "caseworker", {"continued_by": "nobody"}, "continued_by",
    ),
}
# fmt: on


@pytest.mark.parametrize(
    ("name", "state", "actor", "overrides", "field"),
    BAD_STEP_INPUT.values(),
    ids=BAD_STEP_INPUT.keys(),
)
def test_bad_step_input_is_a_400_with_a_field_error_and_no_change(
    client, request, walk, name, state, actor, overrides, field
):
    referral = walk(state)
    events = history(referral)
    client.force_login(request.getfixturevalue(actor))

    response = client.post(step_url(referral, name), step_post_data(name, referral, **overrides))

    assert response.status_code == 400
    assert field in bound_step_form(response, name).errors
    assert current_state(referral) == state
    assert history(referral) == events


# Tampered or mistyped input that passes the form field's own parsing.
OUT_OF_RANGE_PK = "9" * 25


def test_out_of_range_entry_condition_is_a_field_error_not_a_500(client, caseworker, walk):
    referral = walk(State.CANDIDATE)
    events = history(referral)
    client.force_login(caseworker)
    client.raise_request_exception = False

    response = client.post(
        step_url(referral, "agree"),
        step_post_data("agree", referral, checked_conditions=[OUT_OF_RANGE_PK]),
    )

    assert response.status_code == 400
    assert "checked_conditions" in bound_step_form(response, "agree").errors
    assert current_state(referral) == State.CANDIDATE
    assert history(referral) == events


@pytest.mark.parametrize("call_at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_datetime_at_the_edge_of_the_calendar_is_not_a_500(client, caseworker, walk, call_at):
    referral = walk(State.CANDIDATE)
    client.force_login(caseworker)
    client.raise_request_exception = False

    response = client.post(
        step_url(referral, "agree"),
        step_post_data("agree", referral, handover_call_at=call_at),
    )

    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "handover_call_at" in bound_step_form(response, "agree").errors


def test_end_with_the_date_before_the_start_shows_the_models_message(client, counsellor, walk):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    day_before = (referral.start_date - datetime.timedelta(days=1)).isoformat()

    response = client.post(
        step_url(referral, "end"), step_post_data("end", referral, end_date=day_before)
    )

    assert response.status_code == 400
    message = in_ui_language(lambda: gettext("The end cannot be before the start."))
    assert bound_step_form(response, "end").errors["end_date"] == [message]
    assert escape(message) in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).end_date is None


def concurrent_change_message() -> str:
    return in_ui_language(lambda: services.ConcurrentChange().messages[0])


def test_stale_form_is_refused_with_a_message_about_someone_else(client, counsellor, walk):
    """The counsellor's page still shows `candidate`; the caseworker agreed meanwhile."""
    referral = walk(State.AGREED)
    events = history(referral)
    client.force_login(counsellor)

    response = client.post(
        step_url(referral, "withdraw"),
        step_post_data("withdraw", referral, state=State.CANDIDATE),
    )

    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    assert error_messages(response) == [concurrent_change_message()]
    assert current_state(referral) == State.AGREED
    assert history(referral) == events


def test_two_people_on_the_same_page_the_second_is_told_and_nothing_changes(
    client, caseworker, counsellor, walk
):
    referral = walk(State.AGREED)
    client.force_login(counsellor)
    page = client.get(referral.get_absolute_url())
    seen_state = bound_step_form(page, "plan_intake")["state"].value()
    # Meanwhile the caseworker withdraws the referral.
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd.")
    events = history(referral)

    response = client.post(
        step_url(referral, "plan_intake"),
        step_post_data("plan_intake", referral, state=seen_state),
        follow=True,
    )

    assert response.status_code == 200
    assert [(m.level, str(m)) for m in response.context["messages"]] == [
        (constants.ERROR, concurrent_change_message())
    ]
    assert escape(concurrent_change_message()) in response.content.decode()
    assert current_state(referral) == State.WITHDRAWN
    assert history(referral) == events


@pytest.mark.parametrize(
    ("name", "state", "actor"),
    [
        pytest.param("agree", State.CANDIDATE, "counsellor", id="counsellor-agrees"),
        pytest.param("decline", State.CANDIDATE, "counsellor", id="counsellor-declines"),
        pytest.param("plan_intake", State.AGREED, "caseworker", id="caseworker-plans-intake"),
        pytest.param("start", State.ADMITTED, "caseworker", id="caseworker-starts"),
        pytest.param("end", State.IN_TRAINING, "caseworker", id="caseworker-ends"),
        pytest.param("end", State.ADMITTED, "counsellor", id="end-before-start-step"),
    ],
)
def test_step_the_user_may_not_take_is_refused_with_a_message(
    client, request, walk, name, state, actor
):
    referral = walk(state)
    events = history(referral)
    client.force_login(request.getfixturevalue(actor))

    response = client.post(step_url(referral, name), step_post_data(name, referral))

    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    assert len(error_messages(response)) == 1
    assert not success_messages(response)
    assert current_state(referral) == state
    assert history(referral) == events


def test_agree_without_consent_is_refused_with_the_guards_reason(client, caseworker, walk):
    referral = walk(State.CANDIDATE)
    Client.objects.filter(pk=referral.client_id).update(consent_vdab=False, consent_date=None)
    client.force_login(caseworker)

    response = client.post(step_url(referral, "agree"), step_post_data("agree", referral))

    assert response.status_code == 302
    assert error_messages(response) == [
        in_ui_language(lambda: gettext("The client has not consented to share data with VDAB."))
    ]
    assert current_state(referral) == State.CANDIDATE


@pytest.mark.parametrize("name", ["fly", "create", "import", "screen", "Agree"])
def test_unknown_step_is_a_404(client, caseworker, walk, name):
    referral = walk(State.CANDIDATE)
    client.force_login(caseworker)

    response = client.post(step_url(referral, name), {"state": State.CANDIDATE})

    assert response.status_code == 404
    assert current_state(referral) == State.CANDIDATE


@pytest.mark.parametrize(
    "url",
    [
        lambda r: step_url(r, "apply"),
        lambda r: step_url(r, "fly"),
        lambda r: reverse("referrals:referral_note_add", args=[r.pk]),
        lambda r: reverse("referrals:referral_outcome", args=[r.pk]),
    ],
    ids=["step", "unknown-step", "note", "outcome"],
)
def test_get_on_a_state_changing_url_is_a_405(client, caseworker, walk, url):
    referral = walk(State.INFORMED)
    client.force_login(caseworker)

    response = client.get(url(referral))

    assert response.status_code == 405
    assert current_state(referral) == State.INFORMED


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
