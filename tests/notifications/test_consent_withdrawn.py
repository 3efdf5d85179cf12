"""A client's withdrawn consent reaches the counsellors of each of the client's referrals in
progress that VDAB sees (agreed, not over), in the app and by e-mail after commit, one
message per referral; not the counsellors of referrals that are over or that VDAB does not
see yet. The message names the referral by number and training, never the client."""

import datetime

import pytest
from django.utils import formats, timezone, translation

from notifications import outbox
from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import State
from tests.accounts.factories import CounsellorFactory
from tests.notifications.who_hears import EMAIL, IN_APP, heard
from tests.referrals.factories import ClientFactory, TrainingFactory, make_insz

pytestmark = pytest.mark.django_db

BORN = datetime.date(1988, 2, 14)


@pytest.fixture
def person(people):
    return ClientFactory(
        ocmw=people["caseworker"].organisation,
        first_name="Fatima",
        last_name="Elouardi",
        insz=make_insz(BORN, 62),
    )


@pytest.fixture
def followed_by(people, person, walk):
    """`followed_by(name, state, via=None)`: a referral of the person for a training of
    its own, whose contact counsellor (people[name]) follows it, walked to `state`."""

    def referral_for(name: str, state: str, via: str | None = None):
        contact = CounsellorFactory(organisation=people["counsellor"].organisation)
        people[name] = contact
        training = TrainingFactory(contact_counsellor=contact, title=f"Opleiding {name}")
        return walk(state, client=person, training=training, counsellor=contact, via=via)

    return referral_for


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def withdraw(person, user):
    return services.consent_withdraw(client=person, user=user, withdrawn_on=yesterday())


# The referral's state, and whether its counsellors hear of the withdrawal.
STATES = [
    (State.CANDIDATE, None, False),  # VDAB does not see it before the formal agreement
    (State.AGREED, None, True),
    (State.INTAKE_PLANNED, None, True),
    (State.IN_TRAINING, None, True),
    (State.ENDED, None, True),  # not closed yet: the guidance to work is being agreed
    (State.CLOSED, None, False),
    (State.WITHDRAWN, State.AGREED, False),
    (State.NOT_ADMITTED, None, True),
]


def test_the_counsellors_of_the_referrals_in_progress_are_told(people, person, followed_by):
    for n, (state, via, _told) in enumerate(STATES):
        followed_by(f"contact {n}", state, via)
    Notification.objects.all().delete()

    withdraw(person, people["caseworker"])

    expected = {
        (f"contact {n}", Kind.CONSENT_WITHDRAWN) for n, (*_, told) in enumerate(STATES) if told
    }
    assert heard(people) == expected
    assert heard(people, EMAIL) == expected


def test_each_referral_is_a_message_of_its_own(people, person, walk, training):
    """The same counsellors follow two of the client's referrals: a message about each."""
    first = walk(State.AGREED, client=person)
    second = walk(State.AGREED, client=person, training=TrainingFactory())

    withdraw(person, people["caseworker"])

    told = Notification.objects.filter(kind=Kind.CONSENT_WITHDRAWN, channel=IN_APP)
    # Neither training has a contact and no counsellor acted yet: the region hears.
    assert sorted(told.values_list("recipient", "referral")) == sorted(
        (people[name].pk, referral.pk)
        for name in ("counsellor", "colleague")
        for referral in (first, second)
    )


def test_the_one_who_withdrew_is_not_told(people, person, walk):
    walk(State.AGREED, client=person)

    withdraw(person, people["administrator"])

    assert ("administrator", Kind.CONSENT_WITHDRAWN) not in heard(people)
    assert ("caseworker", Kind.CONSENT_WITHDRAWN) not in heard(people)
    assert ("counsellor", Kind.CONSENT_WITHDRAWN) in heard(people)


def test_a_consent_given_tells_nobody(people, person, walk):
    walk(State.AGREED, client=person)
    withdraw(person, people["caseworker"])
    Notification.objects.all().delete()

    services.consent_give(client=person, user=people["caseworker"], given_on=yesterday())

    assert heard(people) == set()


def test_the_e_mails_leave_after_commit(
    people, person, walk, mailoutbox, django_capture_on_commit_callbacks
):
    referral = walk(State.AGREED, client=person)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        withdraw(person, people["caseworker"])
    assert mailoutbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    assert {m.to[0] for m in mailoutbox} == {
        people["counsellor"].email,
        people["colleague"].email,
    }
    assert [f"#{referral.pk} ({referral.training.title})" in m.subject for m in mailoutbox] == [
        True,
        True,
    ]


@pytest.mark.parametrize("language", ["nl-be", "en"])
def test_the_message_names_the_referral_and_never_the_client(people, person, walk, language):
    people["counsellor"].language = language
    people["counsellor"].save()
    referral = walk(State.IN_TRAINING, client=person)

    withdraw(person, people["caseworker"])

    personal = [person.first_name, person.last_name, person.insz, person.municipality]
    with translation.override(language):
        personal += [formats.date_format(BORN, f) for f in ("SHORT_DATE_FORMAT", "DATE_FORMAT")]
    personal += [BORN.isoformat(), BORN.strftime("%d/%m/%Y"), BORN.strftime("%d-%m-%Y")]
    messages = Notification.objects.filter(
        recipient=people["counsellor"], kind=Kind.CONSENT_WITHDRAWN
    )
    assert {m.channel for m in messages} == {IN_APP, EMAIL}
    for message in messages:
        text = "\n".join([message.subject, message.body, message.body_html])
        assert [value for value in personal if value and value in text] == [], message.channel
        assert f"#{referral.pk}" in message.subject
        assert referral.training.title in message.subject


def test_the_warm_handover_in_vdabs_inbox_keeps_only_the_name(people, person, followed_by):
    """The warm handover showed VDAB the client's contact details while the client
    consented; after the withdrawal the stored message shows only what VDAB may still see,
    while the caseworker's messages stay as they are."""
    person.phone, person.email = "0470 12 34 56", "fatima@example.org"
    person.save()
    referral = followed_by("contact", State.AGREED)  # the walk's messages are cleared
    outbox.write(
        kind=Kind.WARM_HANDOVER,
        recipients=[people["contact"]],
        referral=referral,
        source="agree",
        context={},
    )
    handover = Notification.objects.get(kind=Kind.WARM_HANDOVER, channel=IN_APP)
    assert "0470 12 34 56" in handover.body

    withdraw(person, people["caseworker"])

    handover.refresh_from_db()
    assert "0470 12 34 56" not in handover.body and "fatima@example.org" not in handover.body
    assert "Elouardi" in handover.body
