"""A step that cannot be undone (decline, reject, close, withdraw) asks for a ticked box,
without JavaScript: unticked, the step is refused with the box's error and nothing
changes; ticked, the step is taken and its service never sees the box. The steps that
can still be corrected ask for no such box."""

import pytest
from django.urls import reverse

from referrals.enums import State
from referrals.step_forms import ConfirmationMixin
from referrals.steps import STEPS
from tests.referrals.conftest import (
    CONFIRMED_STEPS,
    bound_step_form,
    current_state,
    step_post_data,
)

pytestmark = pytest.mark.django_db

# step: (the state it starts from, who takes it, the state it reaches)
IRREVERSIBLE = {
    "decline": (State.CANDIDATE, "caseworker", State.DECLINED),
    "reject": (State.INTAKE_PLANNED, "counsellor", State.NOT_ADMITTED),
    "close": (State.ENDED, "caseworker", State.CLOSED),
    "withdraw": (State.AGREED, "caseworker", State.WITHDRAWN),
}


def step_url(referral, name: str) -> str:
    return reverse("referrals:referral_step", args=[referral.pk, name])


def test_exactly_the_irreversible_steps_ask_for_confirmation():
    confirmed = {name for name, step in STEPS.items() if issubclass(step.form, ConfirmationMixin)}

    assert confirmed == set(IRREVERSIBLE) == CONFIRMED_STEPS


@pytest.mark.parametrize("name", IRREVERSIBLE)
def test_an_irreversible_step_without_the_ticked_box_is_refused_with_its_error(
    client, request, walk, in_english, name
):
    state, actor, _reached = IRREVERSIBLE[name]
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))
    data = step_post_data(name, referral)
    del data["confirmed"]

    response = client.post(step_url(referral, name), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    form = bound_step_form(response, name)
    assert form.errors["confirmed"] == ["Tick the box to confirm: this step cannot be undone."]
    assert list(form.fields)[-1] == "confirmed"  # last, just above the button
    assert current_state(referral) == state


@pytest.mark.parametrize("name", IRREVERSIBLE)
def test_an_irreversible_step_with_the_ticked_box_is_taken(client, request, walk, name):
    state, actor, reached = IRREVERSIBLE[name]
    referral = walk(state)
    client.force_login(request.getfixturevalue(actor))

    response = client.post(step_url(referral, name), step_post_data(name, referral))

    assert response.status_code == 302
    assert current_state(referral) == reached


@pytest.mark.parametrize("name", IRREVERSIBLE)
def test_the_service_never_receives_the_confirmation(walk, caseworker, name):
    state, _actor, _reached = IRREVERSIBLE[name]
    referral = walk(state)
    form = STEPS[name].form(step_post_data(name, referral), referral=referral, user=caseworker)
    form.full_clean()

    kwargs = form.service_kwargs()

    assert "confirmed" not in kwargs
    assert "state" not in kwargs
