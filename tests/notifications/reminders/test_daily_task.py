"""The daily task around the reminders: a switched-off e-mail still leaving the in-app
message, a failing reminder not holding back the others, one with nobody to tell tried
again the next day; beat running it at seven; and a query cost that does not grow with the
referrals that are not due or reminded already, which are not even read as models."""

import datetime

import pytest
from django.conf import settings
from django.db.models.signals import post_init
from kombu.exceptions import OperationalError

from notifications import reminders, tasks
from notifications.models import EmailOptOut, Kind, Notification
from notifications.tasks import send_reminders
from referrals.enums import AtWork, EndResult, State
from referrals.models import OutcomeCheck, Referral
from tests.accounts.factories import CounsellorFactory
from tests.referrals.factories import ReferralFactory, TrainingFactory, referral_in_state

from .reminded import D, both_channels, reminders_of

# --- delivery choices, failures, nobody to tell ----------------------------------------------


def test_a_switched_off_email_still_leaves_the_message_in_the_inbox(walk, run_on, counsellor):
    EmailOptOut.objects.create(user=counsellor, kind=Kind.REMINDER_NO_INTAKE)
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    run_on(D(2026, 3, 16))

    assert reminders_of(Kind.REMINDER_NO_INTAKE) == [(counsellor.username, "in_app")]


def test_a_reminder_that_fails_does_not_hold_back_the_others(walk, run_on, monkeypatch, caplog):
    broken = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    fine = walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    counsellors_for = reminders.counsellors_for

    def fails_for_broken(referral, holders=None):
        if referral.pk == broken.pk:
            raise RuntimeError("boom")
        return counsellors_for(referral, holders)

    monkeypatch.setattr(reminders, "counsellors_for", fails_for_broken)

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE, fine)
    assert not reminders_of(Kind.REMINDER_NO_INTAKE, broken)
    assert f"reminder:no_intake:{broken.pk}" in caplog.text

    monkeypatch.setattr(reminders, "counsellors_for", counsellors_for)
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}  # tried again the next day
    assert reminders_of(Kind.REMINDER_NO_INTAKE, broken)


def test_a_reminder_with_nobody_to_tell_is_tried_again_the_next_day(clock, run_on, caseworker):
    """A training without contact counsellor in a region without counsellors (yet)."""
    training = TrainingFactory(contact_counsellor=None)
    regional = CounsellorFactory()
    clock(D(2026, 3, 2))
    referral_in_state(
        State.AGREED,
        training=training,
        caseworker=caseworker,
        counsellor=regional,
        agree__agreed_on=D(2026, 3, 2),
    )
    regional.is_active = False
    regional.save(update_fields=["is_active"])

    assert run_on(D(2026, 3, 16)) == {}

    newcomer = CounsellorFactory()
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE) == both_channels(newcomer)


# --- the schedule -------------------------------------------------------------------------


# --- a long morning -----------------------------------------------------------------------


@pytest.fixture
def runs(monkeypatch):
    """The runs of the task queued to go on with the reminders (run at once, in-process)."""
    queued = []
    apply_async = tasks.send_reminders.apply_async

    def queue(args, **options):
        queued.append(args)
        return apply_async(args, **options)

    monkeypatch.setattr(tasks.send_reminders, "apply_async", queue)
    return queued


def test_a_run_past_its_time_queues_another_that_goes_on(
    walk, run_on, settings, runs, caplog, counsellor
):
    """A first morning of many reminders is a string of short tasks, none near the broker's
    visibility timeout; each writes what the run before it left."""
    due = [walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2)) for _ in range(3)]
    settings.NOTIFY_REMINDERS_RUN_SECONDS = 0  # every run's time is up after one reminder

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_INTAKE: 1}

    assert runs == [("2026-03-16", []), ("2026-03-16", [])]  # the third finds nothing after it
    for referral in due:
        assert reminders_of(Kind.REMINDER_NO_INTAKE, referral) == both_channels(counsellor)
    assert "more are due, another run goes on with them" in caplog.text


def test_a_reminder_that_fails_is_tried_once_a_morning_not_once_a_run(
    walk, run_on, settings, monkeypatch, runs, counsellor
):
    """Passed on to the runs after, which skip it; the next morning tries it again."""
    fine = [walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2)) for _ in range(2)]
    # The latest changed: the first of the selection, in every run.
    broken = walk(State.AGREED, on=D(2026, 3, 3), agree__agreed_on=D(2026, 3, 2))
    settings.NOTIFY_REMINDERS_RUN_SECONDS = 0
    tried = []
    write_reminder = tasks.write_reminder

    def fails_for_broken(reminder):
        tried.append(reminder.referral.pk)
        if reminder.referral.pk == broken.pk:
            raise RuntimeError("boom")
        return write_reminder(reminder)

    monkeypatch.setattr(tasks, "write_reminder", fails_for_broken)

    run_on(D(2026, 3, 16))

    assert tried.count(broken.pk) == 1
    source = f"reminder:no_intake:{broken.pk}"
    assert runs == [("2026-03-16", [source])]
    for referral in fine:
        assert reminders_of(Kind.REMINDER_NO_INTAKE, referral) == both_channels(counsellor)
    monkeypatch.setattr(tasks, "write_reminder", write_reminder)
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert reminders_of(Kind.REMINDER_NO_INTAKE, broken) == both_channels(counsellor)


def test_a_run_within_its_time_writes_every_reminder_itself(walk, run_on, runs):
    for _ in range(3):
        walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_INTAKE: 3}
    assert runs == []


def test_a_run_that_wrote_nothing_does_not_go_on(walk, run_on, settings, monkeypatch, runs):
    """Every reminder failing: tried once each, then tomorrow, not by a run after run."""
    for _ in range(3):
        walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    settings.NOTIFY_REMINDERS_RUN_SECONDS = 0
    tried = []

    def fails(reminder):
        tried.append(reminder.source)
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "write_reminder", fails)

    assert run_on(D(2026, 3, 16)) == {}
    assert len(tried) == 3
    assert runs == []


def test_with_the_broker_down_the_rest_waits_for_tomorrow(
    walk, run_on, settings, monkeypatch, caplog
):
    for _ in range(2):
        walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    settings.NOTIFY_REMINDERS_RUN_SECONDS = 0

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_reminders, "apply_async", broker_down)

    assert run_on(D(2026, 3, 16)) == {Kind.REMINDER_NO_INTAKE: 1}
    assert "the run to go on could not be queued" in caplog.text
    assert len(reminders_of(Kind.REMINDER_NO_INTAKE)) == 2  # one reminder, both channels

    settings.NOTIFY_REMINDERS_RUN_SECONDS = 300
    assert run_on(D(2026, 3, 17)) == {Kind.REMINDER_NO_INTAKE: 1}


def test_beat_runs_the_reminders_daily_at_seven():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]

    assert entry["task"] == tasks.send_reminders.name == "notifications.tasks.send_reminders"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
    assert entry["schedule"].day_of_week == set(range(7))


def test_the_task_takes_the_day_as_text_too(walk, clock):
    walk(State.AGREED, on=D(2026, 3, 2), agree__agreed_on=D(2026, 3, 2))
    clock(D(2026, 3, 2))

    assert tasks.send_reminders("2026-03-16") == {Kind.REMINDER_NO_INTAKE: 1}


# --- query counts -------------------------------------------------------------------------

# The selection: five candidate queries (no intake, no start, no warm handover, past the
# expected end, outflow check-ups due), with the reminders already written where there are
# candidates, and the check-ups recorded for the outcome candidates.
SELECTION_QUERIES = 10
# The referrals of the reminders found due, with what they show: one query per
# `reminders.READ_BATCH` of them.
READ_QUERIES = 1
# Writing a reminder: its savepoint (and release), the referral's last VDAB actor (when
# counsellors are addressed: at most one query), what the recipients chose for their e-mail
# (opt-outs and the daily digest: one query), and all its rows in one insert that leaves
# out those written before; then, per recipient, their permissions (what they may see of
# the client: two queries).
QUERIES_PER_REMINDER = 5
QUERIES_PER_RECIPIENT = 2
TODAY = D(2026, 7, 15)


NO_HANDOVER = {"handover_how": "", "handover_at": None, "handover_recorded_at": None}


def world(count: int, training, caseworker) -> None:
    """`count` referrals per kind of reminder that are not due today, and `count` that were
    reminded already; written straight to the table (state is protected on the model only)."""

    def referral(state, **fields):
        fields.setdefault("agreed_on", D(2025, 9, 1))  # every one is past the agreement
        return ReferralFactory(
            training=training, created_by=caseworker, caseworker=caseworker, state=state, **fields
        )

    for _ in range(count):
        referral(State.AGREED, agreed_on=TODAY - datetime.timedelta(days=3))  # not due
        # Reminded: no intake, and no warm handover either.
        referral(State.AGREED, agreed_on=TODAY - datetime.timedelta(days=60), **NO_HANDOVER)
        referral(State.ADMITTED, probable_start_date=TODAY)  # not due
        referral(State.ADMITTED, probable_start_date=TODAY - datetime.timedelta(days=30))
        referral(  # not due: ended a month ago
            State.ENDED, end_date=TODAY - datetime.timedelta(days=30), end_result=EndResult.PASSED
        )
        referral(  # not due: failed
            State.CLOSED, end_date=D(2026, 1, 15), end_result=EndResult.FAILED, continued_by="ocmw"
        )
        recorded = referral(  # 3 months reminded already, 6 months recorded
            State.CLOSED, end_date=D(2026, 1, 15), end_result=EndResult.PASSED, continued_by="vdab"
        )
        OutcomeCheck.objects.create(referral=recorded, months=6, at_work=AtWork.YES)
    send_reminders(today=D(2026, 4, 15))  # the 3-month reminders
    send_reminders(today=TODAY)  # the rest of the already reminded


@pytest.mark.parametrize("count", [5, 40])
def test_referrals_not_due_or_reminded_already_cost_no_query(
    count, training, caseworker, django_assert_max_num_queries
):
    world(count, training, caseworker)
    assert Notification.objects.filter(kind__startswith="reminder_").exists()

    with django_assert_max_num_queries(SELECTION_QUERIES):
        assert send_reminders(today=TODAY) == {}


@pytest.mark.parametrize("count", [5, 40])
def test_only_the_reminders_sent_add_queries(
    count, training, caseworker, django_assert_max_num_queries
):
    world(count, training, caseworker)
    for state, fields in [
        (State.AGREED, {"agreed_on": TODAY - datetime.timedelta(days=14)}),
        (State.ADMITTED, {"probable_start_date": TODAY - datetime.timedelta(days=7)}),
        (State.ENDED, {"end_date": D(2026, 4, 15), "end_result": EndResult.PASSED}),
        (
            State.INTAKE_PLANNED,
            {"agreed_on": TODAY - datetime.timedelta(days=14), **NO_HANDOVER},
        ),
    ]:
        # Past the formal agreement, as every admitted or ended referral is: VDAB sees them.
        fields.setdefault("agreed_on", D(2025, 9, 1))
        ReferralFactory(
            training=training, created_by=caseworker, caseworker=caseworker, state=state, **fields
        )
    # Four reminders; one recipient each, except the check-up (not closed yet: both sides).
    ceiling = (
        SELECTION_QUERIES + READ_QUERIES + 4 * QUERIES_PER_REMINDER + 5 * QUERIES_PER_RECIPIENT
    )

    with django_assert_max_num_queries(ceiling):
        result = send_reminders(today=TODAY)

    assert result == {
        Kind.REMINDER_NO_INTAKE: 1,
        Kind.REMINDER_NO_START: 1,
        Kind.REMINDER_OUTCOME_DUE: 1,
        Kind.REMINDER_NO_HANDOVER: 1,
    }


def overdue_for_an_intake(count: int, training, caseworker) -> list[Referral]:
    """`count` referrals agreed a month ago with no intake planned: due for a reminder."""
    return [
        ReferralFactory(
            training=training,
            created_by=caseworker,
            caseworker=caseworker,
            state=State.AGREED,
            agreed_on=TODAY - datetime.timedelta(days=30),
        )
        for _ in range(count)
    ]


def test_a_regions_counsellors_are_read_once_for_the_reminders_of_a_batch(
    caseworker, monkeypatch, django_assert_num_queries
):
    """Nobody of VDAB acted yet and the training names no contact: each reminder goes to the
    region's counsellors, read (with their permissions) once a batch of reminders, not once
    a reminder; the next batch reads them again."""
    training = TrainingFactory(contact_counsellor=None)
    regional = CounsellorFactory.create_batch(3)
    due = overdue_for_an_intake(4, training, caseworker)
    monkeypatch.setattr(reminders, "READ_BATCH", 2)
    # The selection: the candidates for no intake and their reminders written, then one
    # query for each other kind, which has none. Two batches, each reading its referrals,
    # the region's counsellors and their permissions (one query for all three).
    selection, per_batch = 2 + 4, 3

    with django_assert_num_queries(selection + 2 * per_batch + 4 * QUERIES_PER_REMINDER):
        assert send_reminders(today=TODAY) == {Kind.REMINDER_NO_INTAKE: 4}

    for referral in due:
        assert reminders_of(Kind.REMINDER_NO_INTAKE, referral) == both_channels(*regional)


@pytest.fixture
def referrals_read():
    """The keys of the referrals read as models while the test runs."""
    read = []

    def count(sender, instance, **kwargs):
        read.append(instance.pk)

    post_init.connect(count, sender=Referral)
    yield read
    post_init.disconnect(count, sender=Referral)


def test_referrals_not_due_or_reminded_already_are_not_read_as_models(
    training, caseworker, referrals_read
):
    """At the scale of Flanders a morning has some 100,000 candidates, nearly all reminded
    already: read as models with their relations, they took minutes and hundreds of MB."""
    world(5, training, caseworker)
    referrals_read.clear()

    assert list(reminders.due_reminders(TODAY)) == []
    assert referrals_read == []


def test_the_reminders_due_are_read_in_batches_with_what_they_show(
    training, caseworker, monkeypatch, referrals_read, django_assert_num_queries
):
    world(2, training, caseworker)
    due = overdue_for_an_intake(5, training, caseworker)
    monkeypatch.setattr(reminders, "READ_BATCH", 2)
    referrals_read.clear()

    with django_assert_num_queries(SELECTION_QUERIES + 3):  # 5 referrals, 2 a query
        found = list(reminders.due_reminders(TODAY))
        for reminder in found:  # what the recipients and the templates read: no query
            assert reminder.referral.client.ocmw.name
            assert reminder.referral.training.contact_counsellor.organisation.name

    assert sorted((r.kind, r.referral.pk) for r in found) == [
        (Kind.REMINDER_NO_INTAKE, referral.pk) for referral in due
    ]
    assert sorted(referrals_read) == sorted(referral.pk for referral in due)
