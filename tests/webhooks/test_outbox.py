"""The webhooks' outbox: a delivery per event and subscription, written in the transaction of
the step (and gone with it when it rolls back), handed to the worker only after commit; to
the organisations that may see the referral, an internal note only to its author's."""

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from referrals import access, services
from referrals.enums import GuidanceTopic, NoteVisibility, State
from referrals.signals import replaying_history
from tests.referrals.factories import take_step
from webhooks import outbox
from webhooks.kinds import EventKind
from webhooks.models import Delivery

from .conftest import deliveries_of, receivers_of

pytestmark = pytest.mark.django_db


def test_the_organisation_matrix(organisations, subscribe, walk):
    """Every organisation subscribes to everything: the client's OCMW hears of each event,
    the training's VDAB region only from the formal agreement on, the others nothing."""
    for organisation in organisations.values():
        subscribe(organisation)

    referral = walk(State.IN_TRAINING)

    ocmw, region = organisations["client's OCMW"].name, organisations["VDAB region"].name
    heard = {kind: receivers_of(referral, kind) for kind in ["create", "apply", "agree", "start"]}
    assert heard == {
        "create": {ocmw},
        "apply": {ocmw},
        "agree": {ocmw, region},
        "start": {ocmw, region},
    }


@pytest.mark.parametrize("state", [State.CANDIDATE, State.AGREED, State.CLOSED])
def test_the_subscriptions_read_are_those_of_the_organisations_that_see_the_referral(
    organisations, subscribe, walk, state, django_assert_num_queries
):
    """A step reads the active subscriptions of the organisations that may see the referral
    (`outbox.subscriptions_seeing`), not all of Flanders': exactly those whose organisation
    `access.organisation_sees` lets see it, each with its kinds and what the rule asks of
    its organisation."""
    active = [subscribe(o, kinds=[EventKind.START]) for o in organisations.values()]
    subscribe(organisations["client's OCMW"], active=False)
    referral = walk(state)

    with django_assert_num_queries(1):
        found = outbox.subscriptions_seeing(referral)
        # What the rule and the payload read is there (a deferred field would be a query).
        seen = [(s.pk, s.kinds, access.organisation_sees(referral, s.organisation)) for s in found]

    seeing = {o for o in Organisation.objects.all() if access.organisation_sees(referral, o)}
    assert seen == [(s.pk, [EventKind.START], True) for s in active if s.organisation in seeing]
    assert organisations["client's OCMW"] in seeing
    assert (organisations["VDAB region"] in seeing) == (state != State.CANDIDATE)


def test_a_step_reads_no_subscription_of_an_organisation_that_may_not_see_it(
    organisations, subscribe, walk, monkeypatch
):
    """Not every subscription of Flanders, each then held to the rule: only those of the
    referral's OCMW and region are read (at scale, hundreds of them per step)."""
    for organisation in organisations.values():
        subscribe(organisation)
    asked = set()
    sees = access.organisation_sees

    def recorded(referral, organisation):
        asked.add(organisation.pk)
        return sees(referral, organisation)

    monkeypatch.setattr(access, "organisation_sees", recorded)

    walk(State.AGREED)

    assert asked == {organisations["client's OCMW"].pk, organisations["VDAB region"].pk}


def test_an_inactive_subscription_or_one_without_the_kind_gets_no_row(
    organisations, subscribe, walk
):
    subscribe(organisations["client's OCMW"], active=False)
    subscribe(organisations["client's OCMW"], kinds=[EventKind.START])

    referral = walk(State.AGREED)

    assert Delivery.objects.filter(referral=referral).count() == 0


def test_one_row_per_subscription_and_event_however_often_it_is_written(
    organisations, subscribe, walk
):
    first = subscribe(organisations["client's OCMW"], kinds=[EventKind.AGREE])
    second = subscribe(organisations["client's OCMW"], kinds=[EventKind.AGREE])
    referral = walk(State.AGREED)
    event = referral.events.get(transition="agree")

    again = outbox.write_for_event(event)  # announced twice: nothing new

    rows = deliveries_of(referral, EventKind.AGREE)
    assert sorted(row.subscription_id for row in rows) == [first.pk, second.pk]
    assert len({row.event_id for row in rows}) == 1
    assert sorted(row.pk for row in again) == sorted(row.pk for row in rows)


def test_rows_are_written_in_the_steps_transaction_and_sent_after_commit(
    organisations, subscribe, walk, counsellor, receiver, django_capture_on_commit_callbacks
):
    subscribe(organisations["client's OCMW"], kinds=[EventKind.PLAN_INTAKE])
    referral = walk(State.AGREED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        take_step("plan_intake", referral, counsellor)
        (row,) = deliveries_of(referral, EventKind.PLAN_INTAKE)
        assert (row.status, receiver.calls) == (Delivery.Status.PENDING, [])

    assert callbacks  # the enqueue waits for the commit
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    assert receiver.event_ids() == [str(row.event_id)]


def test_a_step_rolled_back_leaves_no_row(organisations, subscribe, walk, counsellor, receiver):
    subscribe(organisations["client's OCMW"])
    referral = walk(State.AGREED)
    before = Delivery.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        take_step("plan_intake", referral, counsellor)
        assert Delivery.objects.count() == before + 1
        raise RuntimeError("the step's transaction fails after the event")

    assert Delivery.objects.count() == before
    assert receiver.calls == []


def test_replayed_history_is_told_to_nobody(organisations, subscribe, walk):
    subscribe(organisations["client's OCMW"])

    with replaying_history():
        referral = walk(State.CANDIDATE)

    assert not Delivery.objects.filter(referral=referral).exists()


def note(referral, author, visibility):
    return services.guidance_note_add(
        referral=referral,
        user=author,
        topic=GuidanceTopic.PROGRESS,
        note="Mist veel lessen.",
        written_on=timezone.localdate(),
        visibility=visibility,
    )


@pytest.mark.parametrize(
    ("author", "visibility", "heard_by"),
    [
        ("caseworker", NoteVisibility.SHARED, {"client's OCMW", "VDAB region"}),
        ("counsellor", NoteVisibility.SHARED, {"client's OCMW", "VDAB region"}),
        ("caseworker", NoteVisibility.INTERNAL, {"client's OCMW"}),
        ("counsellor", NoteVisibility.INTERNAL, {"VDAB region"}),
    ],
)
def test_an_internal_note_reaches_only_its_authors_organisation(
    request, organisations, subscribe, walk, author, visibility, heard_by
):
    for organisation in organisations.values():
        subscribe(organisation)
    referral = walk(State.AGREED)

    written = note(referral, request.getfixturevalue(author), visibility)

    names = {organisations[name].name for name in heard_by}
    assert receivers_of(referral, EventKind.GUIDANCE_NOTE_ADDED) == names
    services.guidance_note_edit(
        note=written,
        user=request.getfixturevalue(author),
        topic=GuidanceTopic.ATTENDANCE,
        text="Komt weer.",
        written_on=written.written_on,
    )
    assert receivers_of(referral, EventKind.GUIDANCE_NOTE_CORRECTED) == names
