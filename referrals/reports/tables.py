"""The OKOT tables of the parliamentary answer, each one GROUP BY query in the database.

Every table function takes a queryset already scoped to who is asking and filtered (see
`filtered`), the year and the breakdown, and returns a `Table` of plain values."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, F, FilteredRelation, Max, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ..enums import (
    POSITIVE_END_RESULTS,
    AtWork,
    CheckupMonths,
    EndResult,
    Gender,
    Obtained,
    OkotType,
    StopReason,
)
from ..models.followup import add_months
from .expressions import AGE_BANDS, UNKNOWN, age_band

CHECKUP_MONTHS = tuple(CheckupMonths.values)  # 3, 6, 9 and 12


EARLY_STOP_RESULTS = (EndResult.STOPPED_EARLY, EndResult.STOPPED_EMPLOYMENT)
EMPLOYMENT = EndResult.STOPPED_EMPLOYMENT.value  # its group code in the reason breakdown
# The total row's group code, in every table (its label says which total it is).
TOTAL = "total"


class NotDue:
    """A check-up whose date has not come for every trajectory of the row: "n.b."."""

    def __repr__(self) -> str:
        return "NOT_DUE"

    def __reduce__(self) -> str:
        # Out of the figures' cache (a pickle) as the one NOT_DUE, which `is` compares with.
        return "NOT_DUE"


NOT_DUE = NotDue()


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str = "count"  # count, percent or days
    # For small numbers (`small.suppress`): a count column whose cells add up to a figure
    # that shows (the total row), and the count columns a share or median is computed from.
    adds_up: bool = False
    of: tuple[str, ...] = ()


@dataclass
class Row:
    group: str  # the code in exports: PBA, 25-40, V, a stop reason, TOTAL
    label: str | Promise  # what people read
    values: dict
    is_total: bool = False


@dataclass
class Table:
    slug: str
    title: str | Promise
    group_label: str | Promise
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    note: str | Promise = ""
    by: str = ""  # the breakdown's slug, empty when the table has none
    small_cells: int = 0  # counts below this are hidden (`small.suppress`); 0: all exact
    # Count columns of a row that add up to another of its counts: (whole, parts), so that
    # `small.suppress` does not let a hidden part be worked out by subtraction.
    row_sums: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def cell_rows(self) -> list[tuple[Row, list]]:
        """Each row with its values in column order (what templates iterate)."""
        return [(row, [row.values.get(c.key) for c in self.columns]) for row in self.rows]


@dataclass(frozen=True)
class Breakdown:
    """One way to split a table: the grouping expression and the groups in their order."""

    label: str | Promise
    expression: Combinable
    groups: tuple[tuple[str, str | Promise], ...]


BREAKDOWNS = {
    "type": Breakdown(_("OKOT type"), F("training__okot_type"), tuple(OkotType.choices)),
    "gender": Breakdown(_("Gender"), F("client__gender"), tuple(Gender.choices)),
    "age": Breakdown(_("Age at start"), age_band(), tuple((code, code) for code, _u in AGE_BANDS)),
    "reason": Breakdown(
        _("Reason"),
        # An employment stop has no stop reason: the employment is the reason.
        Case(
            When(end_result=EndResult.STOPPED_EMPLOYMENT, then=Value(EMPLOYMENT)),
            default=F("stop_reason"),
        ),
        (*StopReason.choices, (EMPLOYMENT, EndResult.STOPPED_EMPLOYMENT.label)),
    ),
}
UNKNOWN_LABEL = _("unknown")


def filtered(queryset: QuerySet, *, ocmw=None, region: str = "", okot_type: str = "") -> QuerySet:
    """Narrow reportable referrals by the page's filters (year is per table)."""
    if ocmw is not None:
        queryset = queryset.filter(ocmw=ocmw)
    if region:
        queryset = queryset.filter(training__province=region)
    if okot_type:
        queryset = queryset.filter(training__okot_type=okot_type)
    return queryset


def _in_year(date_field: str, year: int | None) -> Q:
    return Q(**{f"{date_field}__year": year}) if year else Q(**{f"{date_field}__isnull": False})


def _grouped(queryset: QuerySet, breakdown: Breakdown, **aggregates) -> dict[str, dict]:
    rows = queryset.order_by().values(group=breakdown.expression).annotate(**aggregates)
    return {(row.pop("group") or UNKNOWN): row for row in rows}


def _grouped_each(queryset: QuerySet, bys: tuple[str, ...], **aggregates) -> dict[str, dict]:
    """`_grouped` for each breakdown in `bys`, from one query grouped by all of them and
    added up per breakdown here: one pass over the referrals instead of one per breakdown.
    Only for aggregates that add up over those groups, each referral being in one: counts
    of rows or of distinct referrals, and maxima."""
    for name, aggregate in aggregates.items():
        if not _adds_up(aggregate):
            raise TypeError(f"{name} does not add up over groups: {aggregate!r}")
    if len(bys) == 1:  # nothing to add up
        return {bys[0]: _grouped(queryset, BREAKDOWNS[bys[0]], **aggregates)}
    columns = {f"by_{by}": BREAKDOWNS[by].expression for by in bys}
    found = {by: {} for by in bys}
    for row in queryset.order_by().values(**columns).annotate(**aggregates):
        groups = {by: row.pop(f"by_{by}") or UNKNOWN for by in bys}
        for by, group in groups.items():
            known = found[by].get(group)
            found[by][group] = (
                dict(row)
                if known is None
                else {key: _added(aggregates[key], known[key], row[key]) for key in row}
            )
    return found


def _adds_up(aggregate) -> bool:
    """A count of rows, or of distinct referrals (each in one group), or a maximum."""
    if isinstance(aggregate, Max):
        return True
    if not isinstance(aggregate, Count):
        return False
    counted = aggregate.source_expressions[0]
    return not aggregate.distinct or getattr(counted, "name", "") in ("pk", "id")


def _added(aggregate, one, other):
    if isinstance(aggregate, Max):
        return max((value for value in (one, other) if value is not None), default=None)
    return one + other


def _rows(breakdown: Breakdown, found: dict[str, dict], empty: dict) -> list[Row]:
    """Every group of the breakdown in its order, zeros included; unknown last if any."""
    rows = [Row(code, label, found.get(code, dict(empty))) for code, label in breakdown.groups]
    if UNKNOWN in found:
        rows.append(Row(UNKNOWN, UNKNOWN_LABEL, found[UNKNOWN]))
    return rows


def _summed(rows: list[Row], keys: list[str]) -> dict:
    return {key: sum(row.values[key] for row in rows) for key in keys}


def starts(
    queryset: QuerySet, *, year: int | None, by: str = "type", persons: int | None = None
) -> Table:
    """Unique trainees who started in the year; the total counts each person once.

    `persons` is that total when the caller has it from another breakdown of the same
    starts, which saves its query."""
    breakdown = BREAKDOWNS[by]
    started = queryset.filter(_in_year("start_date", year))
    # A pseudonymised client's INSZ is a marker its person's other clients share
    # (`services.retention`): the count of persons stays what it was.
    unique = Count("client__insz", distinct=True)
    found = _grouped(started, breakdown, started=unique)
    total = started.aggregate(started=unique) if persons is None else {"started": persons}
    return Table(
        slug="starts",
        by=by,
        title=_("Started unique trainees"),
        group_label=breakdown.label,
        columns=[Column("started", _("Started"), adds_up=True)],
        rows=[
            *_rows(breakdown, found, {"started": 0}),
            Row(TOTAL, _("Total (unique persons)"), total, is_total=True),
        ],
        note=_("A person who started in two groups counts once in the total."),
    )


def early_stops(queryset: QuerySet, *, year: int | None, by: str = "reason") -> Table:
    """Trainings stopped before their end in the year (by their end date), with reasons:
    stopped early, or stopped because of employment (no diploma either way)."""
    return Table(
        slug="early-stops",
        by=by,
        title=_("Early stops"),
        group_label=BREAKDOWNS[by].label,
        columns=[Column("stopped", _("Stopped early"), adds_up=True)],
        rows=_ended_with(queryset, EARLY_STOP_RESULTS, year=year, by=by, key="stopped"),
        note=_(
            "By the end date. Stopping because of employment is a positive end; "
            "it is counted here and in the outflow."
        ),
    )


def diplomas(queryset: QuerySet, *, year: int | None, by: str = "type") -> Table:
    """Diplomas obtained in the year, by the day they were obtained: what was obtained is
    its own fact (a passed end may bring a certificate of part only); a certificate of part
    is no diploma."""
    return diplomas_each(queryset, year=year, bys=(by,))[0]


def diplomas_each(queryset: QuerySet, *, year: int | None, bys: tuple[str, ...]) -> list[Table]:
    """`diplomas` by each breakdown in `bys`, counted in one query."""
    obtained = queryset.filter(_in_year("obtained_on", year), obtained=Obtained.DIPLOMA)
    found = _grouped_each(obtained, bys, diplomas=Count("pk"))
    return [
        Table(
            slug="diplomas",
            by=by,
            title=_("Diplomas obtained"),
            group_label=BREAKDOWNS[by].label,
            columns=[Column("diplomas", _("Diplomas"), adds_up=True)],
            rows=_with_total(_rows(BREAKDOWNS[by], found[by], {"diplomas": 0}), "diplomas"),
        )
        for by in bys
    ]


def _ended_with(queryset: QuerySet, results, *, year: int | None, by: str, key: str) -> list[Row]:
    """Trainings that ended in the year with one of `results`, counted per group, and a total."""
    ended = queryset.filter(_in_year("end_date", year), end_result__in=results)
    return _counted(ended, by=by, key=key)


def _counted(queryset: QuerySet, *, by: str, key: str) -> list[Row]:
    """The rows of `queryset` counted per group of breakdown `by`, and a total."""
    breakdown = BREAKDOWNS[by]
    rows = _rows(breakdown, _grouped(queryset, breakdown, **{key: Count("pk")}), {key: 0})
    return _with_total(rows, key)


def _with_total(rows: list[Row], key: str) -> list[Row]:
    return [*rows, Row(TOTAL, _("Total"), _summed(rows, [key]), is_total=True)]


def outflow(
    queryset: QuerySet,
    *,
    year: int | None,
    by: str = "type",
    today: datetime.date | None = None,
) -> Table:
    """Positive ends in the year and how many were at work 3, 6, 9 and 12 months later.

    A check-up counts for a row only once its date has passed for every trajectory in it;
    before that the row shows "n.b." (not yet known), as in the ministry's tables."""
    return outflow_each(queryset, year=year, bys=(by,), today=today)[0]


def outflow_each(
    queryset: QuerySet,
    *,
    year: int | None,
    bys: tuple[str, ...],
    today: datetime.date | None = None,
) -> list[Table]:
    """`outflow` by each breakdown in `bys`, counted in one query."""
    ended = queryset.filter(_in_year("end_date", year), end_result__in=POSITIVE_END_RESULTS)
    return outflow_of(ended, bys=bys, today=today or timezone.localdate())


def outflow_of(ended: QuerySet, *, bys: tuple[str, ...], today: datetime.date) -> list[Table]:
    """The outflow tables, by each breakdown in `bys`, of the positive ends in `ended`,
    however they were chosen: by the year of the end (`outflow`) or by the year of the start
    (`cohort.cohort_outflow`)."""
    # One LEFT JOIN to the check-ups at work (at most one per months): a referral comes back
    # once per such check-up, so `closed` counts distinct referrals.
    ended = ended.annotate(
        at_work=FilteredRelation("outcomes", condition=Q(outcomes__at_work=AtWork.YES))
    )
    at_work = {f"work_{m}m": Count("pk", filter=Q(at_work__months=m)) for m in CHECKUP_MONTHS}
    found = _grouped_each(
        ended,
        bys,
        closed=Count("pk", distinct=True),
        last_end=Max("end_date"),
        **at_work,
    )
    empty = {"closed": 0, "last_end": None, **dict.fromkeys(at_work, 0)}
    return [
        _outflow_table(by, _rows(BREAKDOWNS[by], found[by], empty), ["closed", *at_work], today)
        for by in bys
    ]


def _outflow_table(by: str, rows: list[Row], counts: list[str], today: datetime.date) -> Table:
    ends = [row.values["last_end"] for row in rows if row.values["last_end"]]
    total = {**_summed(rows, counts), "last_end": max(ends) if ends else None}
    rows.append(Row(TOTAL, _("Grand total"), total, is_total=True))
    for row in rows:
        row.values = _with_percentages(row.values, today)
    columns = [Column("closed", _("Trajectories with a positive end"), adds_up=True)]
    for m in CHECKUP_MONTHS:
        columns += [
            Column(f"work_{m}m", _("At work after %(m)d months") % {"m": m}, adds_up=True),
            Column(
                f"pct_{m}m",
                _("%% after %(m)d months") % {"m": m},
                kind="percent",
                of=(f"work_{m}m", "closed"),
            ),
        ]
    return Table(
        slug="outflow",
        by=by,
        title=_("Outflow to work after a positive end"),
        group_label=BREAKDOWNS[by].label,
        columns=columns,
        rows=rows,
        note=_(
            "Positive end: passed, or stopped because of employment; by the end date. "
            "n.b.: the check-up is not yet due for every trajectory in the row."
        ),
    )


def _with_percentages(values: dict, today: datetime.date) -> dict:
    last_end = values["last_end"]
    closed = values["closed"]
    result = {"closed": closed}
    for m in CHECKUP_MONTHS:
        work = values[f"work_{m}m"]
        if last_end and add_months(last_end, m) > today:
            result[f"work_{m}m"] = result[f"pct_{m}m"] = NOT_DUE
        else:
            result[f"work_{m}m"] = work
            result[f"pct_{m}m"] = percentage(work, closed)
    return result


def percentage(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


TABLES = {
    "starts": starts,
    "early-stops": early_stops,
    "diplomas": diplomas,
    "outflow": outflow,
}
# The breakdowns each table has, its default first.
TABLE_BREAKDOWNS = {
    "starts": ("type", "gender", "age"),
    "early-stops": ("reason", "type", "gender", "age"),
    "diplomas": ("type", "gender", "age"),
    "outflow": ("type", "gender", "age"),
}
