"""A message to many costs what a message to one does: when nobody on a side has acted yet,
a step tells everyone of a role there (a region's counsellors, an OCMW's caseworkers), and
writing each one's message asks what they may see of the client. Their permissions are
read at once for all of them (`accounts.backends.read_permissions`), not once per person,
and the text rendered once for all who see the same (`rendering.render_message`): a region
of Flanders has about a hundred counsellors."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from notifications import outbox
from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import State
from referrals.models import Referral
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory
from tests.notifications.who_hears import IN_APP
from tests.referrals.factories import STEP_SERVICES, ClientFactory, TrainingFactory, step_arguments

pytestmark = pytest.mark.django_db


def agreed(walk, caseworker) -> tuple[Referral, int]:
    """A new client's referral agreed as its page and form do it (the training has no
    contact counsellor and no counsellor acted: the region's all are told), and the
    statements the step sent. The walk clears every message written before."""
    walked = walk(State.CANDIDATE)
    kwargs = step_arguments("agree", walked)
    user = get_user_model().objects.get(pk=caseworker.pk)
    referral = Referral.objects.visible_to(user).with_page_related().get(pk=walked.pk)
    with CaptureQueriesContext(connection) as queries:
        STEP_SERVICES["agree"](referral=referral, user=user, **kwargs)
    return referral, len(queries)


def told(referral, kind) -> set[int]:
    return set(bodies(referral, kind))


def bodies(referral, kind) -> dict[int, str]:
    rows = Notification.objects.filter(referral=referral, kind=kind, channel=IN_APP)
    return {
        recipient: f"{subject}\n{body}"
        for recipient, subject, body in rows.values_list("recipient", "subject", "body")
    }


def test_the_agreement_costs_the_same_for_a_regions_two_counsellors_or_ten(walk, people):
    region = people["counsellor"].organisation
    first, few = agreed(walk, people["caseworker"])
    two = {people["counsellor"].pk, people["colleague"].pk}
    assert told(first, Kind.WARM_HANDOVER) == two
    more = [CounsellorFactory(organisation=region) for _ in range(8)]

    second, many = agreed(walk, people["caseworker"])

    assert told(second, Kind.WARM_HANDOVER) == two | {person.pk for person in more}
    assert many == few


def test_a_candidacy_costs_the_same_for_an_ocmws_one_caseworker_or_nine(people, training):
    ocmw = people["caseworker"].organisation

    def registered() -> tuple[Referral, int]:
        client = ClientFactory(ocmw=ocmw)
        user = get_user_model().objects.get(pk=people["counsellor"].pk)  # as a request reads them
        with CaptureQueriesContext(connection) as queries:
            candidacy = services.referral_register_candidacy(
                user=user,
                ocmw=ocmw,
                insz=client.insz,
                first_name=client.first_name,
                last_name=client.last_name,
                training=training,
            )
        return candidacy.referral, len(queries)

    first, few = registered()
    more = [CaseworkerFactory(organisation=ocmw) for _ in range(8)]
    second, many = registered()

    assert told(first, Kind.CANDIDACY_REGISTERED) == {people["caseworker"].pk}
    assert told(second, Kind.CANDIDACY_REGISTERED) == {people["caseworker"].pk} | {
        person.pk for person in more
    }
    assert many == few


def test_the_messages_written_again_cost_the_same_for_two_readers_or_ten(walk, people):
    """A withdrawn consent writes the warm handover's messages again, as each reader may
    see the client now (`rewrite_client_facts`)."""

    def rewritten(referral) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            count = outbox.rewrite_client_facts(referral.client)
        return count, len(queries)

    first, _statements = agreed(walk, people["caseworker"])
    written, few = rewritten(first)
    assert written == 2
    for _ in range(8):
        CounsellorFactory(organisation=people["counsellor"].organisation)
    second, _statements = agreed(walk, people["caseworker"])

    written, many = rewritten(second)

    assert written == 10
    assert many == few


# --- and is rendered once for everyone who sees the same ---------------------------------------


def test_a_regions_counsellors_warm_handover_is_rendered_once(walk, people):
    for _ in range(8):
        CounsellorFactory(organisation=people["counsellor"].organisation)
    rendered = []

    def on_render(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(on_render)
    try:
        referral, _statements = agreed(walk, people["caseworker"])
    finally:
        template_rendered.disconnect(on_render)

    assert len(told(referral, Kind.WARM_HANDOVER)) == 10
    assert rendered.count("notifications/warm_handover.txt") == 1
    assert len(set(bodies(referral, Kind.WARM_HANDOVER).values())) == 1


def test_readers_who_see_the_client_differently_read_their_own_text_in_one_write(walk, people):
    """The training's region sees the agreed client; a counsellor of another region does
    not, even when told of it."""
    referral = walk(State.AGREED)
    region, elsewhere = people["counsellor"], people["counsellor_elsewhere"]

    outbox.write(
        kind=Kind.WARM_HANDOVER,
        recipients=[region, people["colleague"], elsewhere],
        referral=referral,
        source="test",
        context={"actor": people["caseworker"]},
    )

    texts = bodies(referral, Kind.WARM_HANDOVER)
    name = referral.client.first_name
    assert texts[region.pk] == texts[people["colleague"].pk]
    assert name in texts[region.pk]
    assert name not in texts[elsewhere.pk]
    assert str(referral.client.ocmw) in texts[elsewhere.pk]


def test_messages_written_again_for_a_clients_two_referrals_keep_their_own_training(
    walk, people, training
):
    """One rendering for all who see the same, of the same referral: the client's warm
    handovers for two trainings are two texts."""
    client = ClientFactory(ocmw=people["caseworker"].organisation)
    other = TrainingFactory(province=training.province, title="Boekhouder")
    referrals = [
        walk(State.AGREED, client=client),
        walk(State.AGREED, client=client, training=other),
    ]
    for referral in referrals:
        outbox.write(
            kind=Kind.WARM_HANDOVER,
            recipients=[people["counsellor"], people["colleague"]],
            referral=referral,
            source=f"test:{referral.pk}",
            context={"actor": people["caseworker"]},
        )

    assert outbox.rewrite_client_facts(client) == 4

    for referral in referrals:
        texts = bodies(referral, Kind.WARM_HANDOVER)
        assert len(texts) == 2
        assert all(referral.training.title in text for text in texts.values())
