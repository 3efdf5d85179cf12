"""Two people act on the same referral at once: the first step wins, the second is refused."""

import threading
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.transaction import TransactionManagementError
from django.urls import reverse
from django.utils import timezone, translation
from django_fsm import FSMFieldMixin

from accounts.models import User
from referrals import services
from referrals.enums import State
from referrals.models import Client, Referral, TemporaryWorkExperience
from referrals.services import ConcurrentChange, TransitionRefused
from referrals.services.locks import lock_client
from referrals.steps import STEPS
from tests.locks import held, in_thread, locked_elsewhere, postgres_only, wait_until_one_waits
from tests.referrals.conftest import error_messages, in_ui_language, step_post_data
from tests.referrals.factories import (
    TRANSITIONS,
    ClientFactory,
    counsellor_for,
    referral_in_state,
    step_arguments,
    take_step,
)


def load_twice(referral) -> tuple[Referral, Referral]:
    return Referral.objects.get(pk=referral.pk), Referral.objects.get(pk=referral.pk)


def test_a_concurrent_change_is_a_refusal(client, caseworker, counsellor, walk, monkeypatch):
    """The caseworker withdraws the referral after the counsellor's request has loaded it and
    before the counsellor's step is saved: the counsellor is told, as of any refusal, and
    nothing of the step is stored."""
    referral = walk(State.AGREED)
    plan_intake = STEPS["plan_intake"]

    def withdrawn_meanwhile(*, referral, user, **kwargs):
        services.referral_withdraw(
            referral=Referral.objects.get(pk=referral.pk), user=caseworker, reason="Verhuisd."
        )
        return plan_intake.service(referral=referral, user=user, **kwargs)

    monkeypatch.setitem(STEPS, "plan_intake", replace(plan_intake, service=withdrawn_meanwhile))
    client.force_login(counsellor)

    response = client.post(
        reverse("referrals:referral_step", args=[referral.pk, "plan_intake"]),
        step_post_data("plan_intake", referral),
    )

    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    refusal = ConcurrentChange(
        referral, seen_state=State.AGREED, user=counsellor, step="plan_intake"
    )
    message = in_ui_language(lambda: refusal.messages[0])
    assert error_messages(response) == [message]
    assert message.startswith(f"{caseworker} ({caseworker.organisation}) ")
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.state, stored.intake_at, stored.intake_place) == (State.WITHDRAWN, None, "")
    assert list(referral.events.values_list("transition", flat=True))[-1] == "withdraw"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "second_step",
    [
        pytest.param("decline", id="then-declines"),
        pytest.param("withdraw", id="then-withdraws"),
        pytest.param("agree", id="agrees-twice"),
    ],
)
def test_a_step_on_a_stale_copy_raises_concurrent_change(second_step):
    referral = referral_in_state(State.CANDIDATE)
    caseworker = referral.created_by
    events_before = referral.events.count()
    first, second = load_twice(referral)

    take_step("agree", first, caseworker)
    with pytest.raises(ConcurrentChange):
        take_step(second_step, second, caseworker, **second_overrides(second_step))

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == State.AGREED
    assert (stored.decline_reason, stored.withdraw_reason) == ("", "")
    assert stored.caseworker_phone == step_arguments("agree", referral)["caseworker_phone"]
    assert referral.events.count() == events_before + 1
    assert referral.events.last().transition == "agree"


def second_overrides(step: str) -> dict:
    # A different phone number shows which of the two agreements was stored.
    return {"caseworker_phone": "0470 00 00 00"} if step == "agree" else {}


@pytest.mark.django_db
def test_the_stale_copy_may_act_again_after_reloading():
    referral = referral_in_state(State.CANDIDATE)
    caseworker = referral.created_by
    first, second = load_twice(referral)
    take_step("agree", first, caseworker)
    with pytest.raises(ConcurrentChange):
        take_step("withdraw", second, caseworker)

    second.refresh_from_db()
    take_step("withdraw", second, caseworker)

    assert Referral.objects.get(pk=referral.pk).state == State.WITHDRAWN
    assert list(referral.events.values_list("transition", flat=True)) == [
        "create",
        "apply",
        "agree",
        "withdraw",
    ]


@pytest.mark.django_db
def test_counsellor_and_caseworker_acting_at_once_on_an_admitted_referral():
    """The counsellor starts the training while the caseworker withdraws the referral."""
    referral = referral_in_state(State.ADMITTED)
    counsellor_copy, caseworker_copy = load_twice(referral)

    take_step("start", counsellor_copy, counsellor_for(referral.training))
    with pytest.raises(ConcurrentChange):
        take_step("withdraw", caseworker_copy, referral.created_by)

    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRAINING
    assert referral.events.last().transition == "start"


# --- two real connections (PostgreSQL) ---------------------------------------------------


def race(referral_pk: int, steps: dict[str, int]) -> dict[str, object]:
    """Run each step (name -> user pk) in its own thread and connection, all loaded before any
    acts; return per step "done", "concurrent" or the unexpected exception."""
    barrier = threading.Barrier(len(steps))
    outcome: dict[str, object] = {}

    def act(name: str, user_pk: int) -> None:
        try:
            referral = Referral.objects.get(pk=referral_pk)
            user = User.objects.get(pk=user_pk)
            barrier.wait(timeout=10)
            take_step(name, referral, user)
            outcome[name] = "done"
        except ConcurrentChange:
            outcome[name] = "concurrent"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=item) for item in steps.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


def stale_copies(referral_pk: int, steps: dict[str, int]) -> dict[str, object]:
    """The same race on one connection: every copy is loaded before the first acts."""
    copies = {name: Referral.objects.get(pk=referral_pk) for name in steps}
    outcome: dict[str, object] = {}
    for name, user_pk in steps.items():
        try:
            take_step(name, copies[name], User.objects.get(pk=user_pk))
            outcome[name] = "done"
        except ConcurrentChange:
            outcome[name] = "concurrent"
    return outcome


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_at_the_same_moment_only_one_step_is_stored():
    """Real threads on PostgreSQL (SQLite in memory cannot share a database between
    connections); elsewhere the same race with two copies on one connection."""
    referral = referral_in_state(State.CANDIDATE)
    caseworker = referral.created_by
    steps = {"agree": caseworker.pk, "decline": caseworker.pk}
    events_before = referral.events.count()

    if connection.vendor == "postgresql":
        outcome = race(referral.pk, steps)
    else:
        outcome = stale_copies(referral.pk, steps)

    assert sorted(map(str, outcome.values())) == ["concurrent", "done"], outcome
    (winner,) = [name for name, result in outcome.items() if result == "done"]
    assert Referral.objects.get(pk=referral.pk).state == TRANSITIONS[winner][1]
    assert referral.events.count() == events_before + 1
    assert referral.events.last().transition == winner


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", ["agree", "start"])
def test_the_temporary_work_experiences_are_checked_under_the_clients_lock(name, monkeypatch):
    """The formal agreement and the start check that no temporary work experience of the
    client runs, and the client's save that records one waits until they are done: each
    check is made while the client's row is locked."""
    referral = referral_in_state(TRANSITIONS[name][0][0])
    user = referral.created_by if name == "agree" else counsellor_for(referral.training)
    checked = []
    check = Client.temporary_work_experience_from

    def checking(client, start):
        checked.append(locked_elsewhere(Client, client.pk))
        return check(client, start)

    monkeypatch.setattr(Client, "temporary_work_experience_from", checking)
    take_step(name, Referral.objects.get(pk=referral.pk), user)

    assert checked and all(checked), checked
    assert not locked_elsewhere(Client, referral.client_id)  # released with the step


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", ["agree", "start"])
def test_a_temporary_work_experience_recorded_while_the_step_waited_refuses_it(name):
    """Whoever held the client's row recorded a temporary work experience that runs: the
    step, which waited for the row, checks it and is refused."""
    referral = referral_in_state(TRANSITIONS[name][0][0])
    user = referral.created_by if name == "agree" else counsellor_for(referral.training)
    outcome = []

    def record_one() -> None:
        TemporaryWorkExperience.objects.create(
            client_id=referral.client_id, start_date=timezone.localdate()
        )

    def step() -> None:
        try:
            with translation.override("en"):
                referral_now = Referral.objects.get(pk=referral.pk)
                take_step(name, referral_now, User.objects.get(pk=user.pk))
            outcome.append("taken")
        except (TransitionRefused, ValidationError) as refused:
            outcome.append(" ".join(str(m) for m in refused.messages))

    with held(Client, referral.client_id, then=record_one):
        stepping = in_thread(step)
        wait_until_one_waits()
    stepping.join(timeout=30)

    (refusal,) = outcome
    assert "temporary work experience" in refusal, refusal
    assert Referral.objects.get(pk=referral.pk).state == referral.state


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_lock_outside_a_transaction_is_refused():
    """As the ORM's select_for_update: outside a transaction it would hold nothing."""
    with pytest.raises(TransactionManagementError):
        lock_client(ClientFactory().pk)


def test_the_state_fields_are_those_the_mixin_would_find():
    """`Referral.state_fields` names the fields django-fsm's mixin would find itself (its
    filter over all fields, which `state_fields` replaces for speed): a second state field
    added later must be named there too, or this fails. That a step is saved only onto the
    state it was taken from, the tests above show."""
    found = [f for f in Referral._meta.fields if isinstance(f, FSMFieldMixin)]
    assert list(Referral().state_fields) == found == [Referral._meta.get_field("state")]
