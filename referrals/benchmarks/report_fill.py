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
from .referral_steps import REACHED, REFERRAL_STEPS
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
        ]

        def run(these: list[tuple[str, Callable]]) -> None:
            for label, step in these:
                started = time.monotonic()
                rows = step(cursor, params) or cursor.rowcount
                progress(f"  {label}: {rows:,} rows in {time.monotonic() - started:.1f} s")

        run(steps)
        if after and analyse:
            # The later steps join what is filled so far: planned on the statistics of the
            # empty tables, the candidacies' step took over ten minutes instead of seconds.
            started = time.monotonic()
            tables = [model._meta.db_table for model in (*FILLED, *more_tables)]
            cursor.execute(f"ANALYZE {', '.join(tables)}")
            progress(f"  analyze before the rest: {time.monotonic() - started:.1f} s")
        run(after)
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


# A national number as the national register gives one, of `_clients`'s row `s`
# (`Client.derive_from_insz` reads the birth date and gender back from it): the birth date
# (yymmdd), a serial of that day (odd for a man, even for a woman: the `nth` client born
# that day gets the nth of its kind, so no two clients share a number) and the check
# digits (97 less the first nine digits modulo 97, a 2 put before them for those born from
# 2000). A client whose gender is unknown or X has a BIS number of unknown gender (the
# month plus 20); one without a birth date, a number that is none (the client's number
# padded with zeros, then 00, which no check digits are). A day's serials would run out
# near 500 clients born on it (at a million referrals about 40 a day, 83 at most).
_FIRST_NINE = (
    "to_char(s.birth_date, 'YY')"
    " || lpad((extract(month FROM s.birth_date)::int"
    " + CASE WHEN s.gender IN ('M', 'V') THEN 0 ELSE 20 END)::text, 2, '0')"
    " || to_char(s.birth_date, 'DD')"
    " || lpad((CASE s.gender WHEN 'M' THEN 2 * s.nth - 1 WHEN 'V' THEN 2 * s.nth"
    " ELSE s.nth END)::text, 3, '0')"
)
INSZ = (
    "CASE WHEN s.birth_date IS NULL THEN lpad(s.g::text, 9, '0') || '00' ELSE "
    f"{_FIRST_NINE} || lpad((97 - mod((CASE WHEN s.birth_date >= DATE '2000-01-01' "
    f"THEN '2' ELSE '' END || {_FIRST_NINE})::bigint, 97))::text, 2, '0') END"
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
            # The key the referrals' fill finds a client by (`referral_steps`).
            "last_name": "'Client ' || g",
            "insz": INSZ,
            "birth_date": "s.birth_date",
            "gender": "s.gender",
            "registered_job_seeker": "s.u_age < 0.85",
            "consent_vdab": "TRUE",
            "consent_date": "(s.anchor AT TIME ZONE %(tz)s)::date",
            "created_at": "s.anchor",
            "updated_at": "s.anchor",
        },
        "WITH drawn AS MATERIALIZED (SELECT g, random() AS u_ocmw, random() AS u_age, "
        "random() AS u_gender, random() AS u_unknown, %(first)s::timestamptz + random() "
        "* CASE WHEN g <= %(twice)s THEN %(span_twice)s::interval ELSE %(span)s::interval END "
        "AS anchor FROM generate_series(1, %(clients)s) AS g), "
        "born AS (SELECT drawn.*, CASE WHEN u_unknown < 0.003 THEN NULL "
        "ELSE (anchor AT TIME ZONE %(tz)s)::date - (7122 + floor(u_age * 15524))::int END "
        "AS birth_date, CASE WHEN u_gender < 0.495 THEN 'M' WHEN u_gender < 0.99 THEN 'V' "
        "WHEN u_gender < 0.997 THEN 'X' ELSE '' END AS gender FROM drawn), "
        "s AS (SELECT born.*, row_number() OVER (PARTITION BY birth_date ORDER BY g) AS nth "
        "FROM born) --SELECT-- "
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
