"""Where referrals get stuck: how far they came, how long each step took, what waits."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..enums import POSITIVE_END_RESULTS, State
from ..models.querysets import overdue_condition
from .expressions import DaysBetween, Median
from .tables import Column, Row, Table, percentage


@dataclass(frozen=True)
class Stage:
    """A step on the way to a job: who reached it, and the days it took from the one before
    (None where the step has no date of its own)."""

    code: str
    label: str | Promise
    reached: Q
    days: DaysBetween | None


# Reaching a stage is read from the step's own dates, so imported trajectories (which have
# no step-by-step history) count too.
STAGES = (
    Stage("informed", _("Informed"), Q(pk__isnull=False), None),
    Stage(
        "candidate",
        _("Candidate"),
        Q(applied_on__isnull=False)
        | Q(agreed_on__isnull=False)
        | Q(state__in=[State.CANDIDATE, State.DECLINED]),
        DaysBetween("applied_on", TruncDate("created_at")),
    ),
    Stage(
        "agreed",
        _("Formal agreement"),
        Q(agreed_on__isnull=False),
        DaysBetween("agreed_on", "applied_on"),
    ),
    Stage(
        "intake_planned",
        _("Intake"),
        Q(intake_at__isnull=False),
        DaysBetween(TruncDate("intake_at"), "agreed_on"),
    ),
    Stage(
        "admitted",
        _("Admitted"),
        Q(probable_start_date__isnull=False)
        | Q(start_date__isnull=False)
        | Q(state=State.ADMITTED),
        None,
    ),
    Stage(
        "in_training",
        _("Started training"),
        Q(start_date__isnull=False),
        DaysBetween("start_date", TruncDate("intake_at")),
    ),
    Stage(
        "ended",
        _("Training ended"),
        Q(end_date__isnull=False),
        DaysBetween("end_date", "start_date"),
    ),
    Stage("positive_end", _("Positive end"), Q(end_result__in=POSITIVE_END_RESULTS), None),
)


def funnel(queryset: QuerySet, *, year: int | None, today: datetime.date | None = None) -> Table:
    """The referrals created in the year: per stage how many reached it, the share of the
    stage before, the median days it took, and how many are in that state now (overdue)."""
    cohort = queryset.filter(created_at__year=year) if year else queryset
    aggregates = {}
    # A stage is reached when it or any later one is: an imported trajectory may carry a
    # start without an intake date, and must not make a stage exceed the one before it.
    reached = None
    for stage in reversed(STAGES):
        reached = stage.reached if reached is None else stage.reached | reached
        aggregates[f"reached_{stage.code}"] = Count("pk", filter=reached)
        if stage.days is not None:
            aggregates[f"days_{stage.code}"] = Median(stage.days)
    totals = cohort.aggregate(**aggregates)
    now = {
        row["state"]: row
        for row in cohort.order_by()
        .values("state")
        .annotate(now=Count("pk"), overdue=Count("pk", filter=overdue_condition(today)))
    }
    rows = []
    previous = None
    for stage in STAGES:
        reached = totals[f"reached_{stage.code}"]
        days = totals.get(f"days_{stage.code}")
        in_state = now.get(stage.code, {})
        rows.append(
            Row(
                stage.code,
                stage.label,
                {
                    "reached": reached,
                    "conversion": None if previous is None else percentage(reached, previous),
                    "median_days": None if days is None else _whole_days(days),
                    "now": in_state.get("now", 0) if stage.code in State.values else None,
                    "overdue": in_state.get("overdue", 0) if stage.code in State.values else None,
                },
            )
        )
        previous = reached
    for state in (State.DECLINED, State.NOT_ADMITTED, State.WITHDRAWN, State.CLOSED):
        rows.append(
            Row(
                state.value,
                state.label,
                {
                    "reached": None,
                    "conversion": None,
                    "median_days": None,
                    "now": now.get(state.value, {}).get("now", 0),
                    "overdue": None,
                },
            )
        )
    return Table(
        slug="funnel",
        title=_("From information to a positive end"),
        group_label=_("Step"),
        columns=[
            Column("reached", _("Reached")),
            # A stage never reaches more than the one before, so a share is small-numbered
            # exactly when the stage's own count is.
            Column("conversion", _("Share of the step before"), kind="percent", of=("reached",)),
            Column(
                "median_days",
                _("Median days from the step before"),
                kind="days",
                of=("reached",),
            ),
            # The states now add up to the referrals informed, the first row's count.
            Column("now", _("In this state now"), adds_up=True),
            Column("overdue", _("Of which overdue")),
        ],
        rows=rows,
        note=_(
            "Referrals registered in the year. Days: candidacy from registration, agreement "
            "from candidacy, intake from agreement, start from intake, end from start."
        ),
    )


def _whole_days(days: float) -> int:
    """A median of 2.5 days shows as 3, rounded half up like the percentages (round() would
    give 2: it rounds halves to even)."""
    return int(Decimal(days).quantize(Decimal(1), ROUND_HALF_UP))
