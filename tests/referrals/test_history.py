"""Every step leaves exactly one append-only history line saying who, from, to, why and what."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from referrals.enums import EndResult, Obtained, State, StopReason
from referrals.models import ReferralEvent
from referrals.models.followup import add_months
from referrals.services import referral_create
from referrals.signals import referral_event
from tests.referrals.factories import (
    CASEWORKER_STEPS,
    SCREENING,
    TRANSITIONS,
    ClientFactory,
    TrainingFactory,
    counsellor_for,
    flow_dates,
    referral_in_state,
    step_arguments,
    take_step,
)

pytestmark = pytest.mark.django_db

SCREENING_DATA = {f"screening_{key}": value for key, value in SCREENING.items()}


def expected_data(step: str, referral, arguments: dict, actor) -> dict:
    """The step's own fields as the history stores them (JSON: dates as ISO strings)."""
    return {
        "apply": lambda: {"applied_on": timezone.localdate().isoformat()},
        "agree": lambda: {
            "agreed_on": arguments["agreed_on"].isoformat(),
            "entry_conditions_checked_on": arguments["agreed_on"].isoformat(),
            "caseworker_phone": arguments["caseworker_phone"],
            "caseworker_email": actor.email,
            "handover_notes": arguments["handover_notes"],
            "checked_conditions": sorted(c.pk for c in arguments["checked_conditions"]),
            # The warm handover given with the agreement (recorded by and at: the line's).
            "handover_how": arguments["handover_how"],
            "handover_at": arguments["handover_at"],
            "handover_counsellor_name": arguments["handover_counsellor_name"],
            "handover_with": arguments["handover_counsellor_name"],
        },
        "decline": lambda: {"decline_reason": arguments["reason"]},
        "plan_intake": lambda: {
            "intake_at": arguments["intake_at"],
            "intake_place": arguments["place"],
        },
        "admit": lambda: {
            **SCREENING_DATA,
            "probable_start_date": arguments["probable_start_date"].isoformat(),
            "probable_location": arguments["probable_location"],
        },
        "reject": lambda: {**SCREENING_DATA, "reject_reason": arguments["reason"]},
        "start": lambda: {
            "start_date": arguments["start_date"].isoformat(),
            # The start plus the training's duration (until interruptions move it on).
            "expected_end_date": add_months(
                arguments["start_date"], referral.training.duration_months
            ).isoformat(),
        },
        "end": lambda: {
            "end_date": arguments["end_date"].isoformat(),
            "end_result": arguments["result"],
            # Passed, and nobody said what was obtained: the diploma on the end date.
            "obtained": Obtained.DIPLOMA,
            "obtained_on": arguments["end_date"].isoformat(),
        },
        "close": lambda: {"continued_by": arguments["continued_by"]},
        "withdraw": lambda: {"withdraw_reason": arguments["reason"]},
    }[step]()


STEPS_FROM_EACH_SOURCE = [
    pytest.param(step, source, id=f"{step}-from-{source}")
    for step, (sources, _target) in TRANSITIONS.items()
    for source in sources
]


@pytest.fixture
def announced():
    """The events the workflow announces to other apps (notifications), in order."""
    events = []

    def receive(sender, event, **kwargs):
        events.append(event)

    referral_event.connect(receive, dispatch_uid="test_history")
    yield events
    referral_event.disconnect(dispatch_uid="test_history")


@pytest.mark.parametrize(("step", "source"), STEPS_FROM_EACH_SOURCE)
def test_each_step_writes_one_history_line_with_actor_states_reason_and_data(
    step, source, announced
):
    referral = referral_in_state(source)
    actor = referral.created_by if step in CASEWORKER_STEPS else counsellor_for(referral.training)
    arguments = step_arguments(step, referral)
    before = set(referral.events.values_list("pk", flat=True))
    announced.clear()

    returned = take_step(step, referral, actor)

    (event,) = ReferralEvent.objects.filter(referral=referral).exclude(pk__in=before)
    assert event == returned
    assert announced == [event]
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        step,
        source,
        TRANSITIONS[step][1],
        actor,
    )
    assert event.reason == arguments.get("reason", "")
    assert event.at == referral.state_changed_at
    data = dict(event.data)
    for moment in ("intake_at", "handover_at"):
        if moment in data:
            data[moment] = datetime.datetime.fromisoformat(data[moment])
    assert data == expected_data(step, referral, arguments, actor)


def test_the_intake_place_and_moment_are_in_the_history():
    referral = referral_in_state(State.INTAKE_PLANNED)

    event = referral.events.get(transition="plan_intake")

    assert event.data["intake_place"] == "VDAB Gent, Kongostraat 7"
    assert datetime.datetime.fromisoformat(event.data["intake_at"]) == flow_dates().intake_at


def test_an_early_stop_keeps_its_reason_in_the_history():
    referral = referral_in_state(
        State.ENDED, end__result=EndResult.STOPPED_EARLY, end__stop_reason=StopReason.MOVED
    )

    data = referral.events.get(transition="end").data

    assert (data["end_result"], data["stop_reason"]) == ("stopped_early", "moved")


@pytest.mark.parametrize(
    ("state", "via"),
    [pytest.param(state, None, id=state) for state in State.values]
    + [
        pytest.param(State.CLOSED, State.NOT_ADMITTED, id="closed-via-not_admitted"),
        pytest.param(State.WITHDRAWN, State.ADMITTED, id="withdrawn-via-admitted"),
    ],
)
def test_the_history_chains_from_creation_to_the_current_state(state, via):
    referral = referral_in_state(state, via=via)

    lines = list(referral.events.values_list("from_state", "to_state"))

    assert lines[0] == ("", State.INFORMED)
    assert all(prev[1] == nxt[0] for prev, nxt in zip(lines, lines[1:], strict=False))
    assert lines[-1][1] == referral.state == state


@time_machine.travel(datetime.datetime(2025, 9, 1, 8, tzinfo=datetime.UTC), tick=False)
def test_creating_a_referral_writes_a_create_line():
    client = ClientFactory()
    training = TrainingFactory()
    user = referral_in_state(State.INFORMED, client=client).created_by

    referral = referral_create(user=user, client=client, training=training)

    (event,) = referral.events.all()
    assert (event.transition, event.from_state, event.to_state, event.actor) == (
        "create",
        "",
        State.INFORMED,
        user,
    )
    assert event.data == {"training_id": training.pk}
    assert event.at == referral.created_at == datetime.datetime(2025, 9, 1, 8, tzinfo=datetime.UTC)


def test_creating_and_applying_at_once_writes_two_lines():
    first = referral_in_state(State.INFORMED)

    referral = referral_create(
        user=first.created_by, client=first.client, training=TrainingFactory(), apply=True
    )

    assert referral.state == State.CANDIDATE
    assert list(referral.events.values_list("transition", "from_state", "to_state")) == [
        ("create", "", State.INFORMED),
        ("apply", State.INFORMED, State.CANDIDATE),
    ]


# --- append-only ---------------------------------------------------------------------------


def test_a_history_line_cannot_be_changed():
    event = referral_in_state(State.CANDIDATE).events.get(transition="apply")
    event.to_state = State.CLOSED
    event.reason = "rewritten"

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    stored = ReferralEvent.objects.get(pk=event.pk)
    assert (stored.to_state, stored.reason) == (State.CANDIDATE, "")


def test_a_history_line_cannot_be_deleted():
    event = referral_in_state(State.CANDIDATE).events.get(transition="apply")

    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    assert ReferralEvent.objects.filter(pk=event.pk).exists()


def test_a_step_taken_with_a_past_moment_records_that_moment():
    """Imports and demo data pass `at`, so the timeline shows when things really happened."""
    referral = referral_in_state(State.AGREED)
    when = datetime.datetime(2025, 3, 4, 10, 30, tzinfo=datetime.UTC)

    event = take_step("plan_intake", referral, counsellor_for(referral.training), at=when)

    referral.refresh_from_db()
    assert event.at == when
    assert referral.state_changed_at == when


def test_a_referral_created_with_a_past_moment_starts_its_history_then():
    when = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=datetime.UTC)
    client = ClientFactory()
    caseworker = referral_in_state(State.INFORMED, client=client).created_by

    referral = referral_create(
        user=caseworker, client=client, training=TrainingFactory(), apply=True, at=when
    )

    assert referral.created_at == when
    assert list(referral.events.values_list("transition", "at")) == [
        ("create", when),
        ("apply", when),
    ]
