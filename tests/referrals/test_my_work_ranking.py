"""Mijn werk's ranking in SQL (`referrals.ranking`): of all of Flanders and of a region's team
counted and ranked part by part through the indexes that hold them (`rank_parts`), the
same counts and the same first rows in the same order as ranking every row of the window
at once (`rank_groups`); the window holds every row of every kind of work, on any day; no
SQL for no referral. (That the parts are read from their indexes is asked of PostgreSQL's
plans: test_list_indexes.)"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals import ranking
from referrals.enums import (
    AtWork,
    ContinuedBy,
    EndResult,
    HandoverHow,
    InterruptionReason,
    Obtained,
    State,
)
from referrals.models import Interruption, OutcomeCheck, Referral
from referrals.models.work import overdue_flags, work_conditions, work_window, work_window_parts
from tests.referrals.factories import ClientFactory, passed_and_closed, referral_in_state

pytestmark = pytest.mark.django_db


def test_groups_of_no_referral_at_all_are_empty_without_a_query(caseworker):
    """Referrals no row can be among (`none()`) have no SQL to rank them over."""
    today = timezone.localdate()
    conditions = work_conditions(caseworker, today)

    with CaptureQueriesContext(connection) as queries:
        flags = overdue_flags(today)
        beside = ranking.rank_groups(
            Referral.objects.none(), conditions, flags["is_overdue"].expression
        )
        parts = work_window_parts(caseworker, today)
        apart = ranking.rank_parts(Referral.objects.none(), parts, conditions, flags)

    assert beside == apart == (dict.fromkeys(conditions, 0), {})
    assert not queries.captured_queries


@pytest.mark.parametrize("who", ["caseworker", "counsellor", "administrator"])
def test_the_counts_window_holds_every_row_of_every_kind_of_work(
    request, one_of_each, caseworker, training, who
):
    """Mijn werk counts within `work_window` (states and recent ends, which indexes find):
    no row any kind of work takes may fall outside it, on any day after a positive end."""
    ended = passed_and_closed(caseworker, training)
    Referral.objects.filter(pk=ended.pk).update(continued_by="")  # both sides check up
    user = request.getfixturevalue(who)
    outflow_days = 0
    for days in range(0, 520, 7):  # from the end on, past the last check-up's window
        today = timezone.localdate() + datetime.timedelta(days=days)
        window = work_window(user, today)
        conditions = work_conditions(user, today)
        assert conditions
        for code, condition in conditions.items():
            taken = set(Referral.objects.filter(condition).values_list("pk", flat=True))
            within = Referral.objects.filter(condition & window).values_list("pk", flat=True)
            assert taken == set(within), (code, today)
        if "outflow" in conditions and Referral.objects.filter(conditions["outflow"]).exists():
            outflow_days += 1
    assert outflow_days or who == "administrator"  # the check-ups were due on some days


@pytest.mark.parametrize("shown", [3, 2])
@pytest.mark.parametrize("who", ["administrator", "caseworker"])
def test_the_first_of_each_group_read_from_its_starts_are_those_of_the_whole_ranking(
    request, caseworker, training, monkeypatch, who, shown
):
    """Counted part by part (`rank_parts`: the administrator's all of Flanders), each group's
    first rows are read from the longest waiting of its overdue and of its other rows alone
    (`_first_of_each`): the same rows in the same order as ranking every row of the group.
    Overdue rows newer than rows not overdue, a row whose flag is empty (no agreement day),
    ties in `since`, groups that show overdue rows and others; showing two rows a group,
    the two groups with two overdue rows show those alone (their other rows are not read:
    `_union`). (That each arm stops at the rows a group shows is asked of PostgreSQL's
    plan: test_list_indexes.)"""
    monkeypatch.setattr(ranking, "ROWS_PER_GROUP", shown)
    now = timezone.now()
    today = timezone.localdate()

    def walked(state, days_ago: float, **fields) -> int:
        referral = referral_in_state(
            state,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            caseworker=caseworker,
        )
        since = now - datetime.timedelta(days=days_ago)
        Referral.objects.filter(pk=referral.pk).update(state_changed_at=since, **fields)
        return referral.pk

    # Overdue from ten days on: two of them, then the longest waiting of the others.
    candidates = [walked(State.CANDIDATE, days_ago) for days_ago in (40, 35, 1, 2, 1, 0)]
    long_agreed = today - datetime.timedelta(days=30)
    none = {"handover_how": "", "handover_at": None, "handover_recorded_at": None}
    # Waiting for their warm handover: overdue, newer than those below.
    late = [walked(State.AGREED, days_ago, agreed_on=long_agreed, **none) for days_ago in (3, 2)]
    for days_ago in (9, 8, 8, 5):  # handed over, not waiting long: not overdue
        walked(
            State.AGREED,
            days_ago,
            agreed_on=long_agreed,
            handover_how=HandoverHow.PHONE,
            handover_at=now,
            handover_recorded_at=now,
        )
    # No agreement day: the handover's flag is empty, and the intake is not late yet.
    empty = walked(State.AGREED, 9.5, agreed_on=None, **none)
    user = request.getfixturevalue(who)
    conditions = work_conditions(user, today)
    window = Referral.objects.visible_to(user).filter(work_window(user, today))

    flags = overdue_flags(today)
    beside = ranking.rank_groups(window, conditions, flags["is_overdue"].expression)
    parts = work_window_parts(user, today)
    apart = ranking.rank_parts(Referral.objects.visible_to(user), parts, conditions, flags)

    assert apart == beside
    counts, rows = apart
    assert counts["agree"] == 6
    assert rows["agree"] == [*candidates[:2], candidates[3]][:shown]
    # The overdue handovers first, though newer than every agreed referral not overdue.
    handovers = rows["plan_intake" if who == "administrator" else "handover_call"]
    assert handovers == [*late, empty][:shown]


def test_a_regions_team_ranked_part_by_part_is_the_whole_ranking(
    counsellor, counsellors_referral, monkeypatch
):
    """A counsellor's team (their region) is counted and ranked part by part
    (`ranking.rank_parts`: the open states from the start of each state's rows, the closed
    ends whose check-ups are due in one pass): the same counts, and the same first rows in
    the same order, as ranking every row of the window at once (`rank_groups`), for every
    kind of the counsellor's work and every reason a row is overdue or not; a group of two
    states (to close: ended and not admitted) ranked as one."""
    monkeypatch.setattr(ranking, "ROWS_PER_GROUP", 2)
    now, today = timezone.now(), timezone.localdate()

    def ago(days):
        return now - datetime.timedelta(days=days)

    def day(days):
        return today + datetime.timedelta(days=days)

    handed_over = {"handover_how": HandoverHow.PHONE, "handover_at": now}
    to_plan = [  # the intake late after ten days
        counsellors_referral(
            State.AGREED, state_changed_at=ago(days), agreed_on=day(-days), **handed_over
        )
        for days in (30, 3, 2, 1)
    ]
    waiting = counsellors_referral(  # the warm handover late
        State.AGREED,
        state_changed_at=ago(0.5),
        agreed_on=day(-20),
        handover_how="",
        handover_at=None,
        handover_recorded_at=None,
    )
    for days, intake in ((9, -3), (8, 0), (7, 2), (6, -1.5)):  # to screen once its day came
        counsellors_referral(
            State.INTAKE_PLANNED, state_changed_at=ago(days), intake_at=ago(-intake)
        )
    for days, start in ((4, -20), (5, 3), (6, 10)):  # to start: late a week after its day
        counsellors_referral(
            State.ADMITTED, state_changed_at=ago(days), probable_start_date=day(start)
        )
    for days, end in ((40, -30), (50, -30), (60, 20)):  # to end: late a week after its day
        counsellors_referral(
            State.IN_TRAINING, state_changed_at=ago(days), expected_end_date=day(end)
        )
    interrupted = counsellors_referral(
        State.IN_TRAINING, state_changed_at=ago(70), expected_end_date=day(-40)
    )
    Interruption.objects.create(
        referral_id=interrupted, reason=InterruptionReason.ILLNESS, from_date=day(-2)
    )
    to_close = [  # of either state
        counsellors_referral(state, state_changed_at=ago(days))
        for state, days in (
            (State.ENDED, 3),
            (State.NOT_ADMITTED, 5),
            (State.ENDED, 1),
            (State.NOT_ADMITTED, 2),
        )
    ]
    due = []
    for days, ended, result, checked, continued in (  # check-ups due three months after
        (20, -100, EndResult.PASSED, False, ""),
        (30, -110, EndResult.STOPPED_EMPLOYMENT, False, ContinuedBy.VDAB),
        (25, -95, EndResult.PASSED, False, ""),
        (10, -105, EndResult.PASSED, True, ""),  # recorded
        (15, -100, EndResult.PASSED, False, ContinuedBy.OCMW),  # the OCMW's to ask
        (12, -100, EndResult.STOPPED_EARLY, False, ""),  # not a positive end
        (11, -700, EndResult.PASSED, False, ""),  # long past every check-up
    ):
        end, passed = day(ended), result == EndResult.PASSED
        key = counsellors_referral(
            State.CLOSED,
            state_changed_at=ago(days),
            applied_on=end - datetime.timedelta(days=400),
            agreed_on=end - datetime.timedelta(days=390),
            intake_at=now + datetime.timedelta(days=ended - 380),
            start_date=end - datetime.timedelta(days=300),
            end_date=end,
            end_result=result,
            stop_reason="",
            obtained=Obtained.DIPLOMA if passed else Obtained.NONE,
            obtained_on=end if passed else None,
            continued_by=continued,
        )
        if checked:
            OutcomeCheck.objects.create(referral_id=key, months=3, at_work=AtWork.YES)
        elif result != EndResult.STOPPED_EARLY and continued != ContinuedBy.OCMW:
            due += [key] if ended > -700 else []
    conditions = work_conditions(counsellor, today)
    visible = Referral.objects.visible_to(counsellor)
    flags = overdue_flags(today)

    window = visible.filter(work_window(counsellor, today))
    whole = ranking.rank_groups(window, conditions, flags["is_overdue"].expression)
    parts = work_window_parts(counsellor, today)
    by_part = ranking.rank_parts(visible, parts, conditions, flags)

    assert by_part == whole
    counts, first = by_part
    assert counts == {
        "plan_intake": 5,
        "screen": 3,
        "start": 3,
        "end": 4,
        "close": 4,
        "outflow": 3,
    }
    assert len(due) == 3
    # The overdue first, the late handover though the newest.
    assert first["plan_intake"] == [to_plan[0], waiting]
    assert first["close"] == [to_close[1], to_close[0]]  # the longest waiting of either
    assert first["outflow"] == [due[1], due[2]]
