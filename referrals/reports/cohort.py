"""The tables by start cohort: everyone who started in year Y, followed to where they are
now (DOMAIN.md, "Two ways to count a year").

`tables` counts a year by the date of the event (a stop, a diploma, an end); the
parliamentary question asks about the people *in* the trajectories of a year: of those who
started in Y, how many are still in training, obtained their diploma, stopped early (why)
or ended otherwise, and how many of the positive ends among them were at work later on.
Each trajectory of a cohort counts once, in the one place it is now, so the counts of a row
add up to its trajectories started (`Table.row_sums`)."""

import calendar
import dataclasses
import datetime

from django.db.models import Count, FilteredRelation, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import POSITIVE_END_RESULTS, AtWork, Obtained
from .tables import (
    BREAKDOWNS,
    EARLY_STOP_RESULTS,
    TABLE_BREAKDOWNS,
    TOTAL,
    Column,
    Row,
    Table,
    _grouped,
    _grouped_each,
    _in_year,
    _rows,
    _summed,
    outflow_of,
    percentage,
    starts,
)

# Where a member of a cohort is now; each trajectory is in exactly one of these. An
# interruption pauses a trajectory without ending it: still in training.
IN_TRAINING = Q(end_result="")
DIPLOMA = ~Q(end_result="") & Q(obtained=Obtained.DIPLOMA)
STOPPED = Q(end_result__in=EARLY_STOP_RESULTS) & ~Q(obtained=Obtained.DIPLOMA)
OTHERWISE = (
    ~Q(end_result="") & ~Q(obtained=Obtained.DIPLOMA) & ~Q(end_result__in=EARLY_STOP_RESULTS)
)
WHERE_NOW = {
    "in_training": IN_TRAINING,
    "diplomas": DIPLOMA,
    "stopped": STOPPED,
    "otherwise": OTHERWISE,
}
# The 12-month check-up, the trend's measure of outflow.
TREND_MONTHS = 12

STILL_CHANGING = _("These figures keep changing until the last member has ended.")


def _cohort(queryset: QuerySet, year: int | None) -> QuerySet:
    """The trajectories that started in `year` (every start year when None)."""
    return queryset.filter(_in_year("start_date", year))


def _with_rates(values: dict) -> dict:
    return {
        **values,
        "pct_diplomas": percentage(values["diplomas"], values["started"]),
        "pct_stopped": percentage(values["stopped"], values["started"]),
    }


def _where_now_columns() -> list[Column]:
    return [
        Column("started", _("Trajectories started"), adds_up=True),
        Column("in_training", _("Still in training"), adds_up=True),
        Column("diplomas", _("Diploma obtained"), adds_up=True),
        Column("pct_diplomas", _("Share with diploma"), kind="percent", of=("diplomas", "started")),
        Column("stopped", _("Stopped early"), adds_up=True),
        Column("pct_stopped", _("Share stopped early"), kind="percent", of=("stopped", "started")),
        Column("otherwise", _("Ended otherwise"), adds_up=True),
    ]


ROW_SUMS = (("started", tuple(WHERE_NOW)),)


def status(queryset: QuerySet, *, year: int | None, by: str = "type") -> Table:
    """Of the trajectories started in the year, where each one is now."""
    return status_each(queryset, year=year, bys=(by,))[0]


def status_each(queryset: QuerySet, *, year: int | None, bys: tuple[str, ...]) -> list[Table]:
    """`status` by each breakdown in `bys`, counted in one query."""
    counts = {"started": Count("pk")}
    counts |= {key: Count("pk", filter=where) for key, where in WHERE_NOW.items()}
    found = _grouped_each(_cohort(queryset, year), bys, **counts)
    tables = []
    for by in bys:
        rows = _rows(BREAKDOWNS[by], found[by], dict.fromkeys(counts, 0))
        rows.append(Row(TOTAL, _("Total"), _summed(rows, list(counts)), is_total=True))
        for row in rows:
            row.values = _with_rates(row.values)
        tables.append(
            Table(
                slug="status",
                by=by,
                title=_("Where the trajectories started in the year are now"),
                group_label=BREAKDOWNS[by].label,
                columns=_where_now_columns(),
                rows=rows,
                note=_(
                    "By the start date; each trajectory counts once, where it is now. Stopped "
                    "early includes stopping because of employment; ended otherwise: not "
                    "passed, or passed without the full diploma."
                ),
                row_sums=ROW_SUMS,
            )
        )
    return tables


def cohort_early_stops(queryset: QuerySet, *, year: int | None, by: str = "reason") -> Table:
    """The trajectories started in the year that stopped before their end, with reasons."""
    breakdown = BREAKDOWNS[by]
    stopped = _cohort(queryset, year).filter(STOPPED)
    rows = _rows(breakdown, _grouped(stopped, breakdown, stopped=Count("pk")), {"stopped": 0})
    return Table(
        slug="early-stops",
        by=by,
        title=_("Early stops of the trajectories started in the year"),
        group_label=breakdown.label,
        columns=[Column("stopped", _("Stopped early"), adds_up=True)],
        rows=[*rows, Row(TOTAL, _("Total"), _summed(rows, ["stopped"]), is_total=True)],
        note=_(
            "By the start date, whenever they stopped. Stopping because of employment is a "
            "positive end; it is counted here and in the outflow."
        ),
    )


def cohort_diplomas(queryset: QuerySet, *, year: int | None, by: str = "type") -> Table:
    """The trajectories started in the year that obtained the diploma, whenever."""
    breakdown = BREAKDOWNS[by]
    obtained = _cohort(queryset, year).filter(DIPLOMA)
    found = _grouped(obtained, breakdown, diplomas=Count("pk"))
    rows = _rows(breakdown, found, {"diplomas": 0})
    return Table(
        slug="diplomas",
        by=by,
        title=_("Diplomas of the trajectories started in the year"),
        group_label=breakdown.label,
        columns=[Column("diplomas", _("Diplomas"), adds_up=True)],
        rows=[*rows, Row(TOTAL, _("Total"), _summed(rows, ["diplomas"]), is_total=True)],
        note=_("By the start date, whenever the diploma was obtained."),
    )


def cohort_outflow(
    queryset: QuerySet,
    *,
    year: int | None,
    by: str = "type",
    today: datetime.date | None = None,
) -> Table:
    """The positive ends among the trajectories started in the year, and how many were at
    work 3, 6, 9 and 12 months later (as `tables.outflow`, chosen by the start)."""
    return cohort_outflow_each(queryset, year=year, bys=(by,), today=today)[0]


def cohort_outflow_each(
    queryset: QuerySet,
    *,
    year: int | None,
    bys: tuple[str, ...],
    today: datetime.date | None = None,
) -> list[Table]:
    """`cohort_outflow` by each breakdown in `bys`, counted in one query."""
    ended = _cohort(queryset, year).filter(end_result__in=POSITIVE_END_RESULTS)
    return [
        dataclasses.replace(
            table,
            title=_(
                "Outflow to work after a positive end, of the trajectories started in the year"
            ),
            note=_(
                "Positive end: passed, or stopped because of employment; by the start date, "
                "whenever they ended. n.b.: the check-up is not yet due for every trajectory "
                "in the row."
            ),
        )
        for table in outflow_of(ended, bys=bys, today=today or timezone.localdate())
    ]


def last_end_due(today: datetime.date, months: int) -> datetime.date:
    """The last end date whose check-up `months` on is due by `today`, as `add_months`
    counts (the 12-month check-up of an end on 29 February is due on 28 February)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    length = calendar.monthrange(year, month + 1)[1]
    at_month_end = today.day == calendar.monthrange(today.year, today.month)[1]
    return datetime.date(year, month + 1, length if at_month_end else min(today.day, length))


def trend(queryset: QuerySet, *, today: datetime.date | None = None) -> Table:
    """Per start year side by side: trajectories and persons started, where they are now,
    and the share at work 12 months after a positive end among those whose check-up is due."""
    today = today or timezone.localdate()
    due = Q(end_result__in=POSITIVE_END_RESULTS, end_date__lte=last_end_due(today, TREND_MONTHS))
    started = _cohort(queryset, None).annotate(
        at_work=FilteredRelation(
            "outcomes",
            condition=Q(outcomes__at_work=AtWork.YES, outcomes__months=TREND_MONTHS),
        )
    )
    # The join finds at most one check-up per referral (one per months), so no row counts twice.
    counts = {
        "started": Count("pk"),
        "persons": Count("client__insz", distinct=True),
        **{key: Count("pk", filter=where) for key, where in WHERE_NOW.items()},
        "due": Count("pk", filter=due),
        "at_work": Count("pk", filter=due & Q(at_work__isnull=False)),
    }
    found = {
        row.pop("year"): row
        for row in started.order_by().values(year=ExtractYear("start_date")).annotate(**counts)
    }
    empty = dict.fromkeys(counts, 0)
    years = range(min(found), max(found) + 1) if found else ()
    rows = [Row(str(year), str(year), found.get(year, dict(empty))) for year in years]
    # Every count adds up over the years but persons: a person who started in two years
    # counts once, in a query of its own without the check-ups.
    total = _summed(rows, [key for key in counts if key != "persons"])
    total |= _cohort(queryset, None).aggregate(persons=counts["persons"])
    rows.append(Row(TOTAL, _("All start years"), total, is_total=True))
    for row in rows:
        row.values = {
            **_with_rates(row.values),
            "pct_at_work": percentage(row.values["at_work"], row.values["due"]),
        }
    started_column, *where_now_columns = _where_now_columns()
    return Table(
        slug="trend",
        title=_("Start cohorts side by side"),
        group_label=_("Start year"),
        columns=[
            started_column,
            Column("persons", _("Persons started")),
            *where_now_columns,
            Column("due", _("Positive ends, 12-month check-up due"), adds_up=True),
            Column("at_work", _("At work after 12 months"), adds_up=True),
            Column(
                "pct_at_work",
                _("Share at work after 12 months"),
                kind="percent",
                of=("at_work", "due"),
            ),
        ],
        rows=rows,
        note=_(
            "Per start year. A person who started twice in a year counts once in persons "
            "started, and once in the total of all start years. At work: among the "
            "positive ends whose 12-month check-up is due. A year with members still in "
            "training keeps changing until the last member has ended."
        ),
        row_sums=ROW_SUMS,
    )


COHORT_TABLES = {
    "starts": starts,  # already by the start date
    "status": status,
    "early-stops": cohort_early_stops,
    "diplomas": cohort_diplomas,
    "outflow": cohort_outflow,
}
COHORT_BREAKDOWNS = {**TABLE_BREAKDOWNS, "status": ("type", "gender", "age")}
