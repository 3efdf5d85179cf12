"""The outbox: every step writes one in-app message and one e-mail per recipient, in the
step's own transaction, and hands the e-mails over only after commit, once, in one
callback; nothing for a rolled-back step, an event written again, an e-mail switched off or
suppressed (the demo data), or someone without an address; one insert for a message to
many, the rows' keys even where the database returns none, and a concurrent writer's rows
left to it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications import outbox, receivers
from notifications.models import EmailOptOut, Kind, Notification
from referrals.enums import State
from referrals.models import Referral
from referrals.signals import replaying_history
from tests.accounts.factories import CounsellorFactory
from tests.notifications.who_hears import EMAIL, IN_APP, STEP_IDS, WHO_HEARS_WHAT, heard
from tests.referrals.factories import take_step

pytestmark = pytest.mark.django_db


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
        # Written as queued: its task is published on commit, and the relay leaves it be.
        assert in_app.queued_at is None
        assert rows.get(channel=EMAIL).queued_at is not None
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

    with CaptureQueriesContext(connection) as queries:
        written = outbox.write(
            kind=Kind.STARTED, recipients=recipients, referral=referral, source="test", context={}
        )

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "notifications_')]
    assert len(written) == 10  # five people, in the app and by e-mail
    assert all(notification.pk for notification in written)
    assert len(inserts) == 1


def test_an_e_mail_to_many_is_rendered_once_per_language(walk, people, monkeypatch):
    """It carries nothing of its reader (`rendering.email_content`): the same for all."""
    referral = walk(State.ADMITTED)
    organisation = people["counsellor"].organisation
    recipients = [CounsellorFactory(organisation=organisation, language="nl-be") for _ in range(3)]
    recipients += [CounsellorFactory(organisation=organisation, language="en") for _ in range(2)]
    rendered = []
    render_email = outbox.render_email

    def counted(kind, language, referral):
        rendered.append(language)
        return render_email(kind, language, referral)

    monkeypatch.setattr(outbox, "render_email", counted)
    written = outbox.write(
        kind=Kind.STARTED, recipients=recipients, referral=referral, source="test", context={}
    )

    assert sorted(rendered) == ["en", "nl-be"]
    number, title = referral.pk, referral.training.title
    subject = {
        "en": f"OKOT: Training started – referral #{number} ({title})",
        "nl-be": f"OKOT: Opleiding gestart – toeleiding #{number} ({title})",
    }
    emails = {n.recipient.pk: n.subject for n in written if n.channel == EMAIL}
    assert emails == {r.pk: subject[r.language] for r in recipients}


def test_the_rows_get_their_keys_where_the_insert_returns_none(walk, people, monkeypatch):
    """SQLite before 3.35 returns no keys from a bulk insert; the enqueue needs them."""
    referral = walk(State.ADMITTED)
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)

    written = outbox.write(
        kind=Kind.STARTED,
        recipients=[people["caseworker"]],
        referral=referral,
        source="test",
        context={},
    )

    stored = dict(Notification.objects.values_list("idempotency_key", "pk"))
    assert [n.pk for n in written] == [stored[n.idempotency_key] for n in written]
    assert len(written) == 2


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


@pytest.mark.parametrize(
    "source",
    ["reminder:outcome:12:3", "reminder:no_start:7:2026-03-02", "event:41", "bench:9"],
)
def test_a_rows_key_gives_back_its_source(source):
    """The reminders read what they wrote from their rows' keys: a source that holds colons
    itself comes back whole, for every kind and channel."""
    for kind in Kind:
        for channel in Notification.Channel:
            key = outbox.message_key(source, kind, 1234, channel)
            assert outbox.source_of(key) == source
