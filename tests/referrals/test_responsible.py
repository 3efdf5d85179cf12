"""Who is responsible for a referral: the caseworker who agreed and the counsellor who
planned the intake; a colleague of the same organisation takes over, with a history line;
the messages and "mine" follow the responsible person."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Kind, Notification
from notifications.recipients import caseworkers_for, counsellors_for
from referrals import services
from referrals.enums import RESPONSIBLE_CHANGED, State
from referrals.models import Referral
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory
from tests.referrals.factories import ClientFactory, flow_dates, referral_in_state

pytestmark = pytest.mark.django_db


def url(referral, side: str) -> str:
    return reverse("referrals:referral_responsible", args=[referral.pk, side])


@pytest.fixture
def planned(caseworker, counsellor, training):
    """An intake planned by the counsellor, agreed by the caseworker."""
    return referral_in_state(
        State.INTAKE_PLANNED,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        caseworker=caseworker,
        counsellor=counsellor,
    )


@pytest.fixture
def colleague(caseworker):
    return CaseworkerFactory(organisation=caseworker.organisation, last_name="Aerts")


@pytest.fixture
def vdab_colleague(counsellor):
    return CounsellorFactory(organisation=counsellor.organisation, last_name="Wouters")


def test_the_agreement_and_the_intake_name_the_responsible_people(planned, caseworker, counsellor):
    assert (planned.caseworker, planned.counsellor) == (caseworker, counsellor)


def test_an_administrator_planning_the_intake_is_responsible_for_nothing(administrator, training):
    referral = referral_in_state(State.AGREED, training=training)
    services.referral_plan_intake(
        referral=referral, user=administrator, intake_at=flow_dates().intake_at, place="Gent"
    )
    assert Referral.objects.get(pk=referral.pk).counsellor is None


def test_a_colleague_takes_over_and_the_history_says_so(
    client, planned, colleague, caseworker, in_english
):
    client.force_login(colleague)
    response = client.post(url(planned, "caseworker"), {"person": colleague.pk})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.caseworker == colleague
    event = planned.events.get(transition=RESPONSIBLE_CHANGED)
    assert event.actor == colleague
    assert event.to_state == State.INTAKE_PLANNED
    page = client.get(planned.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Another person made responsible" in page
    assert (
        f'Responsible caseworker (OCMW):</dt> <dd class="d-inline">{colleague.get_full_name()}'
        in page
    )


def test_the_same_person_again_changes_nothing(client, planned, caseworker):
    client.force_login(caseworker)
    client.post(url(planned, "caseworker"), {"person": caseworker.pk})
    assert not planned.events.filter(transition=RESPONSIBLE_CHANGED).exists()


def test_nobody_of_another_organisation_can_be_made_responsible(
    client, planned, caseworker, caseworker_of_other_ocmw, counsellor_of_other_region
):
    client.force_login(caseworker)
    response = client.post(url(planned, "caseworker"), {"person": caseworker_of_other_ocmw.pk})
    assert response.status_code == 400
    assert response.context["responsible"][0]["form"].errors["person"]
    planned.refresh_from_db()
    assert planned.caseworker == caseworker


def test_the_service_refuses_who_cannot_act_on_the_referral(planned, caseworker, counsellor):
    with pytest.raises(services.TransitionRefused):
        services.referral_set_responsible(
            referral=planned, user=counsellor, side="caseworker", person=counsellor
        )
    with pytest.raises(ValidationError):
        services.referral_set_responsible(
            referral=planned, user=caseworker, side="caseworker", person=counsellor
        )


def test_vdab_may_not_change_the_ocmws_responsible(client, planned, counsellor, vdab_colleague):
    client.force_login(counsellor)
    assert client.post(url(planned, "caseworker"), {"person": counsellor.pk}).status_code == 403
    response = client.post(url(planned, "counsellor"), {"person": vdab_colleague.pk})
    assert response.status_code == 302
    planned.refresh_from_db()
    assert planned.counsellor == vdab_colleague


def test_an_unknown_side_is_not_found(client, planned, caseworker):
    client.force_login(caseworker)
    assert client.post(url(planned, "nobody"), {}).status_code == 404


def test_messages_go_to_the_responsible_people(planned, counsellor, vdab_colleague, colleague):
    assert counsellors_for(planned) == [counsellor]
    services.referral_set_responsible(
        referral=planned, user=counsellor, side="counsellor", person=vdab_colleague
    )
    services.referral_set_responsible(
        referral=planned, user=colleague, side="caseworker", person=colleague
    )
    assert counsellors_for(planned) == [vdab_colleague]
    assert caseworkers_for(planned) == [colleague]


def test_mine_follows_the_responsible_counsellor(client, planned, counsellor, vdab_colleague):
    mine = f"{reverse('referrals:referral_list')}?mine=on"
    client.force_login(vdab_colleague)
    assert list(client.get(mine).context["page"]) == []
    services.referral_set_responsible(
        referral=planned, user=counsellor, side="counsellor", person=vdab_colleague
    )
    assert list(client.get(mine).context["page"]) == [planned]


def test_the_page_offers_the_colleagues_of_ones_own_side(client, planned, caseworker, colleague):
    client.force_login(caseworker)
    rows = {
        row["side"]: row for row in client.get(planned.get_absolute_url()).context["responsible"]
    }
    assert rows["counsellor"]["form"] is None
    choices = list(rows["caseworker"]["form"].fields["person"].queryset)
    assert set(choices) == {caseworker, colleague}


def test_the_person_made_responsible_hears_of_it(planned, caseworker, colleague):
    colleague.language = "en"
    colleague.save(update_fields=["language"])
    services.referral_set_responsible(
        referral=planned, user=caseworker, side="caseworker", person=colleague
    )
    message = Notification.objects.get(
        recipient=colleague, kind=Kind.MADE_RESPONSIBLE, channel=Notification.Channel.IN_APP
    )
    assert "made you responsible for the referral to" in message.body
    assert "as: Responsible caseworker (OCMW)." in message.body
    # Who takes it over themselves is told nothing.
    services.referral_set_responsible(
        referral=planned, user=caseworker, side="caseworker", person=caseworker
    )
    assert not Notification.objects.filter(recipient=caseworker, kind=Kind.MADE_RESPONSIBLE)
