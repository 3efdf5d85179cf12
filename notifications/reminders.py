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
is not due, or already reminded, costs no query of its own. It reads each candidate as a
key and a date or two, and only the referrals found due as models with their relations:
at the scale of Flanders a morning has some 100,000 candidates, nearly all reminded
already. Working days are Belgian (`referrals.workdays`)."""

import datetime
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from django.conf import settings

from referrals.enums import (
    HANDOVER_DUE_STATES,
    OUTCOME_REMINDER_MONTHS,
    POSITIVE_END_RESULTS,
    CheckupMonths,
    ContinuedBy,
    State,
)
from referrals.models import OutcomeCheck, Referral
from referrals.models.followup import add_months
from referrals.models.querysets import interrupted_now

# The working days live with the referrals, whose overdue work counts them too.
from referrals.workdays import (  # noqa: F401 (the reminders' tests import them from here)
    add_working_days,
    is_working_day,
    working_days_ago,
    working_days_between,
)

from .models import Kind, Notification
from .outbox import source_of
from .recipients import caseworkers_for, counsellors_for

logger = logging.getLogger(__name__)

# What the recipients and the templates read, fetched with the referrals found due.
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
    # The holders of a role that the reminders of a batch go to, read once for the batch
    # (`recipients._holders`).
    holders: dict | None = field(default=None, compare=False, repr=False)

    def recipients(self) -> list:
        people = {"caseworkers": caseworkers_for, "counsellors": counsellors_for}
        return [
            person for side in self.audience for person in people[side](self.referral, self.holders)
        ]


@dataclass(frozen=True)
class Due:
    """A reminder found due, by its referral's key: `due_reminders` reads the referrals of
    those found due, `READ_BATCH` at a time, and of no other candidate."""

    kind: str
    referral_id: int
    source: str
    audience: tuple[str, ...]
    context: dict = field(default_factory=dict)


# Referrals read (with RELATED) per query for the reminders found due.
READ_BATCH = 500


def _rows(candidates, *fields) -> list[tuple]:
    """The key and `fields` of each candidate referral, in the referrals' order (the latest
    changed first): a tuple each, not a model instance with its relations. At the scale of
    Flanders a kind of reminder has tens of thousands of candidates a morning, nearly all
    reminded already."""
    return list(candidates.values_list("pk", *fields))


def _written(kind: str, candidates) -> set[str]:
    """The sources of the reminders of `kind` written for `candidates`, from the keys of their
    in-app rows (`outbox.source_of`; the in-app row is written for every recipient, e-mail
    or not)."""
    keys = Notification.objects.filter(
        kind=kind, channel=Notification.Channel.IN_APP, referral__in=candidates.values("pk")
    ).values_list("idempotency_key", flat=True)
    return {source_of(key) for key in keys.order_by()}


def _not_written(kind: str, candidates, field: str, source: str) -> Iterator[tuple]:
    """(key, `field`, source) of each candidate whose reminder of `kind` is not written yet;
    `source` names the reminder from the referral's `pk` and that field's `day`."""
    rows = _rows(candidates, field)
    written = _written(kind, candidates) if rows else set()
    for pk, day in rows:
        if (name := source.format(pk=pk, day=day)) not in written:
            yield pk, day, name


def no_intake_reminders(today: datetime.date) -> Iterator[Due]:
    days = settings.NOTIFY_REMINDER_NO_INTAKE_WORKING_DAYS
    candidates = Referral.objects.filter(
        state=State.AGREED, agreed_on__lte=working_days_ago(today, days)
    )
    kind = Kind.REMINDER_NO_INTAKE
    for pk, agreed_on, source in _not_written(
        kind, candidates, "agreed_on", "reminder:no_intake:{pk}"
    ):
        context = {"working_days": working_days_between(agreed_on, today)}
        yield Due(kind, pk, source, ("counsellors",), context)


def no_start_reminders(today: datetime.date) -> Iterator[Due]:
    days = settings.NOTIFY_REMINDER_NO_START_DAYS
    candidates = Referral.objects.filter(
        state=State.ADMITTED, probable_start_date__lte=today - datetime.timedelta(days=days)
    )
    kind = Kind.REMINDER_NO_START
    for pk, probable_start, source in _not_written(
        kind, candidates, "probable_start_date", "reminder:no_start:{pk}:{day}"
    ):
        context = {"days": (today - probable_start).days}
        yield Due(kind, pk, source, ("counsellors",), context)


def no_handover_reminders(today: datetime.date) -> Iterator[Due]:
    days = settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS
    candidates = Referral.objects.filter(
        state__in=HANDOVER_DUE_STATES,
        handover_at__isnull=True,
        agreed_on__lte=working_days_ago(today, days),
    )
    kind = Kind.REMINDER_NO_HANDOVER
    for pk, agreed_on, source in _not_written(
        kind, candidates, "agreed_on", "reminder:no_handover:{pk}"
    ):
        context = {"working_days": working_days_between(agreed_on, today)}
        yield Due(kind, pk, source, ("caseworkers",), context)


def end_expected_reminders(today: datetime.date) -> Iterator[Due]:
    """A training still running past its expected end. An interruption pauses it (none
    while one runs) and moves it on (the expected end moves by the days interrupted, and
    with it the reminder's milestone)."""
    days = settings.NOTIFY_REMINDER_END_EXPECTED_DAYS
    candidates = Referral.objects.filter(
        ~interrupted_now(),
        state=State.IN_TRAINING,
        expected_end_date__lte=today - datetime.timedelta(days=days),
    )
    kind = Kind.REMINDER_END_EXPECTED
    for pk, expected, source in _not_written(
        kind, candidates, "expected_end_date", "reminder:end_expected:{pk}:{day}"
    ):
        context = {"days": (today - expected).days}
        yield Due(kind, pk, source, ("counsellors",), context)


OUTCOME_AUDIENCE = {
    ContinuedBy.VDAB: ("counsellors",),
    ContinuedBy.OCMW: ("caseworkers",),
}


def outcome_reminders(today: datetime.date) -> Iterator[Due]:
    months = [int(m) for m in CheckupMonths.values]
    # Generous date bounds (a month has 28 to 31 days); the exact check is in Python.
    earliest_end = today - datetime.timedelta(days=31 * (max(months) + OUTCOME_REMINDER_MONTHS))
    latest_end = today - datetime.timedelta(days=28 * min(months))
    candidates = Referral.objects.filter(
        state__in=[State.ENDED, State.CLOSED],
        end_result__in=POSITIVE_END_RESULTS,
        end_date__gte=earliest_end,
        end_date__lte=latest_end,
    )
    rows = _rows(candidates, "end_date", "continued_by")
    if not rows:
        return
    recorded = set(
        OutcomeCheck.objects.filter(referral__in=candidates.values("pk"))
        .order_by()
        .values_list("referral_id", "months")
    )
    written = _written(Kind.REMINDER_OUTCOME_DUE, candidates)
    for pk, end_date, continued_by in rows:
        for month in months:
            due_on = add_months(end_date, month)
            stale_on = add_months(end_date, month + OUTCOME_REMINDER_MONTHS)
            source = f"reminder:outcome:{pk}:{month}"
            if (pk, month) in recorded or not due_on <= today < stale_on or source in written:
                continue
            audience = OUTCOME_AUDIENCE.get(continued_by, ("counsellors", "caseworkers"))
            context = {"months": month, "due_on": due_on}
            yield Due(Kind.REMINDER_OUTCOME_DUE, pk, source, audience, context)


def due_reminders(today: datetime.date, skip: Collection[str] = ()) -> Iterator[Reminder]:
    """Every reminder due `today` but those whose source is in `skip`, with its referral
    read with what the recipients and the templates need (`RELATED`), `READ_BATCH`
    referrals a query."""
    found = (
        due
        for due in chain(
            no_intake_reminders(today),
            no_start_reminders(today),
            no_handover_reminders(today),
            end_expected_reminders(today),
            outcome_reminders(today),
        )
        if due.source not in skip
    )
    while batch := list(islice(found, READ_BATCH)):
        referrals = Referral.objects.select_related(*RELATED).in_bulk(
            {due.referral_id for due in batch}
        )
        holders: dict = {}
        for due in batch:
            if referral := referrals.get(due.referral_id):
                yield Reminder(due.kind, referral, due.source, due.audience, due.context, holders)
            else:
                logger.info("Reminder %s: its referral was deleted meanwhile", due.source)
