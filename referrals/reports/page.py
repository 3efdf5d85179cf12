"""The tables of the reports page and of its XLSX download, in the order people read them."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .funnel import funnel
from .interruptions import interruptions
from .small import suppress
from .tables import TABLE_BREAKDOWNS, TABLES, Table, diplomas, early_stops, outflow, starts


@dataclass
class Section:
    slug: str
    heading: str | Promise
    question: str | Promise  # what a policy maker asks, in their words
    tables: list[Table]


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
            [diplomas(queryset, year=year, by=by) for by in ("type", "gender", "age")],
        ),
        Section(
            "outflow",
            _("Outflow to work"),
            _("How many were at work 3, 6, 9 and 12 months after a positive end?"),
            [outflow(queryset, year=year, by=by, today=today) for by in ("type", "age", "gender")],
        ),
    ]
    for section in page:
        section.tables = [suppress(table, small_cells) for table in section.tables]
    return page


def report_table(
    name: str, queryset: QuerySet, *, year: int | None, by: str = "", small_cells: int = 0
) -> Table:
    """One table by its name, as a download or `okot_report` asks for it: the funnel, or a
    table by one of its breakdowns (its default when `by` is empty), counts below
    `small_cells` hidden as on the page. KeyError when there is no such table or
    breakdown."""
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
