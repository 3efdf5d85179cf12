"""The cases of `bench_report`: each report table, the bare SQL it needs, and the timing.

A case is one table by one grouping for one filter: the ORM call of `referrals.reports`, the
hand-written GROUP BY that gives the same figures, and how to compare the two."""

import datetime
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation
from referrals.models import Referral
from referrals.models.followup import add_months
from referrals.reports import funnel, tables
from referrals.workdays import working_days_ago


@dataclass
class Case:
    table: str
    by: str
    where: str  # what the line says about the filter
    orm: Callable[[], Any]
    bare: Callable[[Any], list[list[tuple]]]  # cursor -> the rows of each statement
    same: Callable[[Any, list[list[tuple]]], str]  # (table, rows) -> "" or what differs


@dataclass
class Measured:
    queries: int  # of the ORM table
    orm_ms: float  # medians
    bare_ms: float
    mismatch: str  # "" or what differs
    plans: list[tuple[str, list[str]]] = field(default_factory=list)  # (sql, EXPLAIN lines)

    @property
    def ratio(self) -> float:
        return self.orm_ms / self.bare_ms


def measure(case: Case, repeat: int, explain: bool) -> Measured:
    """Time the case's table and its bare SQL `repeat` times each, after a warm-up."""
    with CaptureQueriesContext(connection) as captured:
        table = case.orm()  # the warm-up, counted
    with connection.cursor() as cursor:
        rows = case.bare(cursor)
    mismatch = case.same(table, rows)
    orm_times, bare_times = [], []
    for _run in range(repeat):  # interleaved, so a busy moment hits both sides
        started = time.perf_counter()
        case.orm()
        orm_times.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            started = time.perf_counter()
            case.bare(cursor)
            bare_times.append(time.perf_counter() - started)
    measured = Measured(
        queries=len(captured),
        orm_ms=statistics.median(orm_times) * 1000,
        bare_ms=statistics.median(bare_times) * 1000,
        mismatch=mismatch,
    )
    if explain:
        with connection.cursor() as cursor:
            for query in captured:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                measured.plans.append((query["sql"], [line for (line,) in cursor.fetchall()]))
    return measured


def report_cases(year: int, ocmw: Organisation | None, *, today: datetime.date) -> list[Case]:
    """Every table of the reports page by every grouping, on an administrator's scope,
    optionally filtered to one OCMW."""
    scope = Referral.objects.all()  # an administrator's
    queryset = tables.filtered(scope, ocmw=ocmw) if ocmw else scope
    where = f"{year}, OCMW" if ocmw else f"{year}"
    bare = BareSql(year, ocmw.pk if ocmw else None, today)
    cases = []
    for slug, bys in [
        ("starts", ["type", "gender", "age"]),
        ("early-stops", ["reason", "type", "gender", "age"]),
        ("diplomas", ["type", "gender", "age"]),
        ("outflow", ["type", "gender", "age"]),
    ]:
        extra = {"today": today} if slug == "outflow" else {}
        for by in bys:
            cases.append(
                Case(
                    slug,
                    by,
                    where,
                    orm=lambda f=tables.TABLES[slug], by=by, extra=extra: f(
                        queryset, year=year, by=by, **extra
                    ),
                    bare=lambda cursor, slug=slug, by=by: bare.run(cursor, slug, by),
                    same=lambda table, rows, slug=slug: bare.compare(slug, table, rows),
                )
            )
    cases.append(
        Case(
            "funnel",
            "-",
            where,
            orm=lambda: funnel.funnel(queryset, year=year, today=today),
            bare=lambda cursor: bare.run(cursor, "funnel", "-"),
            same=lambda table, rows: bare.compare("funnel", table, rows),
        )
    )
    return cases


# --- the bare SQL ---------------------------------------------------------------------------

GROUPS = {
    "type": "t.okot_type",
    "gender": "COALESCE(NULLIF(c.gender, ''), '?')",
    "age": (
        "CASE WHEN a.years IS NULL THEN '?' "
        "WHEN a.years < 25 THEN '-25' WHEN a.years < 40 THEN '25-40' "
        "WHEN a.years < 55 THEN '40-55' ELSE '55+' END"
    ),
    "reason": (
        "CASE WHEN r.end_result = 'stopped_employment' THEN 'stopped_employment' "
        "ELSE COALESCE(NULLIF(r.stop_reason, ''), '?') END"
    ),
}
LOCAL_DAY = "(r.{} AT TIME ZONE %(tz)s)::date"
FUNNEL = {  # stage: (reached, days from the step before)
    "informed": ("TRUE", None),
    "candidate": (
        "r.applied_on IS NOT NULL OR r.agreed_on IS NOT NULL "
        "OR r.state IN ('candidate', 'declined')",
        "r.applied_on - " + LOCAL_DAY.format("created_at"),
    ),
    "agreed": ("r.agreed_on IS NOT NULL", "r.agreed_on - r.applied_on"),
    "intake_planned": ("r.intake_at IS NOT NULL", LOCAL_DAY.format("intake_at") + " - r.agreed_on"),
    "admitted": (
        "r.probable_start_date IS NOT NULL OR r.start_date IS NOT NULL OR r.state = 'admitted'",
        None,
    ),
    "in_training": ("r.start_date IS NOT NULL", "r.start_date - " + LOCAL_DAY.format("intake_at")),
    "ended": ("r.end_date IS NOT NULL", "r.end_date - r.start_date"),
    "positive_end": ("r.end_result IN ('passed', 'stopped_employment')", None),
}
OVERDUE = (
    "(r.state = 'candidate' AND r.state_changed_at < %(agree_cut)s) "
    "OR (r.state = 'agreed' AND r.state_changed_at < %(intake_cut)s) "
    "OR (r.state = 'admitted' AND r.probable_start_date < %(start_cut)s) "
    "OR (r.state = 'intake_planned' AND r.intake_at < %(intake_due)s) "
    "OR (r.state IN ('agreed', 'intake_planned', 'admitted') AND r.handover_at IS NULL "
    "AND r.agreed_on <= %(handover_cut)s)"
)


class BareSql:
    """Each table's figures as a DBA would ask PostgreSQL for them: one GROUP BY with
    conditional aggregates straight on the tables, joining only what the filter needs."""

    def __init__(self, year: int, ocmw_id: int | None, today: datetime.date):
        zone = ZoneInfo(settings.TIME_ZONE)
        self.ocmw_id = ocmw_id
        self.today = today
        self.params = {
            "first": datetime.date(year, 1, 1),
            "next": datetime.date(year + 1, 1, 1),
            "first_at": datetime.datetime(year, 1, 1, tzinfo=zone),
            "next_at": datetime.datetime(year + 1, 1, 1, tzinfo=zone),
            "ocmw": ocmw_id,
            "tz": settings.TIME_ZONE,
        }

    def _from(self, by: str, client: bool = False) -> str:
        sql = "FROM referrals_referral r"
        if client or self.ocmw_id or by in ("gender", "age"):
            sql += " JOIN referrals_client c ON c.id = r.client_id"
        if by == "type":
            sql += " JOIN referrals_training t ON t.id = r.training_id"
        if by == "age":
            sql += (
                " CROSS JOIN LATERAL"
                " (SELECT COALESCE(r.age_at_start,"
                " date_part('year', age(r.start_date, c.birth_date))) AS years) a"
            )
        return sql

    def _where(self, column: str, condition: str = "") -> str:
        sql = f"WHERE r.{column} >= %(first)s AND r.{column} < %(next)s"
        if column == "created_at":
            sql = "WHERE r.created_at >= %(first_at)s AND r.created_at < %(next_at)s"
        if self.ocmw_id:
            sql += " AND c.ocmw_id = %(ocmw)s"
        return f"{sql} AND {condition}" if condition else sql

    def sql(self, table: str, by: str) -> list[str]:
        if table == "starts":
            return [
                f"SELECT GROUPING(grp) = 1, grp, count(DISTINCT insz) FROM "  # noqa: S608
                f"(SELECT {GROUPS[by]} AS grp, c.insz {self._from(by, client=True)} "
                f"{self._where('start_date')}) s GROUP BY ROLLUP (grp)"
            ]
        if table in ("early-stops", "diplomas"):
            column, result = "obtained_on", "r.obtained = 'diploma'"
            if table == "early-stops":
                column = "end_date"
                result = "r.end_result IN ('stopped_early', 'stopped_employment')"
            return [
                f"SELECT {GROUPS[by]}, count(*) {self._from(by)} "
                f"{self._where(column, result)} GROUP BY 1"
            ]
        if table == "outflow":
            work = ", ".join(
                f"count(o.id) FILTER (WHERE o.months = {m})" for m in tables.CHECKUP_MONTHS
            )
            positive = "r.end_result IN ('passed', 'stopped_employment')"
            return [
                f"SELECT {GROUPS[by]}, count(DISTINCT r.id), max(r.end_date), {work} "
                f"{self._from(by)} LEFT JOIN referrals_outcomecheck o "
                "ON o.referral_id = r.id AND o.at_work = 'yes' "
                f"{self._where('end_date', positive)} GROUP BY 1"
            ]
        aggregates = []
        for reached, days in FUNNEL.values():
            aggregates.append(f"count(*) FILTER (WHERE {reached})")
            if days:
                aggregates.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {days})")
        return [
            f"SELECT {', '.join(aggregates)} {self._from(by)} {self._where('created_at')}",
            f"SELECT r.state, count(*), count(*) FILTER (WHERE {OVERDUE}) "
            f"{self._from(by)} {self._where('created_at')} GROUP BY r.state",
        ]

    def run(self, cursor, table: str, by: str) -> list[list[tuple]]:
        now = timezone.now()
        params = {
            **self.params,
            "agree_cut": now - datetime.timedelta(days=settings.OKOT_AGREE_OVERDUE_DAYS),
            "intake_cut": now - datetime.timedelta(days=settings.OKOT_INTAKE_OVERDUE_DAYS),
            "start_cut": self.today - datetime.timedelta(days=settings.OKOT_START_OVERDUE_DAYS),
            "intake_due": now - datetime.timedelta(days=1),
            "handover_cut": working_days_ago(
                self.today, settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS
            ),
        }
        results = []
        for sql in self.sql(table, by):
            cursor.execute(sql, params)
            results.append(cursor.fetchall())
        return results

    # --- the same figures? ----------------------------------------------------------------

    def compare(self, table: str, result: tables.Table, fetched: list[list[tuple]]) -> str:
        if table == "funnel":
            stages = [stage.code for stage in funnel.STAGES]
            if stages != list(FUNNEL):
                return f"the funnel's stages are now {stages}; update FUNNEL here"
            orm, bare = self._funnel(result, fetched)
        elif table == "outflow":
            orm = {
                row.group: tuple(row.values[k] for k in ("closed", *_work_keys()))
                for row in result.rows
                if not row.is_total and row.values["closed"]
            }
            bare = {
                group: (closed, *self._due(last_end, work))
                for group, closed, last_end, *work in fetched[0]
            }
        elif table == "starts":
            orm = {row.group: row.values["started"] for row in result.rows}
            bare = {(tables.TOTAL if total else group): n for total, group, n in fetched[0]}
        else:
            key = result.columns[0].key
            orm = {row.group: row.values[key] for row in result.rows if not row.is_total}
            bare = dict(fetched[0])
        differing = [
            f"{key}: ORM {orm.get(key, 0)!r}, SQL {bare.get(key, 0)!r}"
            for key in sorted(orm.keys() | bare.keys(), key=str)
            if orm.get(key, 0) != bare.get(key, 0)
        ]
        return "; ".join(differing)

    def _due(self, last_end: datetime.date, work: list[int]) -> list:
        return [
            tables.NOT_DUE if add_months(last_end, m) > self.today else n
            for m, n in zip(tables.CHECKUP_MONTHS, work, strict=True)
        ]

    def _funnel(self, result: tables.Table, fetched: list[list[tuple]]) -> tuple[dict, dict]:
        orm, bare = {}, {}
        for row in result.rows:
            for key in ("reached", "median_days", "now", "overdue"):
                if row.values[key] is not None:
                    orm[f"{row.group} {key}"] = row.values[key]
        values = iter(fetched[0][0])
        for code, (_reached, days) in FUNNEL.items():
            bare[f"{code} reached"] = next(values)
            median = next(values) if days else None
            if median is not None:  # the table rounds it to whole days
                shown = orm.get(f"{code} median_days")
                close = shown is not None and abs(shown - median) <= 0.5
                bare[f"{code} median_days"] = shown if close else median
        for state, now, overdue in fetched[1]:
            bare[f"{state} now"] = now
            if state in {stage.code for stage in funnel.STAGES}:
                bare[f"{state} overdue"] = overdue
        return orm, bare


def _work_keys() -> list[str]:
    return [f"work_{m}m" for m in tables.CHECKUP_MONTHS]
