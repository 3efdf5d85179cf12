"""The tables of the reports page and of its XLSX download, in the order people read them."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .cohort import (
    COHORT_BREAKDOWNS,
    COHORT_TABLES,
    STILL_CHANGING,
    cohort_early_stops,
    cohort_outflow_each,
    status_each,
    trend,
)
from .funnel import funnel
from .interruptions import interruptions
from .small import suppress
from .tables import (
    TABLE_BREAKDOWNS,
    TABLES,
    Table,
    diplomas_each,
    early_stops,
    outflow_each,
    starts,
)


@dataclass
class Section:
    slug: str
    heading: str | Promise
    question: str | Promise  # what a policy maker asks, in their words
    tables: list[Table]
    note: str | Promise = ""  # beside the figures, e.g. that a cohort's keep changing


def sections(
    queryset: QuerySet, *, year: int | None, today: datetime.date, small_cells: int = 0
) -> list[Section]:
    """The page's sections; counts below `small_cells` hidden (`small.suppress`)."""
    by_type = starts(queryset, year=year, by="type")
    persons = by_type.rows[-1].values["started"]
    page = [
        Section(
            "funnel",
            _("Where referrals get stuck"),
            _("How far did the referrals of the year get, and how long did each step take?"),
            [funnel(queryset, year=year, today=today)],
        ),
        Section(
            "starts",
            _("Started trainees"),
            _("How many people started an OKOT, by type, gender and age?"),
            [
                by_type,
                *(starts(queryset, year=year, by=by, persons=persons) for by in ("gender", "age")),
            ],
        ),
        Section(
            "early-stops",
            _("Early stops"),
            _("How many stopped before the end, and why?"),
            [early_stops(queryset, year=year, by="reason")],
        ),
        Section(
            "interruptions",
            _("Interruptions"),
            _("How often were trainings interrupted, why, and for how many days?"),
            [interruptions(queryset, year=year, today=today)],
        ),
        Section(
            "diplomas",
            _("Diplomas"),
            _("How many obtained their diploma, by type, gender and age?"),
            diplomas_each(queryset, year=year, bys=("type", "gender", "age")),
        ),
        Section(
            "outflow",
            _("Outflow to work"),
            _("How many were at work 3, 6, 9 and 12 months after a positive end?"),
            outflow_each(queryset, year=year, bys=("type", "age", "gender"), today=today),
        ),
    ]
    for section in page:
        section.tables = [suppress(table, small_cells) for table in section.tables]
    return page


def cohort_sections(
    queryset: QuerySet,
    *,
    year: int | None,
    today: datetime.date,
    small_cells: int = 0,
    trend_table: Callable[[], Table] | None = None,
) -> list[Section]:
    """The page's sections by start cohort (`cohort`): who started in the year, where they
    are now, why they stopped, their outflow, and the start years side by side (the same
    for every year: `trend_table()` when given, as `figures` keeps it once for them all)."""
    by_type = starts(queryset, year=year, by="type")
    persons = by_type.rows[-1].values["started"]
    where_now = status_each(queryset, year=year, bys=("type", "gender", "age"))
    # Said beside the figures while a member of the cohort is still in training.
    changing = STILL_CHANGING if where_now[0].rows[-1].values["in_training"] else ""
    page = [
        Section(
            "starts",
            _("Started trainees"),
            _("How many people started an OKOT, by type, gender and age?"),
            [
                by_type,
                *(starts(queryset, year=year, by=by, persons=persons) for by in ("gender", "age")),
            ],
        ),
        Section(
            "status",
            _("Where they are now"),
            _(
                "Of the people who started, how many are still in training, obtained their "
                "diploma, stopped early or ended otherwise?"
            ),
            where_now,
            changing,
        ),
        Section(
            "early-stops",
            _("Early stops"),
            _("Of the people who started, how many stopped before the end, and why?"),
            [cohort_early_stops(queryset, year=year, by="reason")],
            changing,
        ),
        Section(
            "outflow",
            _("Outflow to work"),
            _(
                "Of the people who started, how many were at work 3, 6, 9 and 12 months "
                "after a positive end?"
            ),
            cohort_outflow_each(queryset, year=year, bys=("type", "age", "gender"), today=today),
            changing,
        ),
        Section(
            "trend",
            _("Start years side by side"),
            _("How do the start cohorts compare: starts, early stops, diplomas, work?"),
            [trend_table() if trend_table else trend(queryset, today=today)],
        ),
    ]
    for section in page:
        section.tables = [suppress(table, small_cells) for table in section.tables]
    return page


def report_table(
    name: str,
    queryset: QuerySet,
    *,
    year: int | None,
    by: str = "",
    small_cells: int = 0,
    cohort: bool = False,
) -> Table:
    """One table by its name, as a download or `okot_report` asks for it: the funnel, or a
    table by one of its breakdowns (its default when `by` is empty), counts below
    `small_cells` hidden as on the page; `cohort`: the table by start cohort, or the trend
    (`cohort.COHORT_TABLES`). KeyError when there is no such table or breakdown."""
    if cohort:
        return suppress(_cohort_table(name, queryset, year=year, by=by), small_cells)
    if name == "funnel":
        return suppress(funnel(queryset, year=year), small_cells)
    if name == "interruptions":  # by reason only
        if by and by != "reason":
            raise KeyError(by)
        return suppress(interruptions(queryset, year=year), small_cells)
    if by and by not in TABLE_BREAKDOWNS[name]:
        raise KeyError(by)
    table = TABLES[name](queryset, year=year, by=by or TABLE_BREAKDOWNS[name][0])
    return suppress(table, small_cells)


def _cohort_table(name: str, queryset: QuerySet, *, year: int | None, by: str) -> Table:
    if name == "trend":
        if by:
            raise KeyError(by)
        return trend(queryset)
    if by and by not in COHORT_BREAKDOWNS[name]:
        raise KeyError(by)
    return COHORT_TABLES[name](queryset, year=year, by=by or COHORT_BREAKDOWNS[name][0])
