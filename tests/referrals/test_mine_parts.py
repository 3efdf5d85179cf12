"""A counsellor's "mine" read part by part (`work.mine_parts`, Mijn werk's counts and rows):
the parts never share a referral and together are `work.mine`, whoever is named on the
referral and whoever the training names as its contact."""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation, Province
from referrals.enums import InterruptionReason, State
from referrals.models import Interruption, Referral
from referrals.models.work import mine, mine_parts
from tests.accounts.factories import CounsellorFactory
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def test_a_counsellors_parts_are_mine_and_never_overlap(counsellor, ocmw_gent):
    colleague = CounsellorFactory(organisation=counsellor.organisation)
    left = CounsellorFactory(organisation=counsellor.organisation, is_active=False)
    moved = CounsellorFactory(organisation=counsellor.organisation)
    moved.organisation = ocmw_gent  # now at an OCMW
    moved.save()
    assert moved.organisation.kind == Organisation.Kind.OCMW
    unplaced = CounsellorFactory(organisation=counsellor.organisation)
    unplaced.organisation = None  # of no organisation any more
    unplaced.save()
    named = [counsellor, colleague, left, moved, unplaced, None]
    contacts = [counsellor, colleague, None]
    for who, contact in itertools.product(named, contacts):
        Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=TrainingFactory(contact_counsellor=contact),
            state=State.AGREED,
            counsellor=who,
        )
    referrals = Referral.objects.all()

    parts = [
        set(referrals.filter(part).values_list("pk", flat=True)) for part in mine_parts(counsellor)
    ]

    expected = set(referrals.filter(mine(counsellor)).values_list("pk", flat=True))
    assert set().union(*parts) == expected
    assert sum(len(part) for part in parts) == len(expected)  # none in two parts
    # Named: theirs; nobody, someone gone, moved or unplaced: unless the training names a
    # colleague.
    assert len(expected) == 3 + 4 * 2


def test_the_training_s_contact_is_asked_without_joining_the_trainings(counsellor):
    """Whether the training names another contact is a subquery of those trainings, read
    once: joined to each referral's training, the planner took twice as long over "mine"
    (`work._no_other_contact`)."""
    for condition in (mine(counsellor), *mine_parts(counsellor)):
        sql = str(Referral.objects.filter(condition).query)
        assert 'JOIN "referrals_training"' not in sql, sql


def test_the_part_of_people_who_left_is_there_only_when_someone_named_left(counsellor, ocmw_gent):
    """The people named who are no longer active or of VDAB are read first (mostly none):
    no part for them then, rather than a subquery the planner may join to every referral
    of the region first."""
    left = CounsellorFactory(organisation=counsellor.organisation, is_active=False)
    assert len(mine_parts(counsellor)) == 2
    referral = Referral.objects.create(
        client=ClientFactory(ocmw=ocmw_gent),
        training=TrainingFactory(contact_counsellor=None),
        state=State.AGREED,
        counsellor=left,
    )

    *_, theirs = mine_parts(counsellor)

    assert len(mine_parts(counsellor)) == 3
    assert list(Referral.objects.filter(theirs)) == [referral]


def test_an_intake_of_someone_who_left_is_in_the_coming_week_of_mine(client, counsellor, ocmw_gent):
    """The agenda of "mine" reads the same parts as the groups: an intake this week whose
    named counsellor left is the counsellor's, a colleague's is not."""
    left = CounsellorFactory(organisation=counsellor.organisation, is_active=False)
    colleague = CounsellorFactory(organisation=counsellor.organisation)
    training = TrainingFactory(contact_counsellor=None, province=counsellor.organisation.province)
    soon = timezone.now() + datetime.timedelta(days=2)
    planned = {
        who: Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=training,
            state=State.INTAKE_PLANNED,
            counsellor=who,
            agreed_on=timezone.localdate(),
            intake_at=soon,
        ).pk
        for who in (left, colleague)
    }
    client.force_login(counsellor)

    agenda = {a.code: [r.pk for r in a.rows] for a in client.get("/").context["agenda"]}

    assert agenda["intakes"] == [planned[left]]


def test_a_counsellors_my_work_ranks_the_rows_of_every_part_as_one(client, counsellor, ocmw_gent):
    """Mijn werk ranks the parts' rows themselves (`ranking._rows_of`), not their keys
    joined back to the table: overdue first, then the longest waiting, across the
    parts; what is nobody's of this counsellor is not there; and an expression that reads
    another table about the row (a running interruption) reads it of the right row."""
    colleague = CounsellorFactory(organisation=counsellor.organisation)
    left = CounsellorFactory(organisation=counsellor.organisation, is_active=False)
    anyone = TrainingFactory(contact_counsellor=None, province=counsellor.organisation.province)
    colleagues = TrainingFactory(contact_counsellor=colleague, province=anyone.province)
    today = timezone.localdate()

    def referral(state, who, training, *, days_ago, **fields):
        made = Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=training,
            state=state,
            counsellor=who,
            agreed_on=today,
            **fields,
        )
        changed = timezone.now() - datetime.timedelta(days=days_ago)
        Referral.objects.filter(pk=made.pk).update(state_changed_at=changed)
        return made

    theirs = referral(State.AGREED, counsellor, colleagues, days_ago=2)
    nobodys = referral(State.AGREED, None, anyone, days_ago=30)  # overdue
    gone = referral(State.AGREED, left, anyone, days_ago=20)  # overdue
    referral(State.AGREED, colleague, anyone, days_ago=40)  # a colleague's
    referral(State.AGREED, None, colleagues, days_ago=40)  # the training names a colleague
    elsewhere = TrainingFactory(
        contact_counsellor=None,
        province=next(p for p in Province.values if p != counsellor.organisation.province),
    )
    referral(State.AGREED, None, elsewhere, days_ago=50)  # of another region: not visible
    not_agreed = referral(State.AGREED, left, anyone, days_ago=50)
    Referral.objects.filter(pk=not_agreed.pk).update(agreed_on=None)  # not VDAB's yet
    long_past = today - datetime.timedelta(days=60)
    late = referral(State.IN_TRAINING, left, anyone, days_ago=90, expected_end_date=long_past)
    paused = referral(State.IN_TRAINING, None, anyone, days_ago=95, expected_end_date=long_past)
    Interruption.objects.create(
        referral=paused, reason=InterruptionReason.values[0], from_date=long_past
    )
    client.force_login(counsellor)

    with CaptureQueriesContext(connection) as statements:
        shown = {group.work.code: group for group in client.get("/").context["groups"]}

    plan, end = shown["plan_intake"], shown["end"]
    assert [r.pk for r in plan.rows] == [nobodys.pk, gone.pk, theirs.pk] and plan.count == 3
    assert [r.is_overdue for r in plan.rows] == [True, True, False]
    assert [r.pk for r in end.rows] == [late.pk, paused.pk]
    assert [r.is_overdue for r in end.rows] == [True, False]
    # The groups' ranking (the agenda numbers its rows too, by state).
    (ranking,) = [s["sql"] for s in statements if 'PARTITION BY "work_group"' in s["sql"]]
    assert "UNION ALL" in ranking
    assert '"referrals_referral"."id" IN (' not in ranking  # no key joined back
    # Read under the table's name, the union's columns must be named as the table's are.
    assert all(f.attname == f.column for f in Referral._meta.concrete_fields)
    # Each part carries the columns the ranking's expressions read, not all of the table's.
    arms = re.findall(r'SELECT ((?:"referrals_referral"\."\w+" AS "\w+"(?:, )?)+) FROM', ranking)
    carried = {frozenset(re.findall(r'AS "(\w+)"', arm)) for arm in arms}
    assert len(arms) == len(mine_parts(counsellor)) and len(carried) == 1
    (columns,) = carried
    assert {"id", "state", "state_changed_at", "expected_end_date"} <= columns
    assert len(columns) < len(Referral._meta.concrete_fields) / 2


def test_a_counsellor_who_is_a_superuser_too_has_their_work_counted(client, counsellor, ocmw_gent):
    """A superuser holds every role: Mijn werk counts their groups as a counsellor's, beside
    the ranking of their parts (not the administrator's all of Flanders part by part), and
    only theirs."""
    counsellor.is_superuser = True
    counsellor.save(update_fields=["is_superuser"])
    training = TrainingFactory(contact_counsellor=None, province=counsellor.organisation.province)
    colleague = CounsellorFactory(organisation=counsellor.organisation)
    for who in (counsellor, None, colleague):  # the colleague's is not theirs
        Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=training,
            state=State.AGREED,
            counsellor=who,
            agreed_on=timezone.localdate(),
        )
    client.force_login(counsellor)
    pass_second_factor(client, counsellor)

    shown = {group.work.code: group for group in client.get("/").context["groups"]}

    assert shown["plan_intake"].count == len(shown["plan_intake"].rows) == 2
