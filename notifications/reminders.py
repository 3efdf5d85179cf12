"""Daily reminders (DOMAIN.md, "who hears what"): a step that waits too long, told to
whoever has to take it.

- No intake planned N working days after the formal agreement: the counsellor(s).
- Not started N days after the probable start date: the counsellor(s).
- Not ended N days after the expected end (the start plus the training's duration, moved on
  by the days interrupted; none while the training is interrupted): the counsellor(s).
- An outflow check-up due 3, 6, 9 or 12 months after a positive end and not recorded:
  whoever continues the guidance to work (both sides until that is agreed).
- No warm handover recorded N working days after the formal agreement, before the
  training: the caseworker(s), who record it (the day it shows as overdue).

The caseworker gets no copy of the first three: the step is VDAB's, the caseworker already
sees the referral as overdue on the dashboard, and a copy would invite two people to chase
the same counsellor.

Each reminder is written once per referral and milestone (the outbox's idempotency key
comes from `source`); the selection skips what was already written, so a referral that
is not due, or already reminded, costs no query of its own. Working days are Belgian
(`referrals.workdays`)."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch

from referrals.enums import (
    HANDOVER_DUE_STATES,
    OUTCOME_REMINDER_MONTHS,
    POSITIVE_END_RESULTS,
    CheckupMonths,
    ContinuedBy,
    State,
)
from referrals.models import Referral
from referrals.models.querysets import interrupted_now

# The working days live with the referrals, whose overdue work counts them too.
from referrals.workdays import (  # noqa: F401 (the reminders' tests import them from here)
    add_working_days,
    is_working_day,
    working_days_ago,
    working_days_between,
)

from .models import Kind, Notification
from .recipients import caseworkers_for, counsellors_for

# What the recipients and the templates read, fetched with the candidates.
RELATED = (
    "client",
    "client__ocmw",
    "training",
    "training__contact_counsellor__organisation",
    "caseworker__organisation",
    "created_by__organisation",
)

# A check-up is reminded from its due date until the next one would be due (three months
# later, `OUTCOME_REMINDER_MONTHS`), so a worker that was down catches up, but years-old
# gaps do not flood inboxes.


# --- what is due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    kind: str
    referral: Referral
    source: str
    # "counsellors", "caseworkers" or both: looked up only for a reminder that is sent.
    audience: tuple[str, ...]
    context: dict = field(default_factory=dict)

    def recipients(self) -> list:
        people = {"caseworkers": caseworkers_for, "counsellors": counsellors_for}
        return [person for side in self.audience for person in people[side](self.referral)]


def _candidates(kind: str):
    """Referrals with what the reminders need, and the in-app reminders of `kind` already
    written for them (the in-app row is written for every recipient, e-mail or not)."""
    written = (
        Notification.objects.filter(kind=kind, channel=Notification.Channel.IN_APP)
        .order_by()
        .only("pk", "referral_id", "idempotency_key")
    )
    return Referral.objects.select_related(*RELATED).prefetch_related(
        Prefetch("notifications", queryset=written, to_attr="reminders_written")
    )


def _already_written(referral: Referral, source: str) -> bool:
    # The outbox's key is "<source>:<kind>:<recipient>:<channel>".
    return any(n.idempotency_key.startswith(f"{source}:") for n in referral.reminders_written)


def no_intake_reminders(today: datetime.date) -> Iterator[Reminder]:
    days = settings.NOTIFY_REMINDER_NO_INTAKE_WORKING_DAYS
    referrals = _candidates(Kind.REMINDER_NO_INTAKE).filter(
        state=State.AGREED, agreed_on__lte=working_days_ago(today, days)
    )
    for referral in referrals:
        source = f"reminder:no_intake:{referral.pk}"
        if not _already_written(referral, source):
            context = {"working_days": working_days_between(referral.agreed_on, today)}
            yield Reminder(Kind.REMINDER_NO_INTAKE, referral, source, ("counsellors",), context)


def no_start_reminders(today: datetime.date) -> Iterator[Reminder]:
    days = settings.NOTIFY_REMINDER_NO_START_DAYS
    referrals = _candidates(Kind.REMINDER_NO_START).filter(
        state=State.ADMITTED, probable_start_date__lte=today - datetime.timedelta(days=days)
    )
    for referral in referrals:
        source = f"reminder:no_start:{referral.pk}:{referral.probable_start_date.isoformat()}"
        if not _already_written(referral, source):
            context = {"days": (today - referral.probable_start_date).days}
            yield Reminder(Kind.REMINDER_NO_START, referral, source, ("counsellors",), context)


def no_handover_reminders(today: datetime.date) -> Iterator[Reminder]:
    days = settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS
    referrals = _candidates(Kind.REMINDER_NO_HANDOVER).filter(
        state__in=HANDOVER_DUE_STATES,
        handover_at__isnull=True,
        agreed_on__lte=working_days_ago(today, days),
    )
    for referral in referrals:
        source = f"reminder:no_handover:{referral.pk}"
        if not _already_written(referral, source):
            context = {"working_days": working_days_between(referral.agreed_on, today)}
            yield Reminder(Kind.REMINDER_NO_HANDOVER, referral, source, ("caseworkers",), context)


def end_expected_reminders(today: datetime.date) -> Iterator[Reminder]:
    """A training still running past its expected end. An interruption pauses it (none
    while one runs) and moves it on (the expected end moves by the days interrupted, and
    with it the reminder's milestone)."""
    days = settings.NOTIFY_REMINDER_END_EXPECTED_DAYS
    referrals = _candidates(Kind.REMINDER_END_EXPECTED).filter(
        ~interrupted_now(),
        state=State.IN_TRAINING,
        expected_end_date__lte=today - datetime.timedelta(days=days),
    )
    for referral in referrals:
        expected = referral.expected_end_date
        source = f"reminder:end_expected:{referral.pk}:{expected.isoformat()}"
        if not _already_written(referral, source):
            context = {"days": (today - expected).days}
            yield Reminder(Kind.REMINDER_END_EXPECTED, referral, source, ("counsellors",), context)


OUTCOME_AUDIENCE = {
    ContinuedBy.VDAB: ("counsellors",),
    ContinuedBy.OCMW: ("caseworkers",),
}


def outcome_reminders(today: datetime.date) -> Iterator[Reminder]:
    months = [int(m) for m in CheckupMonths.values]
    # Generous date bounds (a month has 28 to 31 days); the exact check is in Python.
    earliest_end = today - datetime.timedelta(days=31 * (max(months) + OUTCOME_REMINDER_MONTHS))
    latest_end = today - datetime.timedelta(days=28 * min(months))
    referrals = (
        _candidates(Kind.REMINDER_OUTCOME_DUE)
        .filter(
            state__in=[State.ENDED, State.CLOSED],
            end_result__in=POSITIVE_END_RESULTS,
            end_date__gte=earliest_end,
            end_date__lte=latest_end,
        )
        .prefetch_related("outcomes")
    )
    for referral in referrals:
        recorded = {outcome.months for outcome in referral.outcomes.all()}
        for month in months:
            due_on = referral.outcome_due_date(month)
            stale_on = referral.outcome_due_date(month + OUTCOME_REMINDER_MONTHS)
            source = f"reminder:outcome:{referral.pk}:{month}"
            if (
                month in recorded
                or not due_on <= today < stale_on
                or _already_written(referral, source)
            ):
                continue
            audience = OUTCOME_AUDIENCE.get(referral.continued_by, ("counsellors", "caseworkers"))
            context = {"months": month, "due_on": due_on}
            yield Reminder(Kind.REMINDER_OUTCOME_DUE, referral, source, audience, context)


def due_reminders(today: datetime.date) -> Iterator[Reminder]:
    yield from no_intake_reminders(today)
    yield from no_start_reminders(today)
    yield from no_handover_reminders(today)
    yield from end_expected_reminders(today)
    yield from outcome_reminders(today)
