"""The work that waits for someone, as conditions on referrals: "Mijn werk" lists it, and the
referral list filters on the same conditions (`?work=…`), so that a count on the one page
is the number of rows on the other.

Each kind of work is one group; a role's groups never share a referral (they differ in
state), so that a referral shows once."""

import calendar
import datetime
import functools
import operator
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
)
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User

from ..enums import (
    HANDOVER_DUE_STATES,
    OUTCOME_REMINDER_MONTHS,
    POSITIVE_END_RESULTS,
    CheckupMonths,
    ContinuedBy,
    State,
)
from .followup import OutcomeCheck, add_months, checkup_bit
from .querysets import (
    OVERDUE_STATES,
    intake_day_has_come,
    overdue_condition,
    overdue_reasons,
)
from .trainings import Training


@dataclass(frozen=True)
class Work:
    code: str
    heading: str
    # Where on the referral's page it is done: a step's form, or a section.
    step: str = ""
    anchor: str = ""


WORK = {
    work.code: work
    for work in [
        Work("apply", _("To register as candidate"), step="apply"),
        Work("agree", _("To agree or decline"), step="agree"),
        Work("handover_call", _("Warm handover calls to make"), anchor="handover-heading"),
        Work("plan_intake", _("To plan an intake"), step="plan_intake"),
        Work("screen", _("To screen after the intake"), step="admit"),
        Work("start", _("To start"), step="start"),
        Work("end", _("In training: to end"), step="end"),
        Work("close", _("To close"), step="close"),
        Work("outflow", _("Outflow check-ups due"), anchor="outcome-heading"),
    ]
}
ROLE_WORK = {
    "caseworker": ["apply", "agree", "handover_call", "close", "outflow"],
    "counsellor": ["plan_intake", "screen", "start", "end", "close", "outflow"],
    "administrator": ["agree", "plan_intake"],
}


def role_of(user) -> str | None:
    for role in ("caseworker", "counsellor", "administrator"):
        if getattr(user, f"is_{role}"):
            return role
    return None


def work_of(user) -> list[Work]:
    return [WORK[code] for code in ROLE_WORK.get(role_of(user), [])]


def outflow_due(today: datetime.date, *, audience: str) -> Q:
    """Of the closed referrals (WORK_STATES), a positive end with a check-up due (3, 6, 9
    or 12 months after the end, and not three months late: the reminders' window) and not
    recorded, continued by `audience`'s side or by nobody known. (An ended referral is
    still to close: one group at a time.)

    Recorded is first the referral's own mark (`Referral.checkups_recorded`, which an
    index of the region's positive ends holds: migration 0038), and only for those not
    marked the check-ups themselves: most due check-ups are recorded, and a region's
    6,500 ends of the year were each asked (17-26 ms of its team's Mijn werk)."""
    due = Q()
    for value in CheckupMonths.values:
        months = int(value)
        marked = F("checkups_recorded").bitand(checkup_bit(months))
        recorded = OutcomeCheck.objects.filter(referral=OuterRef("pk"), months=months)
        due |= Q(
            Q(
                end_date__lte=_last_end_due(today, months),
                end_date__gt=_last_end_due(today, months + OUTCOME_REMINDER_MONTHS),
            ),
            Exact(marked, 0),
            ~Exists(recorded),
        )
    other = ContinuedBy.OCMW if audience == "counsellor" else ContinuedBy.VDAB
    return Q(end_result__in=POSITIVE_END_RESULTS) & due & ~Q(continued_by=other)


def _last_end_due(today: datetime.date, months: int) -> datetime.date:
    """The last end day whose check-up after `months` is due by `today`, as the reminders
    count it (`add_months(end, months) <= today`; a month's last days share one due day)."""
    end = _months_before(today, months)
    while add_months(end + datetime.timedelta(days=1), months) <= today:
        end += datetime.timedelta(days=1)
    return end


def _months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier (the month's last day where it has fewer days)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last_day))


# The states each kind of work takes its referrals from (its condition may narrow them).
WORK_STATES = {
    "apply": [State.INFORMED],
    "agree": [State.CANDIDATE],
    "handover_call": list(HANDOVER_DUE_STATES),
    "plan_intake": [State.AGREED],
    "screen": [State.INTAKE_PLANNED],
    "start": [State.ADMITTED],
    "end": [State.IN_TRAINING],
    "close": [State.ENDED, State.NOT_ADMITTED],
    "outflow": [State.CLOSED],
}


def work_conditions(user, today: datetime.date | None = None) -> dict[str, Q]:
    """The condition of each kind of work of `user`'s role, in the order of the flow: its
    states (WORK_STATES), narrowed for some."""
    today = today or timezone.localdate()
    narrowed = {
        "handover_call": Q(handover_at__isnull=True),
        "screen": intake_day_has_come(today),
        "outflow": outflow_due(today, audience=role_of(user) or ""),
    }
    return {
        work.code: Q(state__in=WORK_STATES[work.code]) & narrowed.get(work.code, Q())
        for work in work_of(user)
    }


class WindowPart(NamedTuple):
    """A part of Mijn werk's window (`work_window_parts`): its condition, and the states its
    referrals are in."""

    condition: Q
    states: frozenset


def work_window_parts(user, today: datetime.date | None = None) -> list[WindowPart]:
    """The parts of `work_window`, which never share a referral: the states the work is in
    but closed, and of the closed referrals only the positive ends (only those are checked
    up on: `outflow_due`) whose check-ups can be due today. Each is read through an index
    of its own where a scope is too big to read its rows from the table (migrations 0032,
    0035 and 0038)."""
    today = today or timezone.localdate()
    codes = [work.code for work in work_of(user)]
    states = {state for code in codes if code != "outflow" for state in WORK_STATES[code]}
    parts = [WindowPart(Q(state__in=sorted(states)), frozenset(states))] if states else []
    if "outflow" in codes:
        # Ended after the last day whose last check-up is late, and by the last day whose
        # first one is due.
        oldest = _last_end_due(today, max(CheckupMonths.values) + OUTCOME_REMINDER_MONTHS)
        newest = _last_end_due(today, min(CheckupMonths.values))
        closed = Q(
            state=State.CLOSED,
            end_result__in=POSITIVE_END_RESULTS,
            end_date__gt=oldest,
            end_date__lte=newest,
        )
        parts.append(WindowPart(closed, frozenset({State.CLOSED})))
    return parts


def work_window(user, today: datetime.date | None = None) -> Q:
    """A condition that every kind of work of `user` implies and that the indexes answer:
    the states the work is in, and of closed referrals only the ends whose check-ups can
    still be due (`work_window_parts`). Mijn werk counts within it rather than over all the
    years of a scope."""
    parts = work_window_parts(user, today)
    if not parts:
        return Q(state__in=[])
    return functools.reduce(operator.or_, (part.condition for part in parts))


def _nobody(field: str, of_their_side: Q) -> Q:
    """No one acts as responsible on `field`: none named, or one no longer active or no
    longer of their side (moved to another organisation)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__is_active": False}) | ~of_their_side


def mine(user) -> Q:
    """What is `user`'s to do: theirs, and what nobody of their side is responsible for
    (a counsellor: unless the training names another contact)."""
    if user.is_caseworker:
        return _caseworkers_mine(user)
    if user.is_counsellor:
        return Q(counsellor=user) | (
            _nobody("counsellor", Q(counsellor__organisation__kind=Organisation.Kind.VDAB))
            & _no_other_contact(user)
        )
    return Q()


def _no_other_contact(user) -> Q:
    """The referral's training names no contact counsellor but `user`, if any: its training
    is not among those that name another (a subquery of the catalogue PostgreSQL reads
    once, into a hash), where asking each referral's training its contact joined the
    trainings to the referrals, and PostgreSQL took twice as long to plan the query (Mijn
    werk's agenda 4.2 -> 2.3 ms, for a 1.7 ms answer)."""
    others = Training.objects.filter(contact_counsellor__isnull=False).exclude(
        contact_counsellor=user
    )
    return ~Q(training__in=others.values("pk"))


def _caseworkers_mine(user) -> Q:
    """A caseworker's: theirs, and those nobody of the referral's OCMW acts as caseworker
    for (none named, or someone no longer active or no longer of that OCMW).

    Of their own OCMW, said once and beside the rest, never inside an OR: `visible_to` says
    it too, and PostgreSQL takes the same `ocmw_id = …` twice at the top for one condition,
    but one inside an OR for another that narrows as much again. Its estimate of the biggest
    OCMW's referrals was then 496 instead of 22,184, and it read them all from the table
    (16,000 pages) rather than the ranges of their states: Mijn werk's ranking 55 -> 22 ms.
    Nobody of the OCMW is the referral's own column not among the OCMW's active people (a
    subquery PostgreSQL reads once, into a hash), where asking it of each referral's
    caseworker joined every one to it (36-40 -> 17-25 ms, its planning 8-11 -> 3-4 ms).
    Someone who sees every OCMW (a superuser) is asked it of each referral's OCMW."""
    if user.is_administrator:
        return Q(caseworker=user) | _nobody(
            "caseworker", Q(caseworker__organisation_id=F("ocmw_id"))
        )
    people = User.objects.filter(organisation_id=user.organisation_id, is_active=True)
    return Q(ocmw_id=user.organisation_id) & (
        Q(caseworker=user) | Q(caseworker__isnull=True) | ~Q(caseworker__in=people.values("pk"))
    )


def mine_parts(user) -> list[Q]:
    """`mine(user)` as conditions that never share a referral and that each an index answers,
    to count within a VDAB region (tens of thousands of open referrals, a few of them the
    counsellor's) by adding up: the counsellor's by name; nobody named (a partial index);
    named someone who is no longer active or of VDAB (the few such people who are named,
    read first; none, and there is no such part). As a subquery, PostgreSQL joined them to
    the region's referrals in whichever order it estimated cheaper: after a change of
    indexes, the region's 40,000 first (6 ms), for no row. An OCMW is small enough for
    `mine` as it is. Mijn werk reads their rows as one `UNION ALL`, which keeps a referral
    that two parts share twice: they must never."""
    if not user.is_counsellor:
        return [mine(user)]
    from .referral import Referral

    left = User.objects.filter(
        ~Q(is_active=True) | ~Q(organisation__kind=Organisation.Kind.VDAB),
        Exists(Referral.objects.filter(counsellor=OuterRef("pk"))),
    ).values_list("pk", flat=True)
    contact = _no_other_contact(user)
    parts = [Q(counsellor=user), Q(counsellor__isnull=True) & contact]
    if left := list(left):
        parts.append(Q(counsellor__in=left) & contact)
    return parts


def overdue_flags(today: datetime.date | None = None) -> dict:
    """Annotations: `is_overdue`, and `overdue_<reason>` for each reason."""
    flags = {
        f"overdue_{code}": ExpressionWrapper(condition, output_field=BooleanField())
        for code, condition in overdue_reasons(today).items()
    }
    flags["is_overdue"] = ExpressionWrapper(overdue_condition(today), output_field=BooleanField())
    return flags


def overdue_in(flags: dict, states) -> Q | None:
    """The condition of `flags`' `is_overdue` (`overdue_flags`: of the same moment) for
    referrals in `states`: of the reasons that can hold there only (`OVERDUE_STATES`); None
    where none can. Each reason reads its own columns: so the condition reads no more than
    an index of those states holds (migration 0035)."""
    conditions = [
        flags[f"overdue_{reason}"].expression
        for reason, in_states in OVERDUE_STATES.items()
        if states & set(in_states)
    ]
    return functools.reduce(operator.or_, conditions) if conditions else None


def waiting_flags(today: datetime.date | None = None) -> dict:
    """Annotations of what keeps a step waiting that the row can tell: no consent to share
    data with VDAB (the agreement waits), a temporary work experience running today or
    later (the agreement and the start wait)."""
    from .clients import TemporaryWorkExperience

    today = today or timezone.localdate()
    running = TemporaryWorkExperience.objects.filter(client=OuterRef("client")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    return {
        "waits_consent": ExpressionWrapper(
            ~Q(client__consent_vdab=True, client__consent_date__isnull=False),
            output_field=BooleanField(),
        ),
        "waits_experience": Exists(running),
    }
