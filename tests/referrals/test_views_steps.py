"""Bad input to a step never gives a 500: a missing or invalid field is a 400 with the
field's error, a stale form or a step the user may not take is refused with a message, an
unknown step is a 404 and a GET a 405; the state and the history stay as they were."""

import datetime

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from referrals import services
from referrals.enums import EndResult, State
from referrals.models import Client, Referral
from referrals.step_forms import StartForm
from referrals.steps import STEPS
from tests.referrals.conftest import (
    bound_step_form,
    current_state,
    error_messages,
    in_ui_language,
    step_post_data,
    success_messages,
)
from tests.referrals.factories import flow_dates

pytestmark = pytest.mark.django_db


def history(referral) -> list[int]:
    return list(referral.events.values_list("pk", flat=True))


def step_url(referral, name: str) -> str:
    return reverse("referrals:referral_step", args=[referral.pk, name])


# (state the step starts from, who takes it, the fields it cannot do without)
REQUIRED = {
    "agree": (
        State.CANDIDATE,
        "caseworker",
        {"checked_conditions", "agreed_on", "caseworker_phone"},
    ),
    "decline": (State.CANDIDATE, "caseworker", {"reason", "confirmed"}),
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
        {"motivation", "preconditions", "path_fit", "learning_ability", "reason", "confirmed"},
    ),
    "start": (State.ADMITTED, "counsellor", {"start_date"}),
    "end": (State.IN_TRAINING, "counsellor", {"end_date", "result"}),
    "close": (State.ENDED, "caseworker", {"continued_by", "confirmed"}),
    "withdraw": (State.AGREED, "caseworker", {"reason", "confirmed"}),
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

    response = client.post(step_url(referral, name), {"reason": "Verhuisd.", "confirmed": "on"})

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
    assert f'<details class="step border rounded p-3 mb-2" id="step-{name}" open>' in html
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
        step_post_data("agree", referral, handover_at=call_at, handover_counsellor_name="Els"),
    )

    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "handover_at" in bound_step_form(response, "agree").errors


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


def test_a_stop_reason_with_another_result_is_refused_not_dropped(client, counsellor, walk):
    """A reason chosen with "passed" was silently dropped: the counsellor is told instead."""
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)

    response = client.post(
        step_url(referral, "end"),
        step_post_data("end", referral, result="passed", stop_reason="illness"),
    )

    assert response.status_code == 400
    message = in_ui_language(
        lambda: gettext("A stop reason goes only with a training stopped early.")
    )
    assert bound_step_form(response, "end").errors["stop_reason"] == [message]
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING


def concurrent_change_message(referral, *, seen_state, user, step) -> str:
    """What the refusal says of the changes since `seen_state` (its words:
    test_concurrency_messages.py)."""
    refusal = services.ConcurrentChange(referral, seen_state=seen_state, user=user, step=step)
    return in_ui_language(lambda: refusal.messages[0])


def test_stale_form_is_refused_with_a_message_about_someone_else(
    client, counsellor, caseworker, walk
):
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
    message = concurrent_change_message(
        referral, seen_state=State.CANDIDATE, user=counsellor, step="withdraw"
    )
    assert error_messages(response) == [message]
    assert message.startswith(f"{caseworker} ({caseworker.organisation}) ")
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
    message = concurrent_change_message(
        referral, seen_state=seen_state, user=counsellor, step="plan_intake"
    )
    assert [(m.level, str(m)) for m in response.context["messages"]] == [(constants.ERROR, message)]
    assert message.startswith(f"{caseworker} ({caseworker.organisation}) ")
    assert escape(message) in response.content.decode()
    assert current_state(referral) == State.WITHDRAWN
    assert history(referral) == events


@pytest.mark.parametrize(
    ("name", "state", "actor"),
    [
        # A counsellor who would agree or decline finds no referral before the agreement
        # (a 404: tests/referrals/test_candidacy_oracle.py).
        pytest.param("withdraw", State.IN_TRAINING, "counsellor", id="withdraw-in-training"),
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


@pytest.mark.parametrize(("days_from_today", "proposed"), [(-3, True), (0, True), (5, False)])
def test_the_start_proposes_the_probable_start_only_once_it_has_come(
    walk, counsellor, days_from_today, proposed
):
    """A probable start still ahead would only be refused as in the future."""
    referral = walk(State.ADMITTED)
    probable = timezone.localdate() + datetime.timedelta(days=days_from_today)
    Referral.objects.filter(pk=referral.pk).update(probable_start_date=probable)
    referral.refresh_from_db()

    form = StartForm(referral=referral, user=counsellor)

    assert form.fields["start_date"].initial == (probable if proposed else None)
