"""The referral page shows the way: the flow's stages with where the referral stands, what
comes next and who has to act."""

import datetime
import re

import pytest
from django.utils import timezone

from referrals import services
from referrals.enums import State
from referrals.models import Referral
from tests.accounts.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db


def stepper_of(client, referral) -> dict:
    return client.get(referral.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").context["stepper"]


def statuses(stepper) -> list[tuple[str, str]]:
    return [(stage.label, stage.status) for stage in stepper["stages"]]


def test_in_training_the_earlier_stages_are_done(client, walk, counsellor, caseworker):
    referral = walk(State.IN_TRAINING)
    client.force_login(counsellor)
    stepper = stepper_of(client, referral)
    assert statuses(stepper) == [
        ("Informed", "done"),
        ("Candidate", "done"),
        ("Formal agreement", "done"),
        ("Intake", "done"),
        ("Admitted", "done"),
        ("In training", "current"),
        ("Training ended", "to come"),
        ("Closed", "to come"),
    ]
    assert stepper["next"] == "Next: recording the end of the training, by you."
    client.force_login(caseworker)
    name = f"{counsellor.get_full_name()} ({counsellor.organisation})"
    assert stepper_of(client, referral)["next"] == (
        f"Next: recording the end of the training, by {name}."
    )


def test_the_page_marks_the_current_stage_once(client, walk, caseworker):
    referral = walk(State.AGREED)
    client.force_login(caseworker)
    html = client.get(referral.get_absolute_url()).content.decode()
    assert len(re.findall('aria-current="step"', html)) == 1


def test_a_declined_referral_stopped_at_its_candidacy(client, walk, caseworker):
    referral = walk(State.DECLINED)
    client.force_login(caseworker)
    stepper = stepper_of(client, referral)
    assert ("Candidate", "stopped") in statuses(stepper)
    assert ("Formal agreement", "to come") in statuses(stepper)
    assert stepper["next"] == "The referral is over: nothing comes next."


def test_a_withdrawn_referral_stopped_where_it_was_withdrawn(client, walk, caseworker):
    referral = walk(State.AGREED)
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd.")
    client.force_login(caseworker)
    stepper = stepper_of(client, referral)
    assert ("Formal agreement", "stopped") in statuses(stepper)
    assert stepper["next"] == "The referral was withdrawn: nothing comes next."


def test_an_intake_to_come_is_named_with_its_day(client, walk, caseworker, counsellor):
    referral = walk(State.INTAKE_PLANNED)
    in_three_days = timezone.now() + datetime.timedelta(days=3)
    Referral.objects.filter(pk=referral.pk).update(intake_at=in_three_days)
    client.force_login(caseworker)
    day = timezone.localdate(in_three_days).strftime("%d/%m/%Y")
    name = f"{counsellor.get_full_name()} ({counsellor.organisation})"
    assert stepper_of(client, referral)["next"] == (
        f"Next: the screening (admit or not) after the intake on {day}, by {name}."
    )


def test_a_closed_referral_is_done(client, walk, caseworker):
    referral = walk(State.CLOSED)
    client.force_login(caseworker)
    assert statuses(stepper_of(client, referral))[-1] == ("Closed", "done")


def test_a_withdrawn_referral_stays_stopped_after_later_lines(client, walk, caseworker):
    referral = walk(State.AGREED)
    services.referral_withdraw(referral=referral, user=caseworker, reason="Verhuisd.")
    colleague = CaseworkerFactory(organisation=caseworker.organisation)
    services.referral_set_responsible(
        referral=referral, user=caseworker, side="caseworker", person=colleague
    )
    client.force_login(caseworker)
    assert ("Formal agreement", "stopped") in statuses(stepper_of(client, referral))


def test_closed_after_not_admitted_stopped_at_the_intake(client, walk, caseworker):
    referral = walk(State.CLOSED, via=State.NOT_ADMITTED)
    client.force_login(caseworker)
    assert statuses(stepper_of(client, referral))[3:] == [
        ("Intake", "stopped"),
        ("Admitted", "to come"),
        ("In training", "to come"),
        ("Training ended", "to come"),
        ("Closed", "to come"),
    ]


def test_the_responsible_person_is_you_while_a_rule_holds_the_step(client, walk, counsellor):
    referral = walk(State.INTAKE_PLANNED)
    in_three_days = timezone.now() + datetime.timedelta(days=3)
    Referral.objects.filter(pk=referral.pk).update(intake_at=in_three_days)
    client.force_login(counsellor)
    assert stepper_of(client, referral)["next"].endswith(", by you.")
