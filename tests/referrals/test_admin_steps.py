"""Steps in Django admin go through the services: the change page offers the steps the
administrator may take and explains a blocked one; a step writes history, a refused, stale
or impossible one shows why and changes nothing; an unknown step or referral is a 404, and
a step needs staff and the change permission; the apply action and a new referral in admin
go through the services too."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from referrals.enums import State
from referrals.models import Referral
from referrals.models.guards import client_consented, no_active_temporary_work_experience
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.admin_urls import change_url
from tests.referrals.conftest import messages_of
from tests.referrals.factories import (
    ClientFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    applicable_conditions,
    referral_in_state,
)

pytestmark = pytest.mark.django_db


def english(message) -> str:
    with translation.override("en"):
        return str(message)


class Explained:
    """A guard's message worded for a referral, in whatever language `str` runs."""

    def __init__(self, guard, referral):
        self.guard, self.referral = guard, referral

    def __str__(self) -> str:
        return str(self.guard.explain(self.referral))


def admin_step_url(referral: Referral, name: str) -> str:
    return reverse("admin:referrals_referral_step", args=[referral.pk, name])


def message_texts(response) -> list[str]:
    return [str(m) for m in messages_of(response)]


def test_change_page_offers_the_steps_the_admin_may_take(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.get(change_url(referral))
    urls = [step["url"] for step in response.context["referral_steps"]]
    assert urls == [admin_step_url(referral, name) for name in ("agree", "decline", "withdraw")]
    assert admin_step_url(referral, "agree") in response.content.decode()


def test_change_page_explains_a_blocked_step(admin_user_client):
    referral = referral_in_state(State.CANDIDATE, client=ClientFactory(consent_vdab=False))
    response = admin_user_client.get(change_url(referral))
    assert admin_step_url(referral, "agree") not in [
        s["url"] for s in response.context["referral_steps"]
    ]
    assert english(client_consented.message) in response.content.decode()


def test_apply_then_withdraw_through_the_admin_writes_history(admin_user_client, administrator):
    referral = referral_in_state(State.INFORMED)

    response = admin_user_client.get(admin_step_url(referral, "apply"))
    assert response.status_code == 200
    response = admin_user_client.post(admin_step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 302
    assert response.url == change_url(referral)

    response = admin_user_client.post(
        admin_step_url(referral, "withdraw"),
        {"state": State.CANDIDATE, "reason": "De cliënt heeft werk gevonden.", "confirmed": "on"},
    )
    assert response.status_code == 302

    referral = Referral.objects.get(pk=referral.pk)
    assert referral.state == State.WITHDRAWN
    assert referral.withdraw_reason == "De cliënt heeft werk gevonden."
    events = list(referral.events.filter(actor=administrator).order_by("at", "pk"))
    assert [(e.transition, e.from_state, e.to_state) for e in events] == [
        ("apply", State.INFORMED, State.CANDIDATE),
        ("withdraw", State.CANDIDATE, State.WITHDRAWN),
    ]
    assert events[1].reason == "De cliënt heeft werk gevonden."


def test_invalid_step_form_is_redisplayed(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        admin_step_url(referral, "withdraw"), {"state": State.CANDIDATE}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


def test_service_validation_error_lands_on_the_form_field(admin_user_client):
    """The agreement date in the future is refused by the model's transition."""
    referral = referral_in_state(State.CANDIDATE)
    conditions = [c.pk for c in applicable_conditions(referral.training)]
    response = admin_user_client.post(
        admin_step_url(referral, "agree"),
        {
            "state": State.CANDIDATE,
            "checked_conditions": conditions,
            "agreed_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "caseworker_phone": "09 266 99 00",
        },
    )
    assert response.status_code == 200
    assert "agreed_on" in response.context["form"].errors
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


@pytest.mark.parametrize(
    "client_kwargs, with_twe, guard",
    [
        ({"consent_vdab": False}, False, client_consented),
        ({}, True, no_active_temporary_work_experience),
    ],
)
def test_refused_agree_shows_a_message_and_writes_nothing(
    admin_user_client, client_kwargs, with_twe, guard
):
    client = ClientFactory(**client_kwargs)
    if with_twe:
        TemporaryWorkExperienceFactory(client=client)
    referral = referral_in_state(State.CANDIDATE, client=client)
    events_before = referral.events.count()
    conditions = [c.pk for c in applicable_conditions(referral.training)]
    response = admin_user_client.post(
        admin_step_url(referral, "agree"),
        {
            "state": State.CANDIDATE,
            "checked_conditions": conditions,
            "agreed_on": "2024-01-15",
            "caseworker_phone": "09 266 99 00",
        },
    )
    assert response.status_code == 200
    # The guard's message, worded for the referral (the work experience it meets).
    assert english(Explained(guard, referral)) in message_texts(response)
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE
    assert referral.events.count() == events_before


def test_refused_step_on_get_redirects_with_the_reason(admin_user_client):
    referral = referral_in_state(State.CANDIDATE, client=ClientFactory(consent_vdab=False))
    response = admin_user_client.get(admin_step_url(referral, "agree"))
    assert response.status_code == 302
    assert response.url == change_url(referral)
    assert english(client_consented.message) in message_texts(response)


def test_step_impossible_in_this_state_is_refused(admin_user_client):
    referral = referral_in_state(State.INFORMED)
    response = admin_user_client.post(
        admin_step_url(referral, "close"),
        {"state": State.INFORMED, "continued_by": "vdab", "confirmed": "on"},
    )
    assert response.status_code == 200
    assert len(message_texts(response)) == 1
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_stale_form_is_refused_as_a_concurrent_change(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        admin_step_url(referral, "withdraw"),
        {"state": State.INFORMED, "reason": "Te laat.", "confirmed": "on"},
    )
    assert response.status_code == 302
    assert response.url == change_url(referral)
    # Named as the history names who applied meanwhile.
    applied_by = referral.events.get(transition="apply").actor
    (message,) = message_texts(response)
    assert message.startswith(f"{applied_by} ({applied_by.organisation}) changed this referral")
    assert message.endswith(
        ": the candidacy was registered. Look at its new state and try again if still needed."
    )
    assert Referral.objects.get(pk=referral.pk).state == State.CANDIDATE


@pytest.mark.parametrize("name", ["unknown", "create", "save"])
def test_unknown_step_is_404(admin_user_client, name):
    referral = referral_in_state(State.INFORMED)
    assert admin_user_client.get(admin_step_url(referral, name)).status_code == 404
    assert (
        admin_user_client.post(admin_step_url(referral, name), {"state": "informed"}).status_code
        == 404
    )


def test_step_on_missing_referral_is_404(admin_user_client):
    url = reverse("admin:referrals_referral_step", args=[999999, "apply"])
    assert admin_user_client.get(url).status_code == 404


def test_step_needs_change_permission_on_referrals(client):
    referral = referral_in_state(State.INFORMED)
    user = CaseworkerFactory(organisation=referral.client.ocmw, is_staff=True)
    client.force_login(user)
    response = client.post(admin_step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 403
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_step_needs_staff(client):
    referral = referral_in_state(State.INFORMED)
    client.force_login(CaseworkerFactory(organisation=referral.client.ocmw))
    response = client.post(admin_step_url(referral, "apply"), {"state": State.INFORMED})
    assert response.status_code == 302  # to the admin login
    assert Referral.objects.get(pk=referral.pk).state == State.INFORMED


def test_apply_action_goes_through_the_service(admin_user_client, administrator):
    informed = referral_in_state(State.INFORMED)
    candidate = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        reverse("admin:referrals_referral_changelist"),
        {"action": "apply_selected", "_selected_action": [informed.pk, candidate.pk]},
    )
    assert response.status_code == 302
    assert Referral.objects.get(pk=informed.pk).state == State.CANDIDATE
    assert Referral.objects.get(pk=candidate.pk).state == State.CANDIDATE
    assert informed.events.filter(transition="apply", actor=administrator).exists()
    assert not candidate.events.filter(actor=administrator).exists()
    assert len(message_texts(response)) == 2  # one applied, one skipped


def test_add_referral_goes_through_the_service(admin_user_client, administrator):
    client = ClientFactory()
    training = TrainingFactory()
    response = admin_user_client.post(
        reverse("admin:referrals_referral_add"),
        {"client": client.pk, "training": training.pk, "apply": "on", "_continue": "1"},
    )
    assert response.status_code == 302
    referral = Referral.objects.get(client=client, training=training)
    assert response.url == change_url(referral)
    assert referral.state == State.CANDIDATE
    assert referral.created_by == administrator
    assert [e.transition for e in referral.events.order_by("at", "pk")] == ["create", "apply"]


def test_add_duplicate_open_referral_is_a_form_error(admin_user_client):
    referral = referral_in_state(State.CANDIDATE)
    response = admin_user_client.post(
        reverse("admin:referrals_referral_add"),
        {"client": referral.client.pk, "training": referral.training.pk, "_continue": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Referral.objects.filter(client=referral.client).count() == 1
