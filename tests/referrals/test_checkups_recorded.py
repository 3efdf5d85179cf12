"""Each referral marks the check-ups recorded of it (`Referral.checkups_recorded`, a bit
each: `followup.checkup_bit`), which Mijn werk reads from an index rather than asking the
check-ups: set when one is recorded, left as it is when one is corrected, cleared when one
is deleted (Django admin), never by a save of the referral; and migration 0037 marked
those recorded before it."""

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from referrals.enums import EndResult, State
from referrals.models import OutcomeCheck, Referral
from referrals.models.followup import checkup_bit
from referrals.services import outcome_check_record
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, referral_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(training, caseworker):
    return referral_in_state(
        State.CLOSED,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        end__result=EndResult.PASSED,
    )


def marks(referral) -> int:
    return Referral.objects.get(pk=referral.pk).checkups_recorded


def test_a_bit_for_each_check_up_as_the_migration_wrote_them():
    migration = importlib.import_module("referrals.migrations.0037_mark_checkups_recorded")
    assert {months: checkup_bit(months) for months in (3, 6, 9, 12)} == migration.BITS
    assert sorted(migration.BITS.values()) == [1, 2, 4, 8]


def test_a_referral_saved_as_it_was_read_keeps_the_mark_as_it_is_now(ended):
    """A full save (Django admin's) of a referral read before a check-up was deleted does
    not mark it again; its other changes are saved."""
    check = OutcomeCheck.objects.create(referral=ended, months=3, at_work="yes")
    read = Referral.objects.get(pk=ended.pk)
    assert read.checkups_recorded == 1
    check.delete()
    read.external_id = "dossier-1"
    read.save()
    assert (marks(ended), Referral.objects.get(pk=ended.pk).external_id) == (0, "dossier-1")


def test_recording_marks_correcting_keeps_deleting_clears(ended):
    OutcomeCheck.objects.create(referral=ended, months=3, at_work="yes")
    twelve = OutcomeCheck.objects.create(referral=ended, months=12, at_work="no")
    assert marks(ended) == 1 | 8
    twelve.at_work = "yes"
    twelve.save()
    assert marks(ended) == 1 | 8
    twelve.delete()
    assert marks(ended) == 1


def test_the_service_marks_what_it_records(ended, caseworker):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=200)):
        for at_work in ("no", "yes"):  # recorded, then corrected
            outcome_check_record(
                referral=ended,
                user=caseworker,
                months=6,
                at_work=at_work,
                checked_on=ended.outcome_due_date(6),
            )
    assert marks(ended) == checkup_bit(6)


def test_deleted_in_django_admin_it_is_no_longer_marked(client, administrator, ended):
    check = OutcomeCheck.objects.create(referral=ended, months=9, at_work="yes")
    client.force_login(administrator)
    pass_second_factor(client, administrator)
    url = reverse("admin:referrals_outcomecheck_changelist")
    response = client.post(
        url, {"action": "delete_selected", "_selected_action": [check.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not OutcomeCheck.objects.filter(pk=check.pk).exists()
    assert marks(ended) == 0


def test_the_migration_marks_the_check_ups_recorded_before_it(ended, training):
    other = referral_in_state(State.CLOSED, training=training, end__result=EndResult.PASSED)
    OutcomeCheck.objects.bulk_create(  # no signal: as before the mark was kept
        [
            OutcomeCheck(referral=ended, months=3, at_work="yes"),
            OutcomeCheck(referral=ended, months=9, at_work="no"),
            OutcomeCheck(referral=other, months=12, at_work="yes"),
        ]
    )
    untouched = referral_in_state(State.CLOSED, training=training, end__result=EndResult.PASSED)
    migration = importlib.import_module("referrals.migrations.0037_mark_checkups_recorded")

    migration.mark_recorded(apps, None)

    assert (marks(ended), marks(other), marks(untouched)) == (1 | 4, 8, 0)
