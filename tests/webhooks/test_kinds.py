"""The kinds of event a subscription may ask for cover every step and every other history
line the workflow announces."""

from referrals import enums
from referrals.steps import STEPS
from webhooks.kinds import CREATED, EventKind


def test_every_step_is_a_kind_of_event():
    assert set(STEPS) <= set(EventKind.values)


def test_every_other_announced_history_line_is_a_kind_of_event():
    announced = {
        CREATED,
        enums.VDAB_REGISTRATION,
        enums.HANDOVER_RECORDED,
        *enums.INTERRUPTION_EVENTS,
        enums.DOCUMENT_ADDED,
        enums.DOCUMENT_REMOVED,
        enums.RESPONSIBLE_CHANGED,
        enums.SCHOOL_YEAR_RECORDED,
    }
    assert announced <= set(EventKind.values)
