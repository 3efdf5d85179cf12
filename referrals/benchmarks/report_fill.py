"""The data of `bench_report`: a million referrals filled with set-based SQL, no ORM loops.

Organisations, trainings, clients, referrals in every state with consistent dates and the
check-ups that are due, each one INSERT ... SELECT over generate_series, seeded so every run
makes the same data."""

import datetime
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Organisation, Province, Role
from referrals.enums import (
    POSITIVE_END_RESULTS,
    CheckupMonths,
    ConsentScope,
    OkotType,
    State,
    StopReason,
)
from referrals.models import Client, Consent, OutcomeCheck, Referral, Training
from referrals.models.followup import checkup_bit

from .insert_select import insert_select
from .throwaway import FILLED

OCMWS = 300
TRAININGS = 500
CLIENTS_PER_REFERRAL = 0.8  # a fifth of the clients come back for a second training
FIRST_DAY = datetime.date(2016, 1, 1)
SECOND_AFTER = 520  # days: a second referral comes 60 to 520 days after the first
STEP_STATES = [
    State.INFORMED,
    State.CANDIDATE,
    State.AGREED,
    State.INTAKE_PLANNED,
    State.ADMITTED,
    State.IN_TRAINING,
    State.ENDED,
    State.CLOSED,
]


def fill(
    referrals: int,
    *,
    today: datetime.date,
    progress: Callable[[str], None],
    analyse: bool = True,
    people: list[tuple[str, Callable]] = (),
    after: list[tuple[str, Callable]] = (),
    more_tables: tuple = (),
) -> None:
    """Organisations, trainings, clients, `referrals` referrals over 2016 to today in every
    state with consistent dates, and the check-ups of positive ends that are due; then
    vacuumed and analysed, unless `analyse` is false (inside a transaction, which VACUUM
    cannot run in). `people`: (label, step) run after the clients, before the referrals,
    which then name a responsible caseworker and counsellor among the users they made
    (`flanders_fill`); without users the referrals name none. `after`: steps run last, on
    `more_tables` (vacuumed and analysed too)."""
    clients = max(1, round(referrals * CLIENTS_PER_REFERRAL))
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime.datetime.combine(FIRST_DAY, datetime.time(), tzinfo=zone)
    now = timezone.now()
    params = {
        "tz": settings.TIME_ZONE,
        "today": today,
        "provinces": list(Province.values),
        "types": list(OkotType.values),
        "reasons": list(StopReason.values),
        "positive": [str(result) for result in POSITIVE_END_RESULTS],
        "steps": [str(state) for state in STEP_STATES],
        "consent_scope": str(ConsentScope.OKOT),
        "caseworker_role": str(Role.CASEWORKER),
        "counsellor_role": str(Role.COUNSELLOR),
        "ocmws": OCMWS,
        "trainings": TRAININGS,
        "clients": clients,
        "referrals": referrals,
        "twice": referrals - clients,
        "first": first,
        "span": now - first,
        "span_twice": max(
            now - datetime.timedelta(days=SECOND_AFTER) - first, datetime.timedelta()
        ),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2024)")  # the same data every run
        # Compiling these one-off statements costs more than it saves.
        cursor.execute("SET jit = off")
        # Rows go in in the order they were made, as in production, where a year's referrals
        # lie together on disk; the sort needs memory.
        cursor.execute("SET work_mem = '256MB'")
        steps = [
            ("organisations", _organisations),
            ("trainings", _trainings),
            ("clients", _clients),
            ("consents", _consents),
            *people,
            ("referrals", _referrals),
            ("check-ups", _checkups),
            *after,
        ]
        for label, step in steps:
            started = time.monotonic()
            rows = step(cursor, params) or cursor.rowcount
            progress(f"  {label}: {rows:,} rows in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        for model in (*FILLED, *more_tables) if analyse else ():
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        cursor.execute("RESET jit")
        cursor.execute("RESET work_mem")
        progress(f"  vacuum and analyze: {time.monotonic() - started:.1f} s")


def _organisations(cursor, params: dict) -> None:
    province = "(%(provinces)s::text[])[1 + mod(g, cardinality(%(provinces)s::text[]))]"
    insert_select(
        cursor,
        Organisation,
        {"name": "'VDAB ' || p", "kind": "'vdab'", "province": "p"},
        "FROM unnest(%(provinces)s::text[]) AS p",
        params,
    )
    insert_select(
        cursor,
        Organisation,
        {
            "name": "'OCMW ' || lpad(g::text, 3, '0')",
            "kind": "'ocmw'",
            "municipality": "'Gemeente ' || g",
            "province": province,
        },
        "FROM generate_series(1, %(ocmws)s) AS g",
        params,
    )


def _trainings(cursor, params: dict) -> None:
    # Type and region cycle independently, so every type runs in every region.
    insert_select(
        cursor,
        Training,
        {
            "title": "'Opleiding ' || g",
            "okot_type": "(%(types)s::text[])[1 + mod(g, cardinality(%(types)s::text[]))]",
            "institution": "'School ' || (1 + mod(g, 97))",
            "location": "'Campus ' || (1 + mod(g, 41))",
            "province": "(%(provinces)s::text[])"
            "[1 + mod(g / cardinality(%(types)s::text[]), cardinality(%(provinces)s::text[]))]",
            "duration_months": "(ARRAY[6, 9, 12, 18, 24, 36])[1 + mod(g / 30, 6)]",
            "hours_per_week": "20 + mod(g, 19)",
        },
        "FROM generate_series(1, %(trainings)s) AS g",
        params,
    )


def _clients(cursor, params: dict) -> None:
    # Born 19.5 to 62 years before the first referral, so 18 to 64 at every start; a few
    # without a valid INSZ (no birth date) or gender. The big OCMWs have most clients.
    insert_select(
        cursor,
        Client,
        {
            "ocmw_id": "o.ids[1 + floor(cardinality(o.ids) * power(s.u_ocmw, 1.5))::int]",
            "first_name": "(ARRAY['Anna', 'Mohamed', 'Sofie', 'Youssef', 'Lien', 'Ahmed', "
            "'Fatima', 'Tom', 'Nora', 'Jan', 'Emma', 'Bilal'])[1 + mod(g, 12)]",
            "last_name": "'Client ' || g",
            "insz": "lpad(g::text, 11, '0')",
            "birth_date": "CASE WHEN s.u_unknown < 0.003 THEN NULL "
            "ELSE (s.anchor AT TIME ZONE %(tz)s)::date - (7122 + floor(s.u_age * 15524))::int END",
            "gender": "CASE WHEN s.u_gender < 0.495 THEN 'M' WHEN s.u_gender < 0.99 THEN 'V' "
            "WHEN s.u_gender < 0.997 THEN 'X' ELSE '' END",
            "registered_job_seeker": "s.u_age < 0.85",
            "consent_vdab": "TRUE",
            "consent_date": "(s.anchor AT TIME ZONE %(tz)s)::date",
            "created_at": "s.anchor",
            "updated_at": "s.anchor",
        },
        "WITH s AS MATERIALIZED (SELECT g, random() AS u_ocmw, random() AS u_age, "
        "random() AS u_gender, random() AS u_unknown, %(first)s::timestamptz + random() "
        "* CASE WHEN g <= %(twice)s THEN %(span_twice)s::interval ELSE %(span)s::interval END "
        "AS anchor FROM generate_series(1, %(clients)s) AS g) --SELECT-- "
        "FROM s, (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_organisation "
        "WHERE kind = 'ocmw') AS o ORDER BY s.anchor",
        params,
    )


def _consents(cursor, params: dict) -> None:
    # The history row of each client's consent, as `services.consent_give` writes it with
    # the client's current consent (`consent_vdab`, `consent_date`, filled above).
    insert_select(
        cursor,
        Consent,
        {
            "client_id": "c.id",
            "scope": "%(consent_scope)s",
            "given_on": "c.consent_date",
            "recorded_at": "c.created_at",
        },
        "FROM referrals_client c WHERE c.consent_vdab ORDER BY c.id",
        params,
    )


# One CTE per step of the way, each date after the one before. `dest` is how far the
# referral is meant to go (0 informed ... 7 closed), `exit_kind` where it leaves the way;
# `reached` is how far it came by today, so recent referrals are still on their way.
REFERRAL_STEPS = """
WITH d AS MATERIALIZED (
    SELECT g, mod(g - 1, %(clients)s) AS client_no, (g - 1) / %(clients)s AS nth,
           random() AS u_fate, random() AS u_sub, random() AS u_result, random() AS u_reason,
           random() AS u0, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
           random() AS u5, random() AS u6, random() AS u7, random() AS u8, random() AS u9
    FROM generate_series(1::bigint, %(referrals)s) AS g
), b0 AS (
    SELECT d.*, c.id AS client_id, c.ocmw_id, t.id AS training_id, t.province AS region,
           t.duration_months,
           CASE WHEN d.nth = 0 THEN c.created_at + d.u0 * interval '2 hours'
                ELSE c.created_at + (60 + d.u0 * 460) * interval '1 day' END AS created_at
    FROM d
    JOIN referrals_client c ON c.insz = lpad((d.client_no + 1)::text, 11, '0')
    JOIN referrals_training t ON t.id = (SELECT min(id) FROM referrals_training)
        + mod(d.client_no * 7919 + d.nth * (1 + mod(d.client_no, %(trainings)s - 1)),
              %(trainings)s)
), people AS (
    -- The caseworkers of each OCMW and the counsellors of each region, if any were made.
    SELECT g.name, u.organisation_id, o.province, array_agg(u.id ORDER BY u.id) AS ids
    FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id
    JOIN auth_group g ON g.id = ug.group_id JOIN accounts_organisation o ON o.id = u.organisation_id
    WHERE g.name IN (%(caseworker_role)s, %(counsellor_role)s)
    GROUP BY g.name, u.organisation_id, o.province
), b AS (
    SELECT b0.*, cw.ids[1 + mod(b0.g, cardinality(cw.ids))] AS caseworker_id,
           co.ids[1 + mod(b0.g / 7, cardinality(co.ids))] AS counsellor_id
    FROM b0
    LEFT JOIN people cw ON cw.name = %(caseworker_role)s AND cw.organisation_id = b0.ocmw_id
    LEFT JOIN people co ON co.name = %(counsellor_role)s AND co.province = b0.region
), s1 AS (
    SELECT b.*, (created_at AT TIME ZONE %(tz)s)::date AS d0 FROM b
), s2 AS (
    SELECT s1.*, d0 + floor(u1 * 15)::int AS applied_on FROM s1
), s3 AS (
    SELECT s2.*, applied_on + 1 + floor(u2 * 20)::int AS agreed_on FROM s2
), s4 AS (
    SELECT s3.*, agreed_on + floor(u3 * 4)::int AS planned_on FROM s3
), s5 AS (
    SELECT s4.*, planned_on + 3 + floor(u4 * 25)::int AS intake_day FROM s4
), s6 AS (
    SELECT s5.*, intake_day + floor(u5 * 4)::int AS admit_on,
           intake_day + 7 + floor(u6 * 45)::int AS probable_start
    FROM s5
), s7 AS (
    SELECT s6.*, probable_start + floor(u7 * 8)::int AS start_on,
           CASE WHEN u_result < 0.55 THEN 'passed' WHEN u_result < 0.70 THEN 'failed'
                WHEN u_result < 0.90 THEN 'stopped_early' ELSE 'stopped_employment' END AS result,
           CASE WHEN u_fate < 0.03 THEN 0 WHEN u_fate < 0.11 THEN 1 WHEN u_fate < 0.13 THEN 2
                WHEN u_fate < 0.15 THEN 3 WHEN u_fate < 0.22 THEN floor(u_sub * 5)::int
                WHEN u_fate < 0.29 THEN 3 WHEN u_fate < 0.31 THEN 4
                WHEN u_sub < 0.08 THEN 6 ELSE 7 END AS dest,
           CASE WHEN u_fate < 0.06 THEN '' WHEN u_fate < 0.11 THEN 'declined'
                WHEN u_fate < 0.15 THEN '' WHEN u_fate < 0.22 THEN 'withdrawn'
                WHEN u_fate < 0.29 THEN 'not_admitted' ELSE '' END AS exit_kind
    FROM s6
), s8 AS (
    SELECT s7.*, (start_on + make_interval(months => duration_months))::date AS planned_end
    FROM s7
), s9 AS (
    SELECT s8.*, ARRAY[
        d0, applied_on, agreed_on, planned_on, admit_on, start_on,
        CASE WHEN result IN ('passed', 'failed') THEN planned_end - floor(u8 * 10)::int
             ELSE start_on + 7 + floor(u8 * (planned_end - start_on - 14))::int END,
        NULL
    ] AS steps
    FROM s8
), s10 AS MATERIALIZED (
    SELECT s9.*, steps[1:7] || (steps[7] + floor(u9 * 40)::int) AS step_on FROM s9
), s11 AS (
    SELECT s10.*, CASE {reached} ELSE 0 END AS reached,
           CASE WHEN exit_kind = 'not_admitted' THEN step_on[5]
                ELSE step_on[dest + 1] + 1 + floor(u_reason * 20)::int END AS exit_on
    FROM s10
), s12 AS (
    SELECT s11.*, exit_kind <> '' AND reached = dest AND exit_on <= %(today)s AS exited,
           exit_on + 1 + floor(u9 * 40)::int AS reopened_on
    FROM s11
), s AS MATERIALIZED (
    SELECT s12.*,
           exited AND exit_kind = 'not_admitted' AND u_sub < 0.7 AND reopened_on <= %(today)s
               AS closed_after_rejection
    FROM s12
), r AS (
    SELECT s.*,
           CASE WHEN closed_after_rejection THEN 'closed' WHEN exited THEN exit_kind
                ELSE (%(steps)s::text[])[reached + 1] END AS state,
           CASE WHEN NOT exited AND reached = 0 THEN created_at
                ELSE greatest(created_at, (
                    CASE WHEN closed_after_rejection THEN reopened_on WHEN exited THEN exit_on
                         ELSE step_on[reached + 1] END
                    + time '08:30' + u3 * interval '8 hours') AT TIME ZONE %(tz)s) END
               AS changed_at
    FROM s
)
"""
REACHED = " ".join(
    f"WHEN dest >= {k} AND step_on[{k + 1}] <= %(today)s THEN {k}" for k in range(7, 0, -1)
)
REJECTED = "(exited AND exit_kind = 'not_admitted')"


def _referrals(cursor, params: dict) -> None:
    def when(condition: str, value: str, otherwise: str = "NULL") -> str:
        return f"CASE WHEN {condition} THEN {value} ELSE {otherwise} END"

    insert_select(
        cursor,
        Referral,
        {
            "client_id": "client_id",
            "ocmw_id": "ocmw_id",
            "training_id": "training_id",
            "region": "region",
            "state": "state",
            "created_at": "created_at",
            "updated_at": "changed_at",
            "state_changed_at": "changed_at",
            "applied_on": when("reached >= 1", "applied_on"),
            "entry_conditions_checked_on": when("reached >= 2", "agreed_on"),
            "agreed_on": when("reached >= 2", "agreed_on"),
            "caseworker_phone": when("reached >= 2", "'09 210 10 10'", "''"),
            # The caseworker who agreed, the counsellor who planned the intake.
            "caseworker_id": when("reached >= 2", "caseworker_id"),
            "counsellor_id": when("reached >= 3", "counsellor_id"),
            "decline_reason": when("exited AND exit_kind = 'declined'", "'Geen akkoord.'", "''"),
            "intake_at": when(
                "reached >= 3",
                "(intake_day + time '09:00' + floor(u7 * 14) * interval '30 minutes') "
                "AT TIME ZONE %(tz)s",
            ),
            "intake_place": when("reached >= 3", "'VDAB Competentiecentrum'", "''"),
            "screening_motivation": when(f"reached >= 4 OR {REJECTED}", "'Gemotiveerd.'", "''"),
            "reject_reason": when(REJECTED, "'Instapvoorwaarden niet gehaald.'", "''"),
            "probable_start_date": when("reached >= 4", "probable_start"),
            "probable_location": when("reached >= 4", "'Campus'", "''"),
            "start_date": when("reached >= 5", "start_on"),
            "end_date": when("reached >= 6", "step_on[7]"),
            "end_result": when("reached >= 6", "result", "''"),
            # What the end step records when nobody says (`models.obtained`).
            "obtained": when(
                "reached >= 6", "CASE WHEN result = 'passed' THEN 'diploma' ELSE 'none' END", "''"
            ),
            "obtained_on": when("reached >= 6 AND result = 'passed'", "step_on[7]"),
            "stop_reason": when(
                "reached >= 6 AND result = 'stopped_early'",
                "(%(reasons)s::text[])[1 + floor(u_reason * cardinality(%(reasons)s::text[]))]",
                "''",
            ),
            "continued_by": when(
                "state = 'closed'", "(ARRAY['vdab', 'ocmw'])[1 + (u2 < 0.6)::int]", "''"
            ),
            "withdraw_reason": when(
                "exited AND exit_kind = 'withdrawn'", "'Cliënt haakt af.'", "''"
            ),
            # Marked with the check-ups, once they are written (`_checkups`).
            "checkups_recorded": "0",
        },
        REFERRAL_STEPS.replace("{reached}", REACHED) + "--SELECT-- FROM r ORDER BY created_at",
        params,
    )


def _checkups(cursor, params: dict) -> int:
    # Most due check-ups are recorded; more are at work the longer after the end.
    insert_select(
        cursor,
        OutcomeCheck,
        {
            "referral_id": "id",
            "months": "m",
            "at_work": "CASE WHEN u < 0.45 + m / 100.0 THEN 'yes' WHEN u < 0.9 THEN 'no' "
            "ELSE 'unknown' END",
            "checked_on": "least(due + floor(u_late * 21)::int, %(today)s)",
        },
        "WITH c AS MATERIALIZED (SELECT r.id, v.m, "
        "(r.end_date + make_interval(months => v.m))::date AS due, "
        "random() AS u, random() AS u_late, random() AS u_skip "
        "FROM referrals_referral r CROSS JOIN (VALUES (3), (6), (9), (12)) AS v(m) "
        "WHERE r.end_result = ANY(%(positive)s::text[])) "
        "--SELECT-- FROM c WHERE due <= %(today)s AND u_skip < 0.93 ORDER BY due",
        params,
    )
    inserted = cursor.rowcount
    # Each referral's check-ups recorded, as the app marks them (`Referral.checkups_recorded`).
    bit = " ".join(f"WHEN {m} THEN {checkup_bit(m)}" for m in CheckupMonths.values)
    cursor.execute(
        "UPDATE referrals_referral r SET checkups_recorded = c.bits "  # noqa: S608 (numbers)
        f"FROM (SELECT referral_id, SUM(CASE months {bit} END) AS bits "
        "FROM referrals_outcomecheck GROUP BY referral_id) c WHERE c.referral_id = r.id"
    )
    return inserted
