"""The reminders' people and clock: the cast's training with the counsellor as its contact,
the clock at 07:00 in Brussels on a given day, a referral walked on a day, and the daily
task run on a day. Here, not in tests/notifications/conftest.py: this `training` and this
`walk` differ from the cast's training and the outbox tests' walk on purpose."""

import datetime

import pytest

from notifications.tasks import send_reminders
from tests.referrals.factories import referral_in_state

from .reminded import BRUSSELS

# The caseworker, the counsellor and the training are the cast of tests/conftest.py.


@pytest.fixture
def training(training, counsellor):
    """The cast's training with the counsellor as its contact: reminders to VDAB go to them."""
    training.contact_counsellor = counsellor
    training.save(update_fields=["contact_counsellor"])
    return training


@pytest.fixture
def clock(time_machine):
    """`clock(day)`: the clock at 07:00 in Brussels on `day`, when beat runs the task."""

    def set_day(day: datetime.date, hour: int = 7):
        moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BRUSSELS)
        time_machine.move_to(moment, tick=False)

    return set_day


@pytest.fixture
def walk(clock, training, caseworker, counsellor):
    """`walk(state, on=day, ...)`: a new client's referral walked to `state` on `day`."""

    def walk_to(state, *, on: datetime.date, **overrides):
        clock(on)
        return referral_in_state(
            state, training=training, caseworker=caseworker, counsellor=counsellor, **overrides
        )

    return walk_to


@pytest.fixture
def run_on(clock):
    """`run_on(day)`: the daily task as beat runs it on `day`."""

    def run(day: datetime.date):
        clock(day)
        return send_reminders()

    return run
