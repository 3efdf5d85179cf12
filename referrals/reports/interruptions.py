"""The interruptions of the year: how many, of how many trainees, why, and how many days
the trainings were interrupted. One GROUP BY query, and one for the unique trainees."""

import datetime

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import InterruptionReason
from ..models import Interruption
from .tables import TOTAL, UNKNOWN, UNKNOWN_LABEL, Column, Row, Table

BREAKDOWN_LABEL = _("Reason")


def interruptions(
    queryset: QuerySet,
    *,
    year: int | None,
    by: str = "reason",
    today: datetime.date | None = None,
) -> Table:
    """The interruptions of the referrals of `queryset` that fall (partly) in the year, by
    reason: their number, the trainees interrupted (unique persons in the total) and the
    days interrupted within the year (a running one up to today, both ends counted)."""
    today = today or timezone.localdate()
    rows = Interruption.objects.filter(referral__in=queryset, from_date__lte=today)
    first, last = F("from_date"), Coalesce(F("to_date"), Value(today))
    if year:
        january, december = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        rows = rows.filter(
            Q(to_date__isnull=True) | Q(to_date__gte=january), from_date__lte=december
        )
        first, last = Greatest(F("from_date"), Value(january)), Least(last, Value(december))
    # The days between first and last, summed; each interruption adds its first day.
    span = Sum(ExpressionWrapper(last - first, output_field=DurationField()))
    aggregates = {
        "interruptions": Count("pk"),
        "trainees": Count("referral__client__insz", distinct=True),
        "span": span,
    }
    found = {
        row.pop("reason") or UNKNOWN: row
        for row in rows.order_by().values("reason").annotate(**aggregates)
    }
    total = rows.aggregate(**aggregates)
    empty = {"interruptions": 0, "trainees": 0, "span": None}
    table_rows = [
        Row(code, label, _values(found.get(code, empty)))
        for code, label in InterruptionReason.choices
    ]
    if UNKNOWN in found:
        table_rows.append(Row(UNKNOWN, UNKNOWN_LABEL, _values(found[UNKNOWN])))
    table_rows.append(Row(TOTAL, _("Total"), _values(total), is_total=True))
    return Table(
        slug="interruptions",
        by="",
        title=_("Interruptions"),
        group_label=BREAKDOWN_LABEL,
        columns=[
            Column("interruptions", _("Interruptions"), adds_up=True),
            Column("trainees", _("Trainees interrupted"), adds_up=True),
            Column("days", _("Days interrupted"), kind="days", of=("interruptions",)),
        ],
        rows=table_rows,
        note=_(
            "Interruptions that fall in the year, wholly or partly; their days within the "
            "year, one still going on up to today. A trainee interrupted for two reasons "
            "counts once in the total."
        ),
    )


def _values(row: dict) -> dict:
    count, span = row["interruptions"], row["span"]
    days = (span.days if span is not None else 0) + count if count else 0
    return {"interruptions": count, "trainees": row["trainees"], "days": days}
