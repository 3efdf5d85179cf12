"""What each step costs in queries (issue 14; `make bench-step` times them at scale): the
step's service, on a referral loaded as its page loads it and by a user read afresh as a
request reads one, with its history line, messages and webhook deliveries written, sends
no more statements than pinned here. A rise means a check run twice, a row read back after
it was written, or a savepoint per row: look at what changed before raising a number."""

import pytest
from django.contrib.auth import get_user_model

from referrals.models import Referral
from referrals.models.handover import counsellors_of
from tests.referrals.factories import STEP_SERVICES, TRANSITIONS, step_arguments
from webhooks.kinds import EventKind
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db

# Inside the test's transaction the service's own is a savepoint (and its release): two
# statements production sends as BEGIN and COMMIT, which are not counted there.
QUERIES = {
    # The referral, its history line; whether VDAB registered the candidacy (the OCMW is
    # then told); the subscriptions, the deliveries.
    "apply": 7,
    # The client's row locked, then its temporary work experiences read once (the guard,
    # asked twice, and the agreement's date); the entry conditions; whether the handover's
    # counsellor, the training's contact, is one (their permissions, read once for the
    # message to them too); the referral, its history line; the last VDAB actor; what they
    # chose for their e-mail, one insert for both messages; the subscriptions, the
    # deliveries; the conditions.
    "agree": 14,
    # The referral, its history line; the caseworker told (their permissions); what they
    # chose for their e-mail, the messages; the subscriptions, the deliveries.
    "plan_intake": 9,
    "admit": 9,
    # ... and the client's row locked, then its temporary work experiences read.
    "start": 11,
    # The referral locked; then its interruptions that lie after the end (refused) or still
    # run (locked, to end with it), one query; the referral, its history line; the
    # caseworker told (their permissions) and the counsellor (the one who ended it); what
    # they chose for their e-mail, the messages; the subscriptions, the deliveries.
    "end": 11,
    # The referral, its history line; the subscriptions, the deliveries.
    "close": 6,
}


@pytest.fixture
def world(training, caseworker, counsellor):
    """The training with the counsellor as its contact, and both sides subscribed to
    every kind of event."""
    training.contact_counsellor = counsellor
    training.save()
    for organisation in (caseworker.organisation, counsellor.organisation):
        Subscription.objects.create(
            organisation=organisation,
            url=f"https://hooks.invalid/{organisation.pk}",
            kinds=list(EventKind.values),
        )


@pytest.mark.parametrize("name", list(QUERIES))
def test_a_step_sends_no_more_statements_than_pinned(
    name, world, walk, caseworker, counsellor, training, django_assert_max_num_queries
):
    sources, _target = TRANSITIONS[name]
    walked = walk(sources[0])
    kwargs = step_arguments(name, walked)
    if name == "agree":  # with the counsellor as the form's choice gives them
        kwargs |= {
            "handover_counsellor": counsellors_of(training).get(pk=counsellor.pk),
            "handover_counsellor_name": "",
        }
    actor = caseworker if name in {"apply", "agree", "close"} else counsellor
    user = get_user_model().objects.get(pk=actor.pk)
    referral = Referral.objects.visible_to(user).with_page_related().get(pk=walked.pk)

    with django_assert_max_num_queries(QUERIES[name]):
        STEP_SERVICES[name](referral=referral, user=user, **kwargs)

    assert referral.events.filter(transition=name).exists()
    assert Subscription.objects.filter(deliveries__kind=name).exists()
