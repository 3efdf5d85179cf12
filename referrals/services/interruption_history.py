"""What an interruption leaves besides its row, and what the end of the training does with
one: the history line and its announcement, the referral's expected end moved on by the
days interrupted, and an end refused before an interruption's days or closing the one that
runs. Apart from `interruptions` so that the end step (`steps.referral_end`) can use it."""

import datetime
import functools

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..changes import snapshot
from ..enums import INTERRUPTION_ENDED
from ..models import Interruption, Referral, ReferralEvent
from ..models.interruptions import expected_end
from ..models.statements import objects_from
from ..signals import referral_event

# What a history line keeps of an interruption (its note is the line's `reason`).
INTERRUPTION_FIELDS = ["reason", "from_date", "to_date"]


def check_end_date(referral: Referral, end_date: datetime.date) -> Interruption | None:
    """Refuse an end before an interruption's first or last day: they lie within the
    training. The interruption still running, if any, locked until the end of the step,
    which ends it on the end date (`close_at_end`): one query for both. Call with the
    referral locked (`locks.lock_referral`): the interruption services lock the referral
    first and its interruptions after it, and so must the end; and read in a statement of
    their own after that lock, the interruptions are as the lock's holder left them.

    One fixed statement (`_around_end_statement`), read as model objects
    (`statements.objects_from`): the ORM took 1.1 ms building and reading it, where Django's
    raw query took 0.5."""
    alias = router.db_for_write(Interruption, instance=referral)
    around = objects_from(
        Interruption, alias, _around_end_statement(alias), [referral.pk, end_date, end_date]
    )
    running = None
    for interruption in around:
        # As the related manager would: its save (`close_at_end`) finds the referral's
        # figures to renew at hand (`reports.receivers`) rather than reads them.
        interruption.referral = referral
        # A running one's last day so far is its first.
        if (interruption.to_date or interruption.from_date) > end_date:
            raise ValidationError(
                {
                    "end_date": _(
                        "The end cannot be before a day of the interruption from %(date)s; "
                        "correct the interruption first if it is wrong."
                    )
                    % {"date": day(interruption.from_date)}
                }
            )
        if interruption.to_date is None:
            running = interruption
    return running


@functools.cache
def _around_end_statement(alias: str) -> str:
    """`check_end_date`'s statement, from the model's table: the referral's interruptions
    that still run or lie after the end, earliest first, locked (where the database locks
    rows). The parameters are the referral's key and the end date twice."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    table = Interruption._meta
    from_date, to_date = (qn(table.get_field(name).column) for name in ("from_date", "to_date"))
    columns = ", ".join(qn(f.column) for f in table.concrete_fields)
    lock = connection.features.has_select_for_update
    # Names from the model, values as parameters.
    return (
        f"SELECT {columns} FROM {qn(table.db_table)}"  # noqa: S608
        f" WHERE {qn(table.get_field('referral').column)} = %s"
        f" AND ({to_date} IS NULL OR {from_date} > %s OR {to_date} > %s)"
        f" ORDER BY {from_date}, {qn(table.pk.column)}"
        + (f" {connection.ops.for_update_sql()}" if lock else "")
    )


def close_at_end(
    referral: Referral, running: Interruption | None, *, user, at: datetime.datetime | None = None
) -> None:
    """The training ended during an interruption (`running`, as `check_end_date` found it):
    the interruption ends on the end date too (a line in the history; the end's own message
    tells the other side)."""
    if running is None:
        return
    before = snapshot(running)
    running.to_date = referral.end_date
    running.save(update_fields=["to_date"])
    history(referral, running, INTERRUPTION_ENDED, user=user, at=at, before=before, at_end=True)


def shift_expected_end(referral: Referral) -> None:
    """The expected end: the start plus the training's duration, plus every day of the
    interruptions that are over (a running one pauses the reminders until it ends)."""
    if referral.start_date is None:
        return
    days = sum(i.days() for i in referral.interruptions.exclude(to_date__isnull=True))
    shifted = expected_end(referral.start_date, referral.training.duration_months, days)
    if shifted != referral.expected_end_date:
        referral.expected_end_date = shifted
        referral.save(update_fields=["expected_end_date", "updated_at"])


def history(
    referral: Referral,
    interruption: Interruption,
    transition: str,
    *,
    user,
    at,
    before: dict | None = None,
    note: str = "",
    at_end: bool = False,
) -> ReferralEvent:
    """The expected end moved on, the history line (what the interruption is now, and what
    changed from `before`) and its announcement."""
    shift_expected_end(referral)
    after = snapshot(interruption)
    shown = [n for n in INTERRUPTION_FIELDS if before is None or before[n] != after[n]]
    data = {
        "interruption_id": interruption.pk,
        "after": {name: after[name] for name in INTERRUPTION_FIELDS},
    }
    if before is not None:
        data["before"] = {name: before[name] for name in shown}
    if at_end:
        data["at_end"] = True
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at or timezone.now(),
        transition=transition,
        from_state="",
        to_state=referral.state,
        reason=note,
        data=data,
    )
    referral_event.send(sender=Referral, event=event)
    return event


def day(value: datetime.date) -> str:
    """A date as the messages show it."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")
