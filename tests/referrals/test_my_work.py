""" "Mijn werk" as a to-do list: each referral once, in the group of what to do with it,
overdue first, saying what keeps it waiting, linking to its step; counts the list behind
them matches; mine or my team; the coming week's intakes and starts; outflow check-ups."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from referrals import dashboard
from referrals.enums import ContinuedBy, HandoverHow, State
from referrals.models import OutcomeCheck, Referral
from referrals.models.work import ROLE_WORK, WORK_STATES, mine
from tests.accounts.factories import CaseworkerFactory, UserFactory
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import (
    ClientFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    passed_and_closed,
    referral_in_state,
)

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("referrals:dashboard")


def groups(response) -> dict:
    return {group.work.code: group for group in response.context["groups"]}


@pytest.mark.parametrize(
    ("who", "scope"),
    [
        ("caseworker", ""),
        ("caseworker", "team"),
        ("counsellor", ""),
        ("counsellor", "team"),  # part by part (`ranking.rank_parts`)
        ("administrator", ""),  # the same
    ],
)
def test_each_referral_shows_once_and_every_count_is_its_list(
    client, request, one_of_each, who, scope
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    if who == "administrator":
        pass_second_factor(client, user)
    response = client.get(DASHBOARD, {"scope": scope} if scope else {})
    assert any(group.count for group in response.context["groups"])
    seen = [r.pk for group in response.context["groups"] for r in group.rows]
    assert len(seen) == len(set(seen))
    for group in response.context["groups"]:
        listed = client.get(group.list_url, follow=True).context["page"]
        assert group.count == len(listed), group.work.code
        assert {r.pk for r in group.rows} == {r.pk for r in listed}


def test_the_caseworker_and_the_counsellor_each_see_their_own_work(
    client, one_of_each, caseworker, counsellor
):
    client.force_login(caseworker)
    mine = {code: [r.state for r in g.rows] for code, g in groups(client.get(DASHBOARD)).items()}
    assert mine["apply"] == [State.INFORMED]
    assert mine["agree"] == [State.CANDIDATE]
    assert mine["close"] and set(mine["close"]) <= {State.ENDED, State.NOT_ADMITTED}
    client.force_login(counsellor)
    theirs = {code: [r.state for r in g.rows] for code, g in groups(client.get(DASHBOARD)).items()}
    assert theirs["plan_intake"] == [State.AGREED]
    assert theirs["screen"] == [State.INTAKE_PLANNED]  # its intake lies in the past
    assert theirs["start"] == [State.ADMITTED]
    assert theirs["end"] == [State.IN_TRAINING]


def test_overdue_comes_first_and_says_why(client, caseworker, settings):
    ocmw = caseworker.organisation
    fresh = referral_in_state(State.CANDIDATE, client=ClientFactory(ocmw=ocmw))
    late = referral_in_state(State.CANDIDATE, client=ClientFactory(ocmw=ocmw))
    long_ago = timezone.now() - datetime.timedelta(days=settings.OKOT_AGREE_OVERDUE_DAYS + 1)
    Referral.objects.filter(pk=late.pk).update(state_changed_at=long_ago)
    Referral.objects.filter(pk=fresh.pk).update(state_changed_at=timezone.now())
    client.force_login(caseworker)
    rows = groups(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en"))["agree"].rows
    assert [r.pk for r in rows] == [late.pk, fresh.pk]
    assert rows[0].is_overdue and rows[0].overdue_why
    assert not rows[1].is_overdue


def test_each_group_shows_its_first_ten_the_longest_waiting_first(client, caseworker):
    """Two groups picked in one query: each keeps its own first ten, in its own order (the
    oldest candidates are the overdue ones)."""
    ocmw = caseworker.organisation
    now = timezone.now()
    waited = {}
    for state, n in ((State.CANDIDATE, 12), (State.INFORMED, 3)):
        for days in range(n):
            referral = Referral.objects.create(
                client=ClientFactory(ocmw=ocmw), training=TrainingFactory(), state=state
            )
            Referral.objects.filter(pk=referral.pk).update(
                state_changed_at=now - datetime.timedelta(days=days)
            )
            waited[referral.pk] = days
    client.force_login(caseworker)

    shown = groups(client.get(DASHBOARD))
    agree, apply = shown["agree"], shown["apply"]

    assert agree.count == 12 and [waited[r.pk] for r in agree.rows] == list(range(11, 1, -1))
    assert agree.rows[0].is_overdue and not agree.rows[-1].is_overdue
    assert [waited[r.pk] for r in apply.rows] == [2, 1, 0]


def test_a_row_with_an_empty_date_is_not_overdue_and_comes_after_the_overdue(
    client, counsellor, caseworker, training, settings
):
    """An admitted trainee without a probable start is not overdue: PostgreSQL would sort
    its NULL flag before the overdue ones. It is not overdue like those whose start is still
    to come (a false flag): among them, it takes its place by how long it has waited, in the
    first ten and beyond them."""
    ocmw = caseworker.organisation
    days = settings.OKOT_START_OVERDUE_DAYS + 5
    late_start = timezone.localdate() - datetime.timedelta(days=days)
    coming = timezone.localdate() + datetime.timedelta(days=3)
    now = timezone.now()
    made = {}
    starts = [("undated", None), ("late", late_start)] + [(n, coming) for n in range(10)]
    for name, start in starts:
        made[name] = Referral.objects.create(
            client=ClientFactory(ocmw=ocmw),
            training=training,
            state=State.ADMITTED,
            agreed_on=timezone.localdate() - datetime.timedelta(days=days + 30),
            counsellor=counsellor,
            probable_start_date=start,
            # The warm handover took place: not overdue for it.
            handover_how=HandoverHow.PHONE,
            handover_at=timezone.now() - datetime.timedelta(days=days + 29),
            handover_recorded_at=timezone.now(),
        )
    # Those to come waited 20 days down to 11, in their order.
    for n in range(10):
        waited = datetime.timedelta(days=20 - n)
        Referral.objects.filter(pk=made[n].pk).update(state_changed_at=now - waited)
    client.force_login(counsellor)

    def shown_after_waiting(days: float) -> list:
        waited = datetime.timedelta(days=days)
        Referral.objects.filter(pk=made["undated"].pk).update(state_changed_at=now - waited)
        start = groups(client.get(DASHBOARD))["start"]
        assert start.count == 12
        return [r.pk for r in start.rows]

    # Between the fifth and the sixth of those to come: sixth of the not overdue.
    in_between = [made[n].pk for n in ("late", 0, 1, 2, 3, 4, "undated", 5, 6, 7)]
    assert shown_after_waiting(15.5) == in_between
    # The shortest wait of all: past the first ten.
    assert shown_after_waiting(1) == [made[n].pk for n in ("late", *range(9))]


def test_no_referral_is_in_two_groups_of_one_role():
    for role, codes in ROLE_WORK.items():
        states = [state for code in codes for state in WORK_STATES[code]]
        assert len(states) == len(set(states)), role


def test_a_row_says_what_keeps_its_step_waiting(client, caseworker, counsellor, training):
    ocmw = caseworker.organisation
    no_consent = referral_in_state(
        State.CANDIDATE, client=ClientFactory(ocmw=ocmw, consent_vdab=False, consent_date=None)
    )
    working = referral_in_state(
        State.ADMITTED, client=ClientFactory(ocmw=ocmw), training=training, counsellor=counsellor
    )
    TemporaryWorkExperienceFactory(
        client=working.client, start_date=timezone.localdate(), end_date=None
    )
    client.force_login(caseworker)
    agree = groups(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en"))["agree"].rows
    assert [r.pk for r in agree] == [no_consent.pk]
    assert agree[0].waits == ["The client has not consented to share data with VDAB."]
    client.force_login(counsellor)
    response = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    start = groups(response)["start"].rows
    assert [r.pk for r in start] == [working.pk]
    assert "temporary work experience" in start[0].waits[0]
    assert "Waits:" in response.content.decode()


def test_a_row_leads_straight_to_its_step(client, caseworker):
    referral = referral_in_state(
        State.CANDIDATE, client=ClientFactory(ocmw=caseworker.organisation)
    )
    client.force_login(caseworker)
    step_url = f"{referral.get_absolute_url()}?step=agree#step-agree"
    assert f'href="{step_url.replace("&", "&amp;")}"' in client.get(DASHBOARD).content.decode()
    page = client.get(f"{referral.get_absolute_url()}?step=agree").content.decode()
    assert 'id="step-agree" open' in page


def test_mine_and_my_team(client, caseworker, training):
    ocmw = caseworker.organisation
    colleague = CaseworkerFactory(organisation=ocmw)
    theirs = referral_in_state(
        State.ENDED, client=ClientFactory(ocmw=ocmw), training=training, caseworker=colleague
    )
    client.force_login(caseworker)
    assert groups(client.get(DASHBOARD))["close"].count == 0
    team = groups(client.get(f"{DASHBOARD}?scope=team"))["close"]
    assert [r.pk for r in team.rows] == [theirs.pk]
    assert "mine" not in team.list_url


def test_the_coming_weeks_intakes_and_starts(client, counsellor, caseworker, training):
    ocmw = caseworker.organisation

    def walked(state):
        client_ = ClientFactory(ocmw=ocmw)
        return referral_in_state(state, client=client_, training=training, counsellor=counsellor)

    soon, later = walked(State.INTAKE_PLANNED), walked(State.INTAKE_PLANNED)
    starting = walked(State.ADMITTED)
    now = timezone.now()
    Referral.objects.filter(pk=soon.pk).update(intake_at=now + datetime.timedelta(days=3))
    Referral.objects.filter(pk=later.pk).update(intake_at=now + datetime.timedelta(days=10))
    Referral.objects.filter(pk=starting.pk).update(
        probable_start_date=timezone.localdate() + datetime.timedelta(days=2)
    )
    client.force_login(counsellor)
    agenda = {a.code: [r.pk for r in a.rows] for a in client.get(DASHBOARD).context["agenda"]}
    assert agenda == {"intakes": [soon.pk], "starts": [starting.pk]}


def test_the_groups_first_rows_and_the_weeks_are_read_in_one_query(
    client, counsellor, counsellors_referral
):
    """The rows of the groups and of the agenda are read together, with what they show: a
    referral in both is the same row in both."""

    today = timezone.localdate()
    starting = counsellors_referral(
        State.ADMITTED, probable_start_date=today + datetime.timedelta(days=2)
    )
    planned = counsellors_referral(
        State.INTAKE_PLANNED, intake_at=timezone.now() + datetime.timedelta(days=3)
    )
    client.force_login(counsellor)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)

    start = groups(response)["start"].rows
    agenda = {a.code: a.rows for a in response.context["agenda"]}
    assert [r.pk for r in start] == [starting]
    assert {code: [r.pk for r in rows] for code, rows in agenda.items()} == {
        "intakes": [planned],
        "starts": [starting],
    }
    assert agenda["starts"][0] is start[0]
    rows_read = [q for q in queries.captured_queries if '"handover_notes"' in q["sql"]]
    assert len(rows_read) == 1


def test_the_agenda_lists_the_first_of_each_by_its_own_date(
    client, counsellor, counsellors_referral, monkeypatch
):
    """Each list's first ROWS_PER_GROUP by its own date, then the oldest referral first; an
    admitted referral by its probable start, not by the intake it had. Both lists are
    numbered in one query."""
    monkeypatch.setattr(dashboard, "ROWS_PER_GROUP", 2)
    midnight = datetime.datetime.combine(
        timezone.localdate(), datetime.time(), tzinfo=timezone.get_current_timezone()
    )

    def day(n: int, hour: int = 10) -> datetime.datetime:
        return midnight + datetime.timedelta(days=n, hours=hour)

    later = counsellors_referral(State.INTAKE_PLANNED, intake_at=day(3))
    first = counsellors_referral(State.INTAKE_PLANNED, intake_at=day(1))
    same_time = counsellors_referral(State.INTAKE_PLANNED, intake_at=day(1))
    # Tied with both, but a younger referral: the cut-off leaves it out.
    same_time_younger = counsellors_referral(State.INTAKE_PLANNED, intake_at=day(1))
    counsellors_referral(State.INTAKE_PLANNED, intake_at=day(5))
    in_two_days = counsellors_referral(
        State.ADMITTED, probable_start_date=day(2).date(), intake_at=day(-20)
    )
    tomorrow = counsellors_referral(
        State.ADMITTED, probable_start_date=day(1).date(), intake_at=day(-3)
    )
    counsellors_referral(State.ADMITTED, probable_start_date=day(6).date(), intake_at=day(-30))
    client.force_login(counsellor)

    for scope in ("", "?scope=team"):
        with CaptureQueriesContext(connection) as queries:
            shown = client.get(f"{DASHBOARD}{scope}").context["agenda"]

        agenda = {a.code: [r.pk for r in a.rows] for a in shown}
        assert agenda == {"intakes": [first, same_time], "starts": [tomorrow, in_two_days]}
        assert later not in agenda["intakes"] and same_time_younger not in agenda["intakes"]
        read = [q["sql"] for q in queries if '"probable_start_date" >=' in q["sql"]]
        assert len(read) == 1 and '"intake_at" >=' in read[0]


# The week of 23 March 2026 holds the change to summer time (29 March, Brussels).
@time_machine.travel(datetime.datetime(2026, 3, 23, 9, 0, tzinfo=timezone.get_fixed_timezone(60)))
def test_the_agendas_week_runs_from_midnight_today_to_midnight_after_the_seventh_day(
    client, counsellor, caseworker, training
):
    brussels = timezone.get_current_timezone()

    def intake_at(day: int, hour: int, minute: int = 0):
        referral = referral_in_state(
            State.INTAKE_PLANNED,
            client=ClientFactory(ocmw=caseworker.organisation),
            training=training,
            counsellor=counsellor,
        )
        at = datetime.datetime(2026, 3, day, hour, minute, tzinfo=brussels)
        Referral.objects.filter(pk=referral.pk).update(intake_at=at)
        return referral.pk

    yesterday_late = intake_at(22, 23, 59)
    today_first = intake_at(23, 0, 0)
    last_day_late = intake_at(30, 23, 59)  # after the clock went forward
    eighth_day = intake_at(31, 0, 0)
    client.force_login(counsellor)
    agenda = {a.code: [r.pk for r in a.rows] for a in client.get(DASHBOARD).context["agenda"]}
    assert agenda["intakes"] == [today_first, last_day_late]
    assert yesterday_late not in agenda["intakes"] and eighth_day not in agenda["intakes"]


def test_an_outflow_check_up_due_is_work_until_recorded(client, caseworker, counsellor, training):
    referral = passed_and_closed(caseworker, training, counsellor=counsellor)
    Referral.objects.filter(pk=referral.pk).update(continued_by=ContinuedBy.OCMW)
    # The training ended a month ago (`flow_dates`): three and a half months on, the
    # three-month check-up is due.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=75)):
        client.force_login(caseworker)
        assert [r.pk for r in groups(client.get(DASHBOARD))["outflow"].rows] == [referral.pk]
        client.force_login(counsellor)  # the OCMW guides the client on: not VDAB's to check
        assert groups(client.get(DASHBOARD))["outflow"].count == 0
        OutcomeCheck.objects.create(referral=referral, months=3, at_work="yes")
        client.force_login(caseworker)
        assert groups(client.get(DASHBOARD))["outflow"].count == 0


@pytest.mark.parametrize("marked", [True, False])
def test_a_check_up_recorded_is_no_work_whether_its_referral_marks_it_or_not(
    client, caseworker, training, marked
):
    """Mijn werk asks the referral's mark first (`checkups_recorded`) and the check-ups
    only of those not marked: one written without the mark (a bulk insert sends no
    signal) is found all the same. Deleted, it is due again."""
    referral = passed_and_closed(caseworker, training)
    Referral.objects.filter(pk=referral.pk).update(continued_by=ContinuedBy.OCMW)
    check = OutcomeCheck(referral=referral, months=3, at_work="yes")
    if marked:
        check.save()
    else:
        OutcomeCheck.objects.bulk_create([check])
    referral.refresh_from_db()
    assert referral.checkups_recorded == (1 if marked else 0)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=75)):
        client.force_login(caseworker)
        assert groups(client.get(DASHBOARD))["outflow"].count == 0
        OutcomeCheck.objects.filter(pk=check.pk).delete()
        assert groups(client.get(DASHBOARD))["outflow"].count == 1


def test_what_a_colleague_who_left_was_responsible_for_is_everyones(client, caseworker, training):
    ocmw = caseworker.organisation
    gone = CaseworkerFactory(organisation=ocmw)
    theirs = referral_in_state(
        State.ENDED, client=ClientFactory(ocmw=ocmw), training=training, caseworker=gone
    )
    client.force_login(caseworker)
    assert groups(client.get(DASHBOARD))["close"].count == 0
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert [r.pk for r in groups(client.get(DASHBOARD))["close"].rows] == [theirs.pk]


@pytest.mark.parametrize("superuser", [False, True])
def test_a_caseworkers_mine_is_theirs_and_what_nobody_of_the_ocmw_acts_for(
    caseworker, caseworker_of_other_ocmw, training, superuser
):
    """Theirs, none named, someone who left or moved to another OCMW; not what an active
    person of the referral's OCMW acts for, with the caseworker role or without. A
    superuser, who sees every OCMW, by each referral's own OCMW."""
    ocmw, other = caseworker.organisation, caseworker_of_other_ocmw.organisation
    moved = CaseworkerFactory(organisation=ocmw)
    moved.organisation = other
    moved.save()
    named = {
        "theirs": caseworker,
        "nobody": None,
        "left": CaseworkerFactory(organisation=ocmw, is_active=False),
        "moved": moved,
        "colleague": CaseworkerFactory(organisation=ocmw),
        "of the ocmw without the role": UserFactory(organisation=ocmw),
    }
    made = {
        (what, place.pk): Referral.objects.create(
            client=ClientFactory(ocmw=place), training=training, caseworker=who
        ).pk
        for what, who in named.items()
        for place in (ocmw, other)
    }
    if superuser:
        caseworker.is_superuser = True
        caseworker.save(update_fields=["is_superuser"])
        caseworker = User.objects.get(pk=caseworker.pk)

    shown = Referral.objects.visible_to(caseworker).filter(mine(caseworker))

    # Of their OCMW: the active people of the OCMW act for their own.
    expected = {made[what, ocmw.pk] for what in ("theirs", "nobody", "left", "moved")}
    if superuser:  # of the other: only the one who moved there acts for it
        expected |= {made[what, other.pk] for what in named if what != "moved"}
    assert set(shown.values_list("pk", flat=True)) == expected


def test_the_administrators_groups_count_all_of_flanders_beyond_their_first_ten(
    client, administrator, training
):
    """Counted in a query of their own (all of Flanders), each group still says how many
    it holds and shows its first ten, the longest waiting first."""
    now = timezone.now()
    for state, n in ((State.CANDIDATE, 12), (State.AGREED, 2)):
        for days in range(n):
            referral = referral_in_state(state, training=training)
            Referral.objects.filter(pk=referral.pk).update(
                state_changed_at=now - datetime.timedelta(days=days)
            )
    client.force_login(administrator)
    pass_second_factor(client, administrator)

    response = client.get(DASHBOARD)
    shown = groups(response)

    assert response.context["to_do"] == 14
    assert (shown["agree"].count, len(shown["agree"].rows)) == (12, 10)
    assert shown["agree"].rows[0].state_changed_at < shown["agree"].rows[-1].state_changed_at
    assert (shown["plan_intake"].count, len(shown["plan_intake"].rows)) == (2, 2)


def test_with_nothing_to_do_the_administrators_groups_are_counted_and_not_ranked(
    client, administrator, training
):
    referral_in_state(State.IN_TRAINING, training=training)  # not the administrator's work
    client.force_login(administrator)
    pass_second_factor(client, administrator)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)

    assert response.context["to_do"] == 0
    assert not [q for q in queries.captured_queries if '"work_group"' in q["sql"]]


def test_an_administrator_agreeing_is_responsible_for_nothing(administrator, training):
    referral = referral_in_state(State.AGREED, training=training, caseworker=administrator)
    assert Referral.objects.get(pk=referral.pk).caseworker is None


def test_a_count_leads_to_its_rows_whatever_was_searched_before(client, one_of_each, caseworker):
    client.force_login(caseworker)
    client.post(reverse("referrals:referral_list"), {"q": "nobody-by-this-name"})
    group = groups(client.get(DASHBOARD))["agree"]
    response = client.get(group.list_url, follow=True)
    assert "clear_search" not in response.redirect_chain[-1][0]
    assert len(response.context["page"]) == group.count == 1


@pytest.mark.parametrize(
    ("end", "due"),
    [
        (datetime.date(2025, 11, 30), datetime.date(2026, 2, 28)),
        (datetime.date(2025, 8, 31), datetime.date(2025, 11, 30)),
        (datetime.date(2025, 1, 15), datetime.date(2025, 4, 15)),
    ],
)
def test_a_check_up_is_due_on_the_day_the_reminder_comes(end, due):
    """Month ends: the to-do list counts as the reminders do (`add_months`)."""
    from referrals.models.work import _last_end_due

    day_before = due - datetime.timedelta(days=1)
    assert _last_end_due(due, 3) >= end
    assert _last_end_due(day_before, 3) < end
