"""Interruptions of a training (`services.interruptions`): who records one in which state,
the dates refused with a message, the end of one when the trainee resumes, corrections,
the end of the training during one, and the expected end and overdue flag that pause and
move on with them."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import (
    INTERRUPTION_CORRECTED,
    INTERRUPTION_ENDED,
    INTERRUPTION_RECORDED,
    EndResult,
    InterruptionReason,
    State,
)
from referrals.models import Interruption, Referral
from referrals.models.followup import add_months
from referrals.reports import cache as figures_cache
from referrals.services import steps
from tests.locks import held, in_thread, locked_elsewhere, postgres_only, wait_until_one_waits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

D = datetime.date
TODAY = D(2026, 3, 12)
today_in_brussels = time_machine.travel(datetime.datetime(2026, 3, 12, 9, tzinfo=datetime.UTC))
ILLNESS = InterruptionReason.ILLNESS


@pytest.fixture(autouse=True)
def frozen_today():
    with today_in_brussels:
        yield


@pytest.fixture
def trainee(walk):
    """In training since 2 January 2026 (flow dates are relative to today: 90 days ago)."""
    return walk(State.IN_TRAINING, start__start_date=D(2026, 1, 2))


def record(referral, user, **kwargs):
    kwargs = {"reason": ILLNESS, "from_date": D(2026, 2, 2), **kwargs}
    return services.interruption_record(referral=referral, user=user, **kwargs)


def errors(exc_info) -> list[str]:
    return exc_info.value.messages


# --- who, in which state --------------------------------------------------------------------

PEOPLE = ["caseworker", "counsellor", "administrator"]
OUTSIDERS = ["caseworker_of_other_ocmw", "counsellor_of_other_region", "network_manager"]


@pytest.mark.parametrize("who", PEOPLE + OUTSIDERS)
@pytest.mark.parametrize("state", [State.ADMITTED, State.IN_TRAINING, State.ENDED])
def test_either_side_records_an_interruption_only_during_the_training(request, walk, who, state):
    referral = walk(state)
    user = request.getfixturevalue(who)
    start = referral.start_date or TODAY

    if who in PEOPLE and state == State.IN_TRAINING:
        interruption = record(referral, user, from_date=start)
        assert interruption.is_running
        assert interruption.recorded_by == user
        return
    with pytest.raises(services.TransitionRefused) as refused:
        record(referral, user, from_date=start)
    expected = (
        "You may not record interruptions for this referral."
        if state == State.IN_TRAINING
        else "An interruption is recorded while the training runs."
    )
    assert refused.value.messages == [expected]
    assert not Interruption.objects.exists()


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"from_date": D(2026, 3, 13)}, "from_date", "This date lies in the future."),
        (
            {"from_date": D(2026, 1, 1)},
            "from_date",
            "An interruption cannot begin before the start of the training (02/01/2026).",
        ),
        (
            {"from_date": D(2026, 2, 2), "to_date": D(2026, 2, 1)},
            "to_date",
            "The last day cannot be before the first.",
        ),
        (
            {"from_date": D(2026, 2, 2), "to_date": D(2026, 3, 13)},
            "to_date",
            "This date lies in the future.",
        ),
    ],
)
def test_dates_outside_the_training_or_out_of_order_are_refused(
    trainee, caseworker, dates, field, message
):
    with pytest.raises(ValidationError) as refused:
        record(trainee, caseworker, **dates)

    assert refused.value.message_dict == {field: [message]}
    assert not Interruption.objects.exists()


def test_a_last_day_of_today_and_a_first_day_on_the_start_are_fine(trainee, counsellor):
    interruption = record(trainee, counsellor, from_date=D(2026, 1, 2), to_date=TODAY)

    assert interruption.days() == 70


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (
            {"from_date": D(2026, 2, 10), "to_date": D(2026, 2, 20)},
            "This interruption overlaps with the one from 10/02/2026 until 20/02/2026.",
        ),
        (
            {"from_date": D(2026, 1, 20)},
            "This interruption overlaps with the one from 20/01/2026 that is still going on.",
        ),
    ],
)
def test_interruptions_of_a_referral_never_overlap(trainee, caseworker, counsellor, other, message):
    record(trainee, counsellor, **other)

    with pytest.raises(ValidationError) as refused:
        record(trainee, caseworker, from_date=D(2026, 2, 15), to_date=D(2026, 2, 25))

    assert errors(refused) == [message]
    assert Interruption.objects.count() == 1


def test_the_database_keeps_one_running_interruption_and_the_order_of_its_days(trainee):
    Interruption.objects.create(referral=trainee, reason=ILLNESS, from_date=D(2026, 2, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Interruption.objects.create(referral=trainee, reason=ILLNESS, from_date=D(2026, 3, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Interruption.objects.create(
            referral=trainee, reason=ILLNESS, from_date=D(2026, 1, 5), to_date=D(2026, 1, 4)
        )


def test_a_note_longer_than_its_limit_is_refused(trainee, caseworker):
    with pytest.raises(ValidationError) as refused:
        record(trainee, caseworker, note="x" * 2001)

    assert list(refused.value.message_dict) == ["note"]


# --- resuming, correcting, the history and the other side ------------------------------------


def test_resuming_records_the_last_day_and_moves_the_expected_end_on(trainee, caseworker):
    planned = add_months(D(2026, 1, 2), trainee.training.duration_months)
    assert trainee.expected_end_date == planned
    interruption = record(trainee, caseworker, from_date=D(2026, 2, 2))

    services.interruption_end(interruption=interruption, user=caseworker, to_date=D(2026, 2, 11))

    interruption.refresh_from_db()
    trainee.refresh_from_db()
    assert interruption.to_date == D(2026, 2, 11)
    assert trainee.expected_end_date == planned + datetime.timedelta(days=10)
    assert trainee.state == State.IN_TRAINING
    with pytest.raises(services.TransitionRefused):
        services.interruption_end(interruption=interruption, user=caseworker, to_date=TODAY)


def test_each_change_is_a_history_line_the_other_side_hears_of(trainee, caseworker, counsellor):
    interruption = record(trainee, caseworker, note="Griep, attest tot vrijdag.")
    services.interruption_end(interruption=interruption, user=counsellor, to_date=D(2026, 2, 6))
    services.interruption_correct(
        interruption=interruption,
        user=caseworker,
        reason=InterruptionReason.PERSONAL,
        from_date=D(2026, 2, 2),
        to_date=D(2026, 2, 9),
        note="Griep, attest tot vrijdag.",
    )

    lines = list(trainee.events.filter(transition__startswith="interruption"))
    assert [line.transition for line in lines] == [
        INTERRUPTION_RECORDED,
        INTERRUPTION_ENDED,
        INTERRUPTION_CORRECTED,
    ]
    assert lines[0].reason == "Griep, attest tot vrijdag."
    assert lines[2].data["before"] == {"reason": "illness", "to_date": "2026-02-06"}
    assert lines[2].data["after"]["to_date"] == "2026-02-09"
    heard = Notification.objects.filter(kind=Kind.INTERRUPTION, channel="in_app")
    assert sorted(n.recipient.username for n in heard) == sorted(
        [counsellor.username, caseworker.username, counsellor.username]
    )
    trainee.refresh_from_db()
    planned = add_months(D(2026, 1, 2), trainee.training.duration_months)
    assert trainee.expected_end_date == planned + datetime.timedelta(days=8)


def test_the_same_correction_again_changes_nothing(trainee, caseworker):
    interruption = record(trainee, caseworker, to_date=D(2026, 2, 5))
    lines = trainee.events.count()

    services.interruption_correct(
        interruption=interruption,
        user=caseworker,
        reason=ILLNESS,
        from_date=D(2026, 2, 2),
        to_date=D(2026, 2, 5),
    )

    assert trainee.events.count() == lines


# --- the end of the training ------------------------------------------------------------------


def test_ending_the_training_ends_the_running_interruption_on_the_end_date(
    trainee, caseworker, counsellor
):
    interruption = record(trainee, caseworker, from_date=D(2026, 2, 2))
    told = Notification.objects.filter(kind=Kind.INTERRUPTION).count()

    services.referral_end(
        referral=trainee,
        user=counsellor,
        end_date=D(2026, 3, 1),
        result=EndResult.STOPPED_EARLY,
        stop_reason="illness",
    )

    interruption.refresh_from_db()
    assert interruption.to_date == D(2026, 3, 1)
    line = trainee.events.last()
    assert (line.transition, line.data["at_end"]) == (INTERRUPTION_ENDED, True)
    # The end's own message says it: the interruption's end tells no one apart.
    assert Notification.objects.filter(kind=Kind.INTERRUPTION).count() == told


def test_an_end_before_an_interruptions_days_is_refused(trainee, caseworker, counsellor):
    record(trainee, caseworker, from_date=D(2026, 2, 2), to_date=D(2026, 2, 20))

    with pytest.raises(ValidationError) as refused:
        services.referral_end(
            referral=trainee, user=counsellor, end_date=D(2026, 2, 10), result=EndResult.PASSED
        )

    assert refused.value.message_dict == {
        "end_date": [
            "The end cannot be before a day of the interruption from 02/02/2026; correct the "
            "interruption first if it is wrong."
        ]
    }
    assert Referral.objects.get(pk=trainee.pk).state == State.IN_TRAINING


def test_an_end_before_a_running_interruptions_first_day_is_refused_and_ends_nothing(
    trainee, caseworker, counsellor
):
    record(trainee, caseworker, from_date=D(2026, 2, 2), to_date=D(2026, 2, 5))
    running = record(trainee, caseworker, from_date=D(2026, 2, 20))

    with pytest.raises(ValidationError) as refused:
        services.referral_end(
            referral=trainee, user=counsellor, end_date=D(2026, 2, 10), result=EndResult.PASSED
        )

    assert "the interruption from 20/02/2026" in refused.value.message_dict["end_date"][0]
    running.refresh_from_db()
    assert running.to_date is None
    assert Referral.objects.get(pk=trainee.pk).state == State.IN_TRAINING


def test_an_end_after_an_interruption_that_is_over_ends_only_the_running_one(
    trainee, caseworker, counsellor
):
    over = record(trainee, caseworker, from_date=D(2026, 2, 2), to_date=D(2026, 2, 5))
    running = record(trainee, caseworker, from_date=D(2026, 2, 20))

    services.referral_end(
        referral=trainee, user=counsellor, end_date=D(2026, 3, 1), result=EndResult.PASSED
    )

    over.refresh_from_db()
    running.refresh_from_db()
    assert (over.to_date, running.to_date) == (D(2026, 2, 5), D(2026, 3, 1))


@pytest.mark.parametrize("change", ["end", "correct"])
def test_ending_or_correcting_an_interruption_renews_only_the_referrals_figures(
    change, trainee, caseworker, monkeypatch
):
    """Saved with its referral at hand: the figures of the referral's OCMW and region are
    renewed, not every scope's (`reports.receivers`)."""
    interruption = record(trainee, caseworker, from_date=D(2026, 2, 2))
    renewed = []
    monkeypatch.setattr(figures_cache, "referral_changed", lambda r: renewed.append(r.pk))
    monkeypatch.setattr(figures_cache, "everything_changed", lambda: renewed.append("all"))

    if change == "end":
        services.interruption_end(interruption=interruption, user=caseworker, to_date=TODAY)
    else:
        services.interruption_correct(
            interruption=interruption,
            user=caseworker,
            reason=ILLNESS,
            from_date=D(2026, 2, 3),
            to_date=None,
        )

    assert renewed and set(renewed) == {trainee.pk}, renewed


def test_ending_during_an_interruption_renews_only_the_referrals_figures(
    trainee, caseworker, counsellor, monkeypatch
):
    """The interruption the end closes is saved with its referral at hand: the figures of
    the referral's OCMW and region are renewed, not every scope's (`reports.receivers`)."""
    record(trainee, caseworker, from_date=D(2026, 2, 2))
    renewed = []
    monkeypatch.setattr(figures_cache, "referral_changed", lambda r: renewed.append(r.pk))
    monkeypatch.setattr(figures_cache, "everything_changed", lambda: renewed.append("all"))

    services.referral_end(
        referral=trainee, user=counsellor, end_date=D(2026, 3, 1), result=EndResult.PASSED
    )

    assert renewed and set(renewed) == {trainee.pk}, renewed


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_end_holds_the_referral_and_the_interruption_it_ends(
    trainee, caseworker, counsellor, monkeypatch
):
    """Until its transaction ends: the referral's row and the interruption still running
    (it ends with it); not one that is over."""
    over = record(trainee, caseworker, from_date=D(2026, 2, 2), to_date=D(2026, 2, 5))
    running = record(trainee, caseworker, from_date=D(2026, 2, 20))
    held_at_the_end = {}
    close_at_end = steps.close_at_end

    def closing(referral, interruption, **kwargs):
        held_at_the_end.update(
            referral=locked_elsewhere(Referral, trainee.pk),
            running=locked_elsewhere(Interruption, running.pk),
            over=locked_elsewhere(Interruption, over.pk),
        )
        close_at_end(referral, interruption, **kwargs)

    monkeypatch.setattr(steps, "close_at_end", closing)
    services.referral_end(
        referral=trainee, user=counsellor, end_date=D(2026, 3, 1), result=EndResult.PASSED
    )

    assert held_at_the_end == {"referral": True, "running": True, "over": False}


def end_in_thread(referral, user, ended: list) -> threading.Thread:
    def end() -> None:
        try:
            services.referral_end(
                referral=Referral.objects.get(pk=referral.pk),
                user=user,
                end_date=D(2026, 3, 1),
                result=EndResult.PASSED,
            )
            ended.append("ended")
        except ValidationError as refused:
            ended.append(refused.messages)

    return in_thread(end)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_end_locks_the_referral_before_its_interruptions(trainee, caseworker, counsellor):
    """The order the interruption services lock in (the referral, then its interruptions):
    the other order could deadlock with them. While another transaction holds the referral
    (as an interruption service does), the end waits without holding any interruption."""
    running = record(trainee, caseworker, from_date=D(2026, 2, 20))
    ended = []

    with held(Referral, trainee.pk):
        ending = end_in_thread(trainee, counsellor, ended)
        wait_until_one_waits()
        held_while_waiting = locked_elsewhere(Interruption, running.pk)
    ending.join(timeout=30)

    assert not held_while_waiting
    assert ended == ["ended"]
    running.refresh_from_db()
    assert running.to_date == D(2026, 3, 1)


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_end_reads_the_interruptions_recorded_while_it_waited(trainee, caseworker, counsellor):
    """An interruption recorded by whoever held the referral while the end waited for it
    is one the end checks its date against, and ends if it still runs."""
    recorded = {}

    def record_one() -> None:
        recorded["running"] = Interruption.objects.create(
            referral_id=trainee.pk,
            reason=ILLNESS,
            from_date=D(2026, 2, 20),
            recorded_by=caseworker,
            recorded_at=timezone.now(),
        )

    ended = []
    with held(Referral, trainee.pk, then=record_one):
        ending = end_in_thread(trainee, counsellor, ended)
        wait_until_one_waits()
    ending.join(timeout=30)

    assert ended == ["ended"]
    assert Interruption.objects.get(pk=recorded["running"].pk).to_date == D(2026, 3, 1)


def test_after_the_end_a_correction_stays_within_the_training(trainee, caseworker, counsellor):
    referral = trainee
    interruption = record(referral, caseworker, to_date=D(2026, 2, 5))
    services.referral_end(
        referral=referral,
        user=counsellor,
        end_date=D(2026, 2, 27),
        result=EndResult.PASSED,
    )

    with pytest.raises(ValidationError) as refused:
        services.interruption_correct(
            interruption=interruption,
            user=caseworker,
            reason=ILLNESS,
            from_date=D(2026, 2, 2),
            to_date=D(2026, 3, 2),
        )
    assert errors(refused) == ["The last day cannot be after the end of the training (27/02/2026)."]

    services.interruption_correct(
        interruption=interruption,
        user=caseworker,
        reason=ILLNESS,
        from_date=D(2026, 2, 2),
        to_date=D(2026, 2, 6),
    )
    interruption.refresh_from_db()
    assert interruption.to_date == D(2026, 2, 6)


# --- overdue: past the expected end, unless interrupted -----------------------------------------


def test_a_training_past_its_expected_end_is_overdue_unless_interrupted(walk, caseworker, settings):
    settings.OKOT_END_OVERDUE_DAYS = 14
    referral = walk(State.IN_TRAINING, start__start_date=D(2026, 1, 2))
    expected = referral.expected_end_date
    overdue = Referral.objects.overdue

    assert not overdue(expected + datetime.timedelta(days=14)).filter(pk=referral.pk).exists()
    assert overdue(expected + datetime.timedelta(days=15)).filter(pk=referral.pk).exists()

    interruption = record(referral, caseworker, from_date=D(2026, 3, 2))
    assert not overdue(expected + datetime.timedelta(days=15)).filter(pk=referral.pk).exists()

    services.interruption_end(interruption=interruption, user=caseworker, to_date=D(2026, 3, 11))
    moved = expected + datetime.timedelta(days=10)
    assert Referral.objects.get(pk=referral.pk).expected_end_date == moved
    assert not overdue(moved + datetime.timedelta(days=14)).filter(pk=referral.pk).exists()
    assert overdue(moved + datetime.timedelta(days=15)).filter(pk=referral.pk).exists()


def test_the_version_says_what_is_stored_whatever_the_object(trainee, caseworker):
    """As the service returns it (the reason a member of its choices) and as read back:
    one version; another value, another version."""
    interruption = record(trainee, caseworker, note="Griep.")
    stored = Interruption.objects.get(pk=interruption.pk)

    assert interruption.version == stored.version
    stored.note = "Griep, attest."
    assert stored.version != interruption.version
