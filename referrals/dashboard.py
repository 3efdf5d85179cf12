""" "Mijn werk": what waits for the user today, grouped by what to do, each referral once,
overdue first and with what keeps a step waiting; the coming week's intakes and starts; for the
network manager the province's referrals per state.

Every count is the number of rows the referral list shows behind its link (`?work=…`, the
same condition: `models.work`)."""

import datetime
import functools
import operator
from itertools import chain
from typing import NamedTuple

from django.db.models import Case, F, Q, When, Window
from django.db.models.functions import RowNumber
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from audit import reads

from .enums import OverdueReason, State
from .listing import CLEAR_SEARCH
from .models import Referral
from .models.querysets import on_days
from .models.work import (
    Work,
    mine_parts,
    overdue_flags,
    role_of,
    waiting_flags,
    work_conditions,
    work_of,
    work_window,
    work_window_parts,
)
from .ranking import ROWS_PER_GROUP, rank_groups, rank_parts
from .reports.small import protect_counts, small_cells_note, threshold_for

# The kinds of work whose step a row can tell is waiting (`work.waiting_flags`).
WAITING_WORK = {"agree", "start"}


class Group(NamedTuple):
    work: Work
    rows: list
    count: int
    list_url: str


class Agenda(NamedTuple):
    code: str
    heading: str
    rows: list


def dashboard(request):
    user = request.user
    today = timezone.localdate()
    team = request.GET.get("scope") == "team"
    visible = Referral.objects.visible_to(user)
    conditions = work_conditions(user, today)
    # One moment's flags for the ranking and the rows it shows.
    flags = overdue_flags(today)
    role = role_of(user)
    # "Mine" as parts that never share a referral (`work.mine_parts`), or no parts: the team.
    own = [] if team else mine_parts(user)
    if role == "administrator" or (team and role == "counsellor"):
        # All of Flanders' 51,000 referrals in the states work takes, a VDAB region's
        # 40,000: counted and ranked part by part through indexes that hold them, rather
        # than read from the table (20,000 pages for a region).
        parts = work_window_parts(user, today)
        counts, first = rank_parts(visible, parts, conditions, flags)
    else:
        # Counted within the states that work takes (`work_window`), which the indexes find,
        # rather than over all the years of closed referrals of the scope; an OCMW's or a
        # counsellor's thousands read from the table once for the counts and the ranking.
        window = _mine(visible.filter(work_window(user, today)), own)
        counts, first = rank_groups(window, conditions, flags["is_overdue"].expression)
    scoped = visible.filter(functools.reduce(operator.or_, own, Q()))
    week = _week(scoped, today) if conditions else {}
    # The groups' first rows and the week's, read in one query with what they show.
    read = _read(list(chain(*first.values(), *week.values())), flags, today)
    groups = [
        Group(
            work,
            _group_rows(read, first.get(work.code, []), work, user),
            counts[work.code],
            _list_url(work.code, team),
        )
        for work in work_of(user)
    ]
    agenda = [
        Agenda(code, heading, _of(read, week[state]))
        for code, heading, state in (
            ("intakes", _("Intakes"), State.INTAKE_PLANNED),
            ("starts", _("Starts"), State.ADMITTED),
        )
        if week
    ]
    shown = [r for group in groups for r in group.rows] + [r for a in agenda for r in a.rows]
    reads.listed(request, reads.REFERRAL.of_all(shown))
    context = {
        "groups": groups,
        "agenda": agenda,
        "team": team,
        "has_scope": user.is_caseworker or user.is_counsellor,
        "to_do": sum(counts.values()),
        "province_figures": None,
    }
    if user.is_network_manager:
        small_cells = threshold_for(user)
        context["province_figures"] = _province_figures(user, small_cells)
        context["small_cells_note"] = small_cells_note(small_cells) if small_cells else ""
    return TemplateResponse(request, "referrals/dashboard.html", context)


def _mine(referrals, own: list[Q]):
    """`referrals` (the team's: no parts), or those of "mine" (`own`: `work.mine_parts`):
    as it is when one condition says it, or as the `UNION ALL` of its parts, each read
    through its index; which of their columns the union carries is `ranking._rows_of`'s to
    say (those its expressions read)."""
    if not own:
        return referrals
    if len(own) == 1:
        return referrals.filter(own[0])
    first, *others = [referrals.filter(part).order_by() for part in own]
    return first.union(*others, all=True)


def _read(keys: list, flags: dict, today: datetime.date) -> dict:
    """The referrals of `keys` (none: no query) by key, with what Mijn werk shows of them:
    their client, training, interruption, overdue reasons (of `flags`, the ranking's) and
    what keeps their step waiting."""
    if not keys:
        return {}
    # Overdue is any of its reasons (`overdue_condition`): told from them here, rather than
    # their OR annotated beside them (2.4 of 10.9 ms building the query).
    reasons = {name: flag for name, flag in flags.items() if name != "is_overdue"}
    read = {}
    for referral in (
        Referral.objects.filter(pk__in=keys)
        .with_related()
        .with_interrupted()
        .annotate(**reasons, **waiting_flags(today))
    ):
        referral.overdue_why = [
            reason.label
            for reason in OverdueReason
            if getattr(referral, f"overdue_{reason}", False)
        ]
        referral.is_overdue = bool(referral.overdue_why)
        read[referral.pk] = referral
    return read


def _of(read: dict, keys: list) -> list:
    """The rows of `keys` in their order: every key ranked is read, as a referral is never
    deleted (its history lines are append-only and protect it)."""
    return [read[key] for key in keys]


def _group_rows(read: dict, keys: list, work: Work, user) -> list:
    """A group's rows in their order (`ranking.rank_groups`), each with what keeps its step
    waiting."""
    rows = _of(read, keys)
    for referral in rows:
        referral.waits = _waits(referral, work, user)
    return rows


def _waits(referral, work: Work, user) -> list[str]:
    """What keeps the row's step waiting, in words for the side that reads it."""
    waits = []
    if work.code == "agree" and referral.waits_consent:
        waits.append(_("The client has not consented to share data with VDAB."))
    if work.code in WAITING_WORK and referral.waits_experience:
        if user.is_counsellor:
            waits.append(
                _(
                    "The OCMW recorded a temporary work experience of the client; the start "
                    "waits until it has ended. Ask the OCMW caseworker."
                )
            )
        else:
            waits.append(
                _(
                    "The client has a temporary work experience; the formal agreement waits "
                    "until it has ended."
                )
            )
    return waits


def _list_url(code: str, team: bool) -> str:
    """The list of a group's referrals: the same condition, and no search kept from before
    (the count is of them all)."""
    query = (
        {"work": code, CLEAR_SEARCH: "1"}
        if team
        else {"work": code, "mine": "on", CLEAR_SEARCH: "1"}
    )
    return f"{reverse('referrals:referral_list')}?{urlencode(query)}"


def _week(referrals, today: datetime.date) -> dict:
    """The keys of the coming week's intakes and probable starts (today and the seven days
    after), the first ROWS_PER_GROUP of each state in its own order (an intake by its time,
    a start by its day), in one query: the week's rows of each state numbered over
    `referrals` alone, which must hold each referral once (no union, no `distinct()`). Read
    with what they show by `_read`, beside the groups' first rows: the week's read with all
    its joins took PostgreSQL longer to plan than to run (4.6 ms against 2.6 for a
    counsellor)."""
    # An admitted referral keeps its past intake: each state's own date orders it.
    order = [
        Case(When(state=State.INTAKE_PLANNED, then=F("intake_at"))).asc(),
        Case(When(state=State.ADMITTED, then=F("probable_start_date"))).asc(),
        F("pk").asc(),
    ]
    first = (
        referrals.filter(operator.or_(*agenda_week(today)))
        .annotate(position=Window(RowNumber(), partition_by=F("state"), order_by=order))
        .filter(position__lte=ROWS_PER_GROUP)
        .values_list("state", "position", "pk")
    )
    week = {State.INTAKE_PLANNED: [], State.ADMITTED: []}
    for state, _position, key in sorted(first):
        week[state].append(key)
    return week


def agenda_week(today: datetime.date) -> tuple[Q, Q]:
    """The intakes planned and the probable starts of today and the seven days after, each
    as the range its index holds (`referral_intakes`, `referral_starts`): an intake from
    today's midnight to the one after the last day, here, rather than by its day."""
    last = today + datetime.timedelta(days=7)
    return (
        Q(state=State.INTAKE_PLANNED) & on_days("intake_at", today, last),
        Q(state=State.ADMITTED, probable_start_date__gte=today, probable_start_date__lte=last),
    )


def _province_figures(user, small_cells: int) -> list[dict]:
    """The referrals of the network manager's province per state, small numbers hidden as
    in the figures (they add up to the funnel's total there)."""
    counts = Referral.objects.reportable_to(user).count_by_state()
    states = [(state, label) for state, label in State.choices if state in counts]
    totals = protect_counts([counts[state] for state, _l in states], small_cells, adds_up=True)
    return [
        {"state": label, "total": total}
        for (_state, label), total in zip(states, totals, strict=True)
    ]
