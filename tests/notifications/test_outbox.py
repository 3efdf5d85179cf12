"""Who hears what (DOMAIN.md): every step walked through the real services writes one
in-app message and one e-mail per recipient, in the step's own transaction, and hands the
e-mails over only after commit.

The cast: a client of OCMW Gent, a training in Oost-Vlaanderen without a contact
counsellor, the Gent caseworker, two counsellors of Oost-Vlaanderen (the one who acts and a
colleague) and people who must hear nothing (VDAB Limburg, OCMW Aalst)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Province
from notifications import outbox, receivers
from notifications.models import EmailOptOut, Kind, Notification
from referrals import services
from referrals.enums import GuidanceTopic, State
from referrals.models import Referral
from referrals.signals import replaying_history
from tests.accounts.factories import (
    CaseworkerFactory,
    CounsellorFactory,
)
from tests.referrals.factories import (
    ClientFactory,
    TrainingFactory,
    make_insz,
    referral_in_state,
    take_step,
)

pytestmark = pytest.mark.django_db

IN_APP, EMAIL = Notification.Channel.IN_APP, Notification.Channel.EMAIL


# --- the cast -------------------------------------------------------------------------------


@pytest.fixture
def people(
    caseworker, counsellor, counsellor_of_other_region, caseworker_of_other_ocmw, administrator
) -> dict:
    """The cast of tests/conftest.py by the names of the table, and a colleague."""
    return {
        "caseworker": caseworker,
        "counsellor": counsellor,
        "colleague": CounsellorFactory(organisation=counsellor.organisation),
        "counsellor_elsewhere": counsellor_of_other_region,
        "caseworker_elsewhere": caseworker_of_other_ocmw,
        "administrator": administrator,
    }


@pytest.fixture
def walk(people, training):
    """`walk(state)`: a referral of a Gent client walked to `state` by the caseworker and the
    acting counsellor, with the notifications of the walk itself cleared."""

    def walk_to(state, **kwargs):
        kwargs.setdefault("client", ClientFactory(ocmw=people["caseworker"].organisation))
        kwargs.setdefault("training", training)
        kwargs.setdefault("caseworker", people["caseworker"])
        kwargs.setdefault("counsellor", people["counsellor"])
        referral = referral_in_state(state, **kwargs)
        Notification.objects.all().delete()
        return referral

    return walk_to


def heard(people, channel=IN_APP) -> set[tuple[str, str]]:
    """(who, kind) of every notification on `channel`, with who as a key of `people`."""
    names = {person.pk: name for name, person in people.items()}
    return {
        (names.get(recipient_id, f"user {recipient_id}"), kind)
        for recipient_id, kind in Notification.objects.filter(channel=channel).values_list(
            "recipient_id", "kind"
        )
    }


# --- the table: who hears what ----------------------------------------------------------------

COUNSELLORS = ("counsellor", "colleague")  # the training's region; it has no contact

# (step, from state, who acts, who hears which kind)
WHO_HEARS_WHAT = [
    ("apply", State.INFORMED, "counsellor", {("caseworker", Kind.CANDIDACY_REGISTERED)}),
    ("apply", State.INFORMED, "caseworker", set()),
    (
        "agree",
        State.CANDIDATE,
        "caseworker",
        {(c, Kind.WARM_HANDOVER) for c in COUNSELLORS} | {("caseworker", Kind.CALL_COUNSELLOR)},
    ),
    ("decline", State.CANDIDATE, "caseworker", {(c, Kind.DECLINED) for c in COUNSELLORS}),
    ("withdraw", State.CANDIDATE, "caseworker", {(c, Kind.WITHDRAWN) for c in COUNSELLORS}),
    ("withdraw", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.WITHDRAWN)}),
    (
        "withdraw",
        State.AGREED,
        "administrator",
        {("caseworker", Kind.WITHDRAWN)} | {(c, Kind.WITHDRAWN) for c in COUNSELLORS},
    ),
    ("plan_intake", State.AGREED, "counsellor", {("caseworker", Kind.INTAKE_PLANNED)}),
    ("admit", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.ADMITTED)}),
    ("reject", State.INTAKE_PLANNED, "counsellor", {("caseworker", Kind.NOT_ADMITTED)}),
    ("start", State.ADMITTED, "counsellor", {("caseworker", Kind.STARTED)}),
    # The counsellor who has acted on the referral is its VDAB side from then on.
    (
        "end",
        State.IN_TRAINING,
        "counsellor",
        {("caseworker", Kind.ENDED), ("counsellor", Kind.CONTINUED_GUIDANCE)},
    ),
    ("close", State.ENDED, "caseworker", set()),
]
STEP_IDS = [f"{step}-from-{state}-by-{actor}" for step, state, actor, _ in WHO_HEARS_WHAT]


@pytest.mark.parametrize(("step", "state", "actor", "expected"), WHO_HEARS_WHAT, ids=STEP_IDS)
def test_each_step_reaches_the_people_of_the_table(walk, people, step, state, actor, expected):
    referral = walk(state)

    take_step(step, referral, people[actor])

    assert heard(people) == expected
    assert heard(people, EMAIL) == expected


# Prompts ask the one who acted to do something next; everything else is news for others.
@pytest.mark.parametrize(("step", "state", "actor", "expected"), WHO_HEARS_WHAT, ids=STEP_IDS)
def test_the_actor_is_told_only_what_to_do_next(walk, people, step, state, actor, expected):
    referral = walk(state)

    take_step(step, referral, people[actor])

    told = {kind for who, kind in heard(people) if who == actor}
    assert told <= outbox.PROMPTS


def test_a_contact_counsellor_hears_instead_of_the_region(walk, people, training):
    contact = CounsellorFactory(organisation=people["counsellor_elsewhere"].organisation)
    training.contact_counsellor = contact
    training.save()
    people["contact"] = contact
    referral = walk(State.CANDIDATE, counsellor=contact)

    take_step("decline", referral, people["caseworker"])

    assert heard(people) == {("contact", Kind.DECLINED)}


def test_inactive_counsellors_and_other_regions_hear_nothing(walk, people):
    people["colleague"].is_active = False
    people["colleague"].save()
    referral = walk(State.CANDIDATE)

    take_step("decline", referral, people["caseworker"])

    assert heard(people) == {("counsellor", Kind.DECLINED)}


def test_a_candidacy_registered_by_vdab_reaches_every_active_caseworker_of_the_ocmw(people):
    ocmw = people["caseworker"].organisation
    people["second_caseworker"] = CaseworkerFactory(organisation=ocmw)
    people["former_caseworker"] = CaseworkerFactory(organisation=ocmw, is_active=False)

    services.referral_register_candidacy(
        user=people["counsellor"],
        ocmw=ocmw,
        insz=make_insz(datetime.date(1990, 5, 17), 41),
        first_name="Amina",
        last_name="Bakkali",
        training=TrainingFactory(province=Province.OOST_VLAANDEREN),
    )

    assert heard(people) == {
        ("caseworker", Kind.CANDIDACY_REGISTERED),
        ("second_caseworker", Kind.CANDIDACY_REGISTERED),
    }


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        # The counsellor who acted on the referral is its VDAB side.
        ("caseworker", {("counsellor", Kind.GUIDANCE_NOTE)}),
        ("counsellor", {("caseworker", Kind.GUIDANCE_NOTE)}),
    ],
)
def test_a_guidance_note_reaches_the_other_side(walk, people, author, expected):
    referral = walk(State.IN_TRAINING)

    services.guidance_note_add(
        referral=referral,
        user=people[author],
        topic=GuidanceTopic.DROPOUT_RISK,
        note="Drie dagen afwezig zonder bericht; graag samen bellen.",
        written_on=referral.start_date,
    )

    assert heard(people) == expected
    body = Notification.objects.filter(channel=IN_APP).values_list("body", flat=True)[0]
    assert "Drie dagen afwezig zonder bericht" in body


# --- what the warm handover says --------------------------------------------------------------


def test_the_warm_handover_tells_the_counsellor_whom_to_call_and_what_matters(walk, people):
    referral = walk(State.CANDIDATE)

    take_step(
        "agree",
        referral,
        people["caseworker"],
        caseworker_phone="09 266 99 00",
        handover_notes="Gemotiveerd; kinderopvang op woensdag nog te regelen.",
    )

    message = Notification.objects.get(
        recipient=people["counsellor"], kind=Kind.WARM_HANDOVER, channel=EMAIL
    )
    assert "Sofie Claes" in message.body
    assert "09 266 99 00" in message.body
    assert "Gemotiveerd; kinderopvang op woensdag nog te regelen." in message.body
    assert "Verpleegkunde HBO5" in message.body
    assert str(referral.client) in message.subject
    assert f"/referrals/{referral.pk}/" in message.body_html


def test_the_caseworker_is_prompted_to_call_the_contact_counsellor(walk, people, training):
    training.contact_counsellor = people["counsellor"]
    training.save()
    people["counsellor"].work_phone = "09 333 44 55"
    people["counsellor"].save()
    referral = walk(State.CANDIDATE)

    take_step("agree", referral, people["caseworker"])

    prompt = Notification.objects.get(channel=IN_APP, kind=Kind.CALL_COUNSELLOR)
    assert prompt.recipient == people["caseworker"]
    assert "Jan Peeters" in prompt.body
    assert "09 333 44 55" in prompt.body


# --- one in-app message and one e-mail per person, the e-mail after commit ------------------


def test_each_recipient_gets_one_in_app_message_and_one_pending_e_mail(walk, people, mailoutbox):
    referral = walk(State.CANDIDATE)

    take_step("agree", referral, people["caseworker"])

    for name in ("counsellor", "colleague", "caseworker"):
        rows = Notification.objects.filter(recipient=people[name])
        assert sorted(rows.values_list("channel", "status")) == [
            (EMAIL, Notification.Status.PENDING),
            (IN_APP, Notification.Status.SENT),
        ]
        in_app = rows.get(channel=IN_APP)
        assert in_app.sent_at is not None
        assert in_app.read_at is None
        assert in_app.body_html == ""
        assert rows.get(channel=EMAIL).body_html
    assert mailoutbox == []  # the test's transaction never commits


def test_e_mails_leave_only_after_commit_in_one_callback_per_step(
    walk, people, mailoutbox, django_capture_on_commit_callbacks
):
    referral = walk(State.CANDIDATE)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        take_step("agree", referral, people["caseworker"])
    assert mailoutbox == []
    assert len(callbacks) == 1

    callbacks[0]()

    emails = Notification.objects.filter(channel=EMAIL)
    assert set(emails.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        people[name].email for name in ("counsellor", "colleague", "caseworker")
    )


@pytest.mark.parametrize(("step", "state", "actor", "expected"), WHO_HEARS_WHAT, ids=STEP_IDS)
def test_every_step_sends_its_e_mails_once_on_commit(
    walk, people, mailoutbox, django_capture_on_commit_callbacks, step, state, actor, expected
):
    referral = walk(state)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        take_step(step, referral, people[actor])

    assert len(callbacks) == (1 if expected else 0)
    sent = {(m.to[0], m.subject) for m in mailoutbox}
    assert len(mailoutbox) == len(expected) == len(sent)
    assert sent == set(
        Notification.objects.filter(channel=EMAIL).values_list("recipient__email", "subject")
    )
    assert not Notification.objects.exclude(status=Notification.Status.SENT).exists()


def test_no_e_mail_for_a_kind_switched_off_but_the_in_app_message_stays(
    walk, people, mailoutbox, django_capture_on_commit_callbacks
):
    EmailOptOut.objects.create(user=people["counsellor"], kind=Kind.WARM_HANDOVER)
    EmailOptOut.objects.create(user=people["colleague"], kind=Kind.DECLINED)  # another kind
    referral = walk(State.CANDIDATE)

    with django_capture_on_commit_callbacks(execute=True):
        take_step("agree", referral, people["caseworker"])

    assert ("counsellor", Kind.WARM_HANDOVER) in heard(people)
    assert ("counsellor", Kind.WARM_HANDOVER) not in heard(people, EMAIL)
    assert ("colleague", Kind.WARM_HANDOVER) in heard(people, EMAIL)
    assert people["counsellor"].email not in {m.to[0] for m in mailoutbox}


def test_no_e_mail_for_someone_without_an_address(walk, people):
    people["caseworker"].email = ""
    people["caseworker"].save()
    referral = walk(State.AGREED)

    take_step("plan_intake", referral, people["counsellor"])

    assert heard(people) == {("caseworker", Kind.INTAKE_PLANNED)}
    assert heard(people, EMAIL) == set()


def test_suppressed_e_mail_writes_only_the_in_app_messages(walk, people):
    referral = walk(State.AGREED)

    with replaying_history():
        take_step("plan_intake", referral, people["counsellor"])
    take_step("admit", referral, people["counsellor"])  # outside the block: e-mail again

    assert heard(people) == {
        ("caseworker", Kind.INTAKE_PLANNED),
        ("caseworker", Kind.ADMITTED),
    }
    assert heard(people, EMAIL) == {("caseworker", Kind.ADMITTED)}


# --- the same transaction as the step, and exactly once ---------------------------------------


def test_a_rolled_back_step_leaves_no_notification_and_sends_nothing(
    walk, people, mailoutbox, django_capture_on_commit_callbacks
):
    referral = walk(State.AGREED)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            take_step("plan_intake", referral, people["counsellor"])
            assert Notification.objects.exists()  # written inside the step's transaction
            raise RuntimeError("something after the step failed")

    assert not Notification.objects.exists()
    assert Referral.objects.get(pk=referral.pk).state == State.AGREED
    assert callbacks == []
    assert mailoutbox == []


def test_writing_the_same_event_again_adds_nothing(
    walk, people, django_capture_on_commit_callbacks
):
    referral = walk(State.CANDIDATE)
    event = take_step("agree", referral, people["caseworker"])
    before = set(Notification.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receivers.on_referral_event(sender=Referral, event=event)
        written = outbox.write(
            kind=Kind.WARM_HANDOVER,
            recipients=[people["counsellor"], people["colleague"]],
            referral=referral,
            source=f"event:{event.pk}",
            context={"event": event, "actor": event.actor},
        )

    assert written == []
    assert callbacks == []
    assert set(Notification.objects.values_list("pk", flat=True)) == before
    assert Notification.objects.filter(idempotency_key__startswith=f"event:{event.pk}:").count()


def test_the_demo_data_fills_inboxes_but_e_mails_nobody(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("seed_demo", password="demo-test-password", stdout=StringIO())

    assert Notification.objects.filter(channel=IN_APP).count() > 50
    assert not Notification.objects.filter(channel=EMAIL).exists()
    assert callbacks == []
    assert mailoutbox == []


def test_a_message_to_many_goes_in_with_one_insert(walk, people):
    referral = walk(State.ADMITTED)
    recipients = [
        CounsellorFactory(organisation=people["counsellor"].organisation) for _ in range(5)
    ]
    for recipient in recipients:  # what rendering asks of each (their role) is not the outbox's
        assert recipient.is_counsellor

    with CaptureQueriesContext(connection) as queries:
        written = outbox.write(
            kind=Kind.STARTED, recipients=recipients, referral=referral, source="test", context={}
        )

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "notifications_')]
    assert len(written) == 10  # five people, in the app and by e-mail
    assert all(notification.pk for notification in written)
    assert len(inserts) == 1


def test_rows_another_writer_added_meanwhile_are_left_to_it(walk, people, monkeypatch):
    """Two runs of the reminders at once: the second writes what the first did not."""
    referral = walk(State.ADMITTED)
    counsellor, colleague = people["counsellor"], people["colleague"]
    render_message = outbox.render_message

    def first_writer_gets_in_between(kind, recipient, *args):
        if not Notification.objects.exists():
            Notification.objects.create(
                idempotency_key=f"reminder:x:{kind}:{colleague.pk}:{EMAIL}",
                recipient=colleague,
                channel=EMAIL,
                kind=kind,
                subject="first writer",
                body="first writer",
            )
        return render_message(kind, recipient, *args)

    monkeypatch.setattr(outbox, "render_message", first_writer_gets_in_between)
    written = outbox.write(
        kind=Kind.REMINDER_NO_START,
        recipients=[counsellor, colleague],
        referral=referral,
        source="reminder:x",
        context={"days": 8},
    )

    assert {(n.recipient, n.channel) for n in written} == {
        (counsellor, IN_APP),
        (counsellor, EMAIL),
        (colleague, IN_APP),
    }
    assert Notification.objects.get(recipient=colleague, channel=EMAIL).subject == "first writer"
    assert Notification.objects.count() == 4
