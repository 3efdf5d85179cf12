"""The data of `make bench-data`: `report_fill`'s million referrals, and around them the people
and the traces of years of use, each one set-based INSERT or UPDATE.

3,000 users (caseworkers of every OCMW in proportion to its clients, counsellors of every VDAB
region in proportion to its trainings, a network manager per region, a few administrators),
made before the referrals so that each names its responsible caseworker and counsellor once
it came that far; every referral's history line by line, half a million messages to the
people responsible, the candidacies VDAB registered (one referral in five), and the webhook
deliveries of a year to the systems of every VDAB region and of the largest OCMW."""

import datetime
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Role, User
from notifications.deliverable import DeliveryStatus
from notifications.models import Kind, Notification
from referrals.benchmarks.insert_select import insert_select
from referrals.benchmarks.report_fill import STEP_STATES, fill
from referrals.enums import CandidacyOutcome
from referrals.models import Candidacy, ReferralEvent
from webhooks.kinds import EventKind
from webhooks.models import Delivery, Subscription

CASEWORKERS = 2_400
COUNSELLORS = 560
ADMINISTRATORS = 4
MESSAGES = 500_000
# The e-mail beside an in-app message: most people read the app and get their e-mails too.
EMAILED = 0.4
# One referral in this many was registered by a counsellor through VDAB's candidacy form.
CANDIDACY_EVERY = 5
# The organisations' systems subscribed to the webhooks this many days ago; one delivery in
# this many failed, and waits for the administrator's Retry.
SUBSCRIBED_DAYS = 365
FAILED_EVERY = 997

# The step that leads into each state of the way (STEP_STATES), and those that leave it.
STEP_INTO = ["create", "apply", "agree", "plan_intake", "admit", "start", "end", "close"]

# Beside report_fill's own.
FILLED = (User, ReferralEvent, Notification, Candidacy, Subscription, Delivery)


def fill_flanders(
    referrals: int, *, today: datetime.date, progress: Callable[[str], None], analyse: bool = True
) -> None:
    """`report_fill.fill` with its people made before the referrals (which then name their
    responsible ones), then the history and the messages; vacuumed and analysed as `fill`
    is unless `analyse` is false."""
    params = _params()

    def with_params(step: Callable) -> Callable:
        return lambda cursor, _their_params: step(cursor, params)

    fill(
        referrals,
        today=today,
        progress=progress,
        analyse=analyse,
        people=[("users", with_params(_users)), ("roles", with_params(_roles))],
        after=[
            ("history", with_params(_history)),
            ("messages", with_params(_messages)),
            ("candidacies", with_params(_candidacies)),
            ("webhook subscriptions", with_params(_subscriptions)),
            ("webhook deliveries", with_params(_deliveries)),
        ],
        more_tables=FILLED,
    )


def _params() -> dict:
    groups = {role: Group.objects.get(name=role).pk for role in Role}
    return {
        "caseworkers": CASEWORKERS,
        "counsellors": COUNSELLORS,
        "administrators": ADMINISTRATORS,
        "caseworker_group": groups[Role.CASEWORKER],
        "counsellor_group": groups[Role.COUNSELLOR],
        "manager_group": groups[Role.NETWORK_MANAGER],
        "administrator_group": groups[Role.ADMINISTRATOR],
        "steps": [str(state) for state in STEP_STATES],
        "step_into": STEP_INTO,
        "messages": MESSAGES,
        "emailed": EMAILED,
        "kinds": [str(kind) for kind in Kind],
        "candidacy_every": CANDIDACY_EVERY,
        "candidacy_known": CandidacyOutcome.KNOWN_CLIENT,
        "candidacy_new": CandidacyOutcome.NEW_CLIENT,
        "candidacy_name_differs": CandidacyOutcome.NAME_DIFFERS,
        "event_kinds": [str(kind) for kind in EventKind],
        "subscribed_days": SUBSCRIBED_DAYS,
        # The fill's one clock, as the rest of its dates (`report_fill`): PostgreSQL's now()
        # is another, which a test's moved clock (`pytest --clock`) does not move.
        "now": timezone.now(),
        "failed_every": FAILED_EVERY,
        "sent": str(DeliveryStatus.SENT),
        "failed": str(DeliveryStatus.FAILED),
        # The lines before the formal agreement, which a region does not see.
        "before_agreement": [str(EventKind.CREATED), str(EventKind.APPLY)],
    }


def _user_columns(username: str, organisation: str) -> dict[str, str]:
    return {
        "password": "'!'",  # no usable password: the benchmark logs in by session
        "username": username,
        "first_name": "'Medewerker'",
        "last_name": username,
        "email": username + " || '@bench.invalid'",
        "date_joined": "%(now)s::timestamptz",
        "organisation_id": organisation,
        "language": "'nl-be'",
    }


def _users(cursor, params: dict) -> int:
    # Caseworkers: each OCMW in proportion to its clients, at least one.
    insert_select(
        cursor,
        User,
        _user_columns("'cw-' || o.ocmw_id || '-' || g", "o.ocmw_id"),
        "WITH o AS (SELECT ocmw_id, count(*) AS n, sum(count(*)) OVER () AS total "
        "FROM referrals_client GROUP BY ocmw_id) --SELECT-- FROM o, "
        "generate_series(1, greatest(1, round(%(caseworkers)s * o.n / o.total))::int) AS g "
        "ORDER BY o.ocmw_id, g",
        params,
    )
    # Counsellors: each VDAB region in proportion to its trainings (the referrals spread
    # over the trainings evenly); a network manager each.
    insert_select(
        cursor,
        User,
        _user_columns("'vdab-' || v.id || '-' || g", "v.id"),
        "WITH r AS (SELECT province AS region, count(*) AS n, sum(count(*)) OVER () AS total "
        "FROM referrals_training GROUP BY province) --SELECT-- "
        "FROM r JOIN accounts_organisation v ON v.kind = 'vdab' AND v.province = r.region, "
        "generate_series(0, greatest(1, round(%(counsellors)s * r.n / r.total))::int) AS g "
        "ORDER BY v.id, g",
        params,
    )
    insert_select(
        cursor,
        User,
        {**_user_columns("'admin-' || g", "NULL"), "is_staff": "TRUE"},
        "FROM generate_series(1, %(administrators)s) AS g",
        params,
    )
    return User.objects.count()


def _roles(cursor, params: dict) -> None:
    # The -0 of each region is its network manager; the others are its counsellors.
    cursor.execute(
        "INSERT INTO accounts_user_groups (user_id, group_id) "
        "SELECT id, CASE WHEN username LIKE 'cw-%%' THEN %(caseworker_group)s "
        "WHEN username LIKE 'vdab-%%-0' THEN %(manager_group)s "
        "WHEN username LIKE 'vdab-%%' THEN %(counsellor_group)s "
        "ELSE %(administrator_group)s END FROM accounts_user ORDER BY id",
        params,
    )


# How far each referral came on the way (0 informed ... 7 closed), read from the dates its
# steps recorded, and the step that took it off the way, if any.
REACHED = """
SELECT id, created_at, state_changed_at, state, caseworker_id, counsellor_id,
       decline_reason, reject_reason, withdraw_reason,
       (applied_on IS NOT NULL)::int + (agreed_on IS NOT NULL)::int
       + (intake_at IS NOT NULL)::int + (probable_start_date IS NOT NULL)::int
       + (start_date IS NOT NULL)::int + (end_date IS NOT NULL)::int
       + (state = 'closed' AND reject_reason = '')::int AS reached,
       CASE WHEN state = 'declined' THEN 'decline' WHEN state = 'withdrawn' THEN 'withdraw'
            WHEN reject_reason <> '' THEN 'reject' END AS left_by
FROM referrals_referral
"""


def _history(cursor, params: dict) -> None:
    # One line per step along the way, spread between registration and the last change, then
    # the step that left the way with the referral's reason for it (and the close after a
    # rejection), at the last change.
    lines = (
        "SELECT r.id AS referral_id, "
        "  CASE WHEN k <= 2 THEN r.caseworker_id ELSE r.counsellor_id END AS actor_id, "
        "  r.created_at + (r.state_changed_at - r.created_at) * k "
        "    / (r.reached + (r.left_by IS NOT NULL)::int + 1) AS at, "
        "  (%(step_into)s::text[])[k + 1] AS transition, "
        "  CASE WHEN k = 0 THEN '' ELSE (%(steps)s::text[])[k] END AS from_state, "
        "  (%(steps)s::text[])[k + 1] AS to_state, '' AS reason, k AS o "
        "FROM r, generate_series(0, r.reached) AS k "
        "UNION ALL "
        "SELECT r.id, CASE WHEN r.left_by = 'reject' THEN r.counsellor_id "
        "  ELSE r.caseworker_id END, "
        "  CASE WHEN r.state = 'closed' THEN r.created_at + (r.state_changed_at - r.created_at) "
        "    * (r.reached + 1) / (r.reached + 2) ELSE r.state_changed_at END, "
        "  r.left_by, (%(steps)s::text[])[r.reached + 1], "
        "  CASE r.left_by WHEN 'decline' THEN 'declined' WHEN 'withdraw' THEN 'withdrawn' "
        "    ELSE 'not_admitted' END, "
        "  CASE r.left_by WHEN 'decline' THEN r.decline_reason "
        "    WHEN 'withdraw' THEN r.withdraw_reason ELSE r.reject_reason END, 100 "
        "FROM r WHERE r.left_by IS NOT NULL "
        "UNION ALL "
        "SELECT r.id, r.caseworker_id, r.state_changed_at, 'close', 'not_admitted', 'closed', "
        "  '', 101 "
        "FROM r WHERE r.left_by = 'reject' AND r.state = 'closed'"
    )
    insert_select(
        cursor,
        ReferralEvent,
        {
            "referral_id": "referral_id",
            "actor_id": "actor_id",
            "at": "at",
            "transition": "transition",
            "from_state": "from_state",
            "to_state": "to_state",
            "reason": "reason",
            "data": "'{}'::jsonb",
        },
        f"WITH r AS MATERIALIZED ({REACHED}), e AS ({lines}) --SELECT-- "
        "FROM e ORDER BY at, referral_id, o",
        params,
    )


def _messages(cursor, params: dict) -> None:
    # Messages about a step to the people responsible, read for the most part; an e-mail
    # beside some, sent. Half a million in all, the recent ones unread.
    insert_select(
        cursor,
        Notification,
        {
            "recipient_id": "m.recipient_id",
            "channel": "m.channel",
            "kind": "(%(kinds)s::text[])[1 + mod(m.n, cardinality(%(kinds)s::text[]))]",
            "referral_id": "m.referral_id",
            "subject": "'Bericht over traject ' || m.referral_id",
            "body": "'Er is iets veranderd aan het traject.'",
            "status": "'sent'",
            "attempts": "CASE WHEN m.channel = 'email' THEN 1 ELSE 0 END",
            "created_at": "m.at",
            "sent_at": "m.at",
            "read_at": "CASE WHEN m.channel = 'in_app' "
            "AND m.at < %(now)s::timestamptz - interval '10 days' "
            "THEN m.at + interval '1 day' END",
            "idempotency_key": "'bench:' || m.n || ':' || m.channel",
            "in_digest": "FALSE",
        },
        "WITH e AS MATERIALIZED (SELECT row_number() OVER (ORDER BY e.id) AS n, e.referral_id, "
        "  e.at, CASE WHEN e.actor_id = r.caseworker_id THEN r.counsellor_id "
        "  ELSE r.caseworker_id END AS recipient_id "
        "  FROM referrals_referralevent e JOIN referrals_referral r ON r.id = e.referral_id "
        "  WHERE e.transition IN ('agree', 'plan_intake', 'admit', 'start', 'end', 'reject')), "
        "picked AS (SELECT * FROM e WHERE recipient_id IS NOT NULL "
        "  AND mod(n * 7919, (SELECT count(*) FROM e)) < %(messages)s / (1 + %(emailed)s)), "
        "m AS (SELECT n, referral_id, at, recipient_id, 'in_app' AS channel FROM picked "
        "  UNION ALL SELECT n, referral_id, at, recipient_id, 'email' FROM picked "
        "  WHERE mod(n, 10) < 10 * %(emailed)s) "
        "--SELECT-- FROM m ORDER BY m.at",
        params,
    )


def _candidacies(cursor, params: dict) -> None:
    # One referral in five came by VDAB's candidacy form: typed by its counsellor, or one of
    # its region's, with the client's national number and name, when it was registered; a
    # new client with the name typed, and a quarter of those known with a name that differs
    # from the file. Its history still names the OCMW's caseworker for its first steps.
    differs = "r.id <> first.id AND mod(r.id, 4) = 0"
    insert_select(
        cursor,
        Candidacy,
        {
            "registered_by_id": "coalesce(r.counsellor_id, c.user_id)",
            "registered_at": "r.created_at",
            "ocmw_id": "r.ocmw_id",
            "training_id": "r.training_id",
            "insz": "k.insz",
            "first_name": "k.first_name",
            "last_name": f"CASE WHEN {differs} THEN k.last_name || 's' ELSE k.last_name END",
            "outcome": "CASE WHEN r.id = first.id THEN %(candidacy_new)s "
            f"WHEN {differs} THEN %(candidacy_name_differs)s ELSE %(candidacy_known)s END",
            "referral_id": "r.id",
        },
        "WITH c AS MATERIALIZED (SELECT u.id AS user_id, o.province, "
        "  row_number() OVER (PARTITION BY o.province ORDER BY u.id) - 1 AS i, "
        "  count(*) OVER (PARTITION BY o.province) AS n "
        "  FROM accounts_user u JOIN accounts_organisation o ON o.id = u.organisation_id "
        "  WHERE o.kind = 'vdab' AND u.username NOT LIKE 'vdab-%%-0') --SELECT-- "
        "FROM referrals_referral r JOIN referrals_client k ON k.id = r.client_id "
        "JOIN c ON c.province = r.region AND c.i = mod(r.id, c.n) "
        "JOIN LATERAL (SELECT min(f.id) AS id FROM referrals_referral f "
        "  WHERE f.client_id = r.client_id) first ON TRUE "
        "WHERE mod(r.id, %(candidacy_every)s) = 0 ORDER BY r.created_at, r.id",
        params,
    )


def _subscriptions(cursor, params: dict) -> None:
    # The systems of every VDAB region and of the OCMW with the most clients, subscribed to
    # every kind of event a year ago.
    insert_select(
        cursor,
        Subscription,
        {
            "organisation_id": "o.id",
            "url": "'https://systeem-' || o.id || '.bench.invalid/okot/events'",
            "kinds": "to_jsonb(%(event_kinds)s::text[])",
            "secret": "md5('bench-secret-' || o.id)",
            "active": "TRUE",
            "created_at": "%(now)s::timestamptz - make_interval(days => %(subscribed_days)s)",
            "updated_at": "%(now)s::timestamptz - make_interval(days => %(subscribed_days)s)",
        },
        "--SELECT-- FROM accounts_organisation o WHERE o.kind = 'vdab' OR o.id = "
        "  (SELECT ocmw_id FROM referrals_client GROUP BY ocmw_id "
        "   ORDER BY count(*) DESC, ocmw_id LIMIT 1) "
        "ORDER BY o.id",
        params,
    )


def _deliveries(cursor, params: dict) -> None:
    # Each history line since the subscriptions, to those whose organisation sees its
    # referral (`access.organisation_sees`): the client's OCMW, and the region once the OCMW
    # formally agreed. One event id per line, as `payloads.event_id` makes one per source;
    # the payload's referral as the line left it. Sent two seconds later, or failed.
    failed = "mod(e.id, %(failed_every)s) = 0"
    insert_select(
        cursor,
        Delivery,
        {
            "subscription_id": "s.id",
            "event_id": "md5('event:' || e.id)::uuid",
            "kind": "e.transition",
            "referral_id": "e.referral_id",
            "payload": "jsonb_build_object('event_id', md5('event:' || e.id)::uuid, "
            "  'kind', e.transition, 'occurred_at', e.at, 'referral', jsonb_build_object("
            "  'id', r.id, 'state', e.to_state, 'previous_state', nullif(e.from_state, ''), "
            "  'ocmw_id', r.ocmw_id, 'region', r.region, 'training', "
            "  jsonb_build_object('id', r.training_id)))",
            "status": f"CASE WHEN {failed} THEN %(failed)s ELSE %(sent)s END",
            "attempts": f"CASE WHEN {failed} THEN 8 ELSE 1 END",
            "response_status": f"CASE WHEN {failed} THEN 503 ELSE 200 END",
            "last_error": f"CASE WHEN {failed} THEN 'HTTP 503' ELSE '' END",
            "created_at": "e.at",
            "sent_at": f"CASE WHEN {failed} THEN NULL ELSE e.at + interval '2 seconds' END",
        },
        "--SELECT-- FROM referrals_referralevent e "
        "JOIN referrals_referral r ON r.id = e.referral_id "
        "JOIN accounts_organisation v ON v.kind = 'vdab' AND v.province = r.region "
        "JOIN webhooks_subscription s ON s.organisation_id = r.ocmw_id "
        "  OR (s.organisation_id = v.id AND r.agreed_on IS NOT NULL "
        "      AND e.transition <> ALL(%(before_agreement)s::text[])) "
        "WHERE e.at >= %(now)s::timestamptz - make_interval(days => %(subscribed_days)s) "
        "ORDER BY e.at, e.id, s.id",
        params,
    )
