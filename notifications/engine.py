"""The delivery engine every outbox shares: e-mails (`notifications.delivery`) and webhook
calls (`webhooks.sender`). Each outbox is a model with the `Deliverable` fields and an
`Outbox` describing it; what differs is only how one row is handed over (SMTP, an HTTP
POST), which the outbox's sender does and reports as an `Outcome` (`notifications.outcomes`).

One row goes out in two transactions (`Outbox.attempt`, run by the outbox's task):

1. **Claim** (committed before any network traffic): lock the row with `SELECT ... FOR
   UPDATE SKIP LOCKED`; only a `pending` row whose attempt is due, or a `sending` row whose
   claim is older than NOTIFY_SENDING_LEASE, is claimed: it becomes `sending`, its attempt
   is counted and `claimed_at` stamped. The attempt number is the claim's token. Because it
   is committed, a worker killed mid-delivery leaves a visible `sending` row with that
   attempt counted, so a row that kills every worker still ends `failed`.
2. **Send**: lock the row again, only if it is still `sending` under our attempt number,
   and hold that lock while the sender talks to the other side. On PostgreSQL the lock is
   the sender's proof of life: it lasts exactly as long as its database connection,
   however long the other side stalls, and nobody else takes a locked row (`skip_locked`).
   The outcome is recorded on the locked row and committed.
3. **Recovery**: `Outbox.relay` (run by beat) dispatches again what has no live task: a
   `pending` row with none in the queue (`queued_at` empty: the enqueue failed, as with the
   broker down at commit) NOTIFY_RELAY_AFTER seconds after it was due; a `pending` row whose
   task has waited NOTIFY_QUEUE_PATIENCE seconds past its due time (a whole worker killed
   with tasks in hand); a `sending` row whose claim is older than the lease (a worker lost
   mid-send). A task merely waiting behind a backlog is not duplicated. A second task for a
   row converges with the first: a `sending` row is retaken only if it can be locked (its
   sender is gone), a `pending` one only once its attempt is due.

Outcomes: a temporary failure puts the row back to `pending` with `last_error` and
`next_attempt_at`, and the task retries after `backoff()` (exponential, full jitter,
capped); a permanent one, a row that must not be sent (`refused`), or the outbox's last
attempt ends it `failed`, where it waits for a person (`Outbox.redeliver`, the admin's
Retry). Any other error (a bug, the database) is recorded in a transaction of its own, the
row put back to `pending` for the relay (or `failed` on the last attempt), and raised to
be logged: no row waits, silently `sending`, for its lease to run out. Without a broker (no
REDIS_URL) tasks run in-process after commit: a temporary failure is recorded and left to
the relay, never retried inside the web request.

What each outbox guarantees on top of this (the window in which a row goes out twice)
depends on its protocol: `notifications.delivery` for SMTP, docs/webhooks.md for HTTP."""

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import Reject
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError

from .deliverable import DeliveryStatus as Status
from .outcomes import Outcome, backoff

logger = logging.getLogger(__name__)

# A retry's task may reach a worker whose clock is slightly behind the one that planned it.
CLOCK_TOLERANCE = datetime.timedelta(seconds=1)
# What a row keeps of an error message.
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Outbox:
    """One outbox: its model (with the `Deliverable` fields), which of its rows the engine
    delivers (`scope`: the e-mails among the notifications), what its log lines call a row
    (`noun`) and its task (`name`), and the setting that bounds its attempts. The lease,
    the relay's timings and the backoff (NOTIFY_*) are the engine's, shared."""

    model: type
    noun: str
    name: str
    max_attempts_setting: str = "NOTIFY_MAX_ATTEMPTS"
    scope: Q = field(default_factory=Q)

    @property
    def max_attempts(self) -> int:
        return getattr(settings, self.max_attempts_setting)

    def rows(self):
        return self.model._default_manager.filter(self.scope)

    # --- one attempt -------------------------------------------------------------------

    def attempt(
        self,
        pk: int,
        send: Callable[[Any, Any], Outcome],
        *,
        retried: bool,
        session: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
        related: Iterable[str] = (),
    ) -> tuple[str, float]:
        """Deliver row `pk` once: its status after this attempt ("skipped" for a row that is
        sent, failed, not due yet or in another worker's hands, so that any number of runs
        for one row deliver it once), and the seconds to wait before the next attempt if it
        is left `pending`. `send(row, resource)` hands the (locked) row over; `resource` is
        what `session()` opened, closed only after the outcome is committed. `retried`: the
        caller publishes the next attempt itself (the row is then recorded as queued);
        otherwise it is left to the relay."""
        attempt = self.claim(pk)
        if attempt is None:
            return "skipped", 0.0
        retry_in = backoff(attempt)
        try:
            with session() as resource:
                with transaction.atomic():
                    row = self.locked(pk, attempt, related)
                    if row is None:  # our claim was taken over; that worker sends it
                        return "skipped", 0.0
                    outcome = send(row, resource)
                    status = self.conclude(row, outcome, retry_in=retry_in, retried=retried)
        except Exception as exc:
            # Not an outcome of the other side (the sender reports those) but a bug or the
            # database; the attempt's transaction is rolled back. The relay takes the row.
            self.record_unexpected(pk, attempt, exc, retry_in=retry_in)
            raise
        return status, retry_in

    def claim(self, pk: int) -> int | None:
        """Mark the row `sending` and count the attempt, in a transaction of its own; the
        attempt number, or None if the row is not ours to send.

        A `pending` row is taken only once its next attempt is due: a second task for it
        (the relay's, or one a lost worker's broker connection hands back late) finds it
        waiting for its backoff and leaves it to the task that planned that attempt."""
        now = timezone.now()
        lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
        due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_TOLERANCE)
        # Durable: the claim must be committed before the conversation starts.
        with transaction.atomic(durable=True):
            row = (
                self.rows()
                .select_for_update(skip_locked=True)
                .filter(pk=pk)
                .filter(
                    (Q(status=Status.PENDING) & due)
                    | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
                )
                .only("status", "attempts")
                .first()
            )
            if row is None:
                return None
            if row.attempts >= self.max_attempts:
                # Only a worker lost during the last attempt gets here.
                self.model._default_manager.filter(pk=pk).update(
                    status=Status.FAILED,
                    last_error=f"Gave up after {row.attempts} attempts; the last one was "
                    "interrupted (worker lost).",
                )
                return None
            # Compare and set: also safe where select_for_update does nothing (SQLite).
            # While it is being sent no next attempt is planned and no task waits for it.
            claimed = self.model._default_manager.filter(
                pk=pk, status=row.status, attempts=row.attempts
            ).update(
                status=Status.SENDING,
                attempts=F("attempts") + 1,
                claimed_at=now,
                next_attempt_at=None,
                queued_at=None,
            )
        return row.attempts + 1 if claimed else None

    def locked(self, pk: int, attempt: int, related: Iterable[str] = ()):
        """The row, locked until the end of the transaction, if it is still our claim."""
        related = list(related)
        rows = self.model._default_manager.select_for_update(skip_locked=True, of=("self",))
        if related:
            rows = rows.select_related(*related)
        return rows.filter(pk=pk, status=Status.SENDING, attempts=attempt).first()

    def conclude(self, row, outcome: Outcome, *, retry_in: float, retried: bool) -> str:
        """Record `outcome` on the locked row; its status."""
        fields = outcome.fields or {}
        if outcome.status == Status.SENT:
            return self.record(row, Status.SENT, **fields)
        if outcome.refused:
            logger.info("%s %s not sent: %s", self.noun, row.pk, outcome.error)
            return self.record(row, Status.FAILED, error=outcome.error, **fields)
        if outcome.status == Status.FAILED or row.attempts >= self.max_attempts:
            logger.error(
                "%s %s failed (attempt %s): %s", self.noun, row.pk, row.attempts, outcome.error
            )
            return self.record(row, Status.FAILED, error=outcome.error, **fields)
        logger.warning("%s %s, attempt %s: %s", self.noun, row.pk, row.attempts, outcome.error)
        return self.record(
            row, Status.PENDING, error=outcome.error, retry_in=retry_in, queued=retried, **fields
        )

    def record(
        self,
        row,
        status: str,
        *,
        error: str = "",
        retry_in: float | None = None,
        queued: bool = False,
        **fields,
    ) -> str:
        now = timezone.now()
        row.status = status
        row.last_error = error[:ERROR_LENGTH]
        row.next_attempt_at = (
            None if retry_in is None else now + datetime.timedelta(seconds=retry_in)
        )
        row.queued_at = now if queued else None
        row.sent_at = now if status == Status.SENT else None
        for name, value in fields.items():
            setattr(row, name, value)
        row.save(
            update_fields=[
                "status",
                "last_error",
                "next_attempt_at",
                "queued_at",
                "sent_at",
                *fields,
            ]
        )
        return status

    def record_unexpected(self, pk: int, attempt: int, exc: Exception, *, retry_in) -> None:
        """Record an error that is not the other side's, in a transaction of its own: the
        row goes back to `pending` for the relay, or ends `failed` on the last attempt.
        Only while the row is still our claim (`sending` under our attempt number)."""
        give_up = attempt >= self.max_attempts
        next_attempt_at = None if give_up else timezone.now() + datetime.timedelta(seconds=retry_in)
        logger.error(
            "%s %s, attempt %s, unexpected error: %r; %s",
            self.noun,
            pk,
            attempt,
            exc,
            "failed, the attempts are used up" if give_up else "left pending for the relay",
        )
        try:
            with transaction.atomic():
                self.model._default_manager.filter(
                    pk=pk, status=Status.SENDING, attempts=attempt
                ).update(
                    status=Status.FAILED if give_up else Status.PENDING,
                    last_error=f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH],
                    next_attempt_at=next_attempt_at,
                )
        except Exception:  # noqa: BLE001 - the database itself may be the trouble
            logger.exception(
                "%s %s: the error could not be recorded; the relay retakes it after the lease",
                self.noun,
                pk,
            )

    # --- tasks, the queue and the relay -------------------------------------------------

    def run_task(self, task, pk: int, send_one: Callable[..., tuple[str, float]]) -> str:
        """The body of the outbox's Celery task (bound, acks_late, max_retries=None): one
        attempt, and a retry published with backoff while the failure is temporary."""
        retried = not task.request.is_eager
        status, retry_in = send_one(pk, retried=retried)
        if status == Status.PENDING and retried:
            try:
                raise task.retry(countdown=retry_in)
            except Reject:  # the retry could not be published: the relay takes the row
                self.not_queued([pk])
                raise
        return status

    def not_queued(self, pks: list[int]) -> None:
        """Record that no task for these pending rows waits in the broker (publishing
        failed): the relay sends them NOTIFY_RELAY_AFTER seconds after they are due,
        rather than waiting NOTIFY_QUEUE_PATIENCE for a task that was never queued."""
        try:
            self.model._default_manager.filter(pk__in=pks, status=Status.PENDING).update(
                queued_at=None
            )
        except Exception:  # noqa: BLE001 - often run after commit, in a request: never raise
            logger.exception("Could not record %s %s as not queued", self.name, pks)

    def enqueue(self, task, pks: Iterable[int]) -> None:
        """Hand rows to `task` in the worker. If the broker is down the rows stay pending
        and the relay sends them later: nothing is lost, only delayed.

        This runs after commit, often in the web request that committed: each id is
        published once, without publish retries, and the first broker error ends it (the
        broker is down for the rest as well), so a request waits for one connection
        attempt, not for Celery's retries once per row. `retry_policy={"max_retries": 0}`
        rather than `retry=False`: without a policy kombu retries the connection by itself,
        for up to broker_connection_timeout (some 6 s against a stopped Redis)."""
        pks = list(pks)
        for position, pk in enumerate(pks):
            try:
                task.apply_async((pk,), retry_policy={"max_retries": 0})
            except OperationalError as exc:  # kombu's, for the transport's connection errors
                logger.warning(
                    "Could not enqueue %s %s and %d more (%s); they stay pending, the relay "
                    "will send them",
                    self.name,
                    pk,
                    len(pks) - position - 1,
                    exc,
                )
                self.not_queued(pks[position:])
                return
            except Exception:  # in-process (no broker): the delivery itself failed, recorded
                logger.exception("Could not enqueue %s %s; the relay will retry it", self.name, pk)
                self.not_queued([pk])  # with a broker: no task was published

    def relay(self) -> list[int]:
        """The rows whose task is lost (see the module's "Recovery"), oldest first, at most
        NOTIFY_RELAY_BATCH, stamped `queued_at` = now in the same transaction; the caller
        enqueues them."""
        now = timezone.now()
        overdue = now - datetime.timedelta(seconds=settings.NOTIFY_RELAY_AFTER)
        presumed_lost = now - datetime.timedelta(seconds=settings.NOTIFY_QUEUE_PATIENCE)
        lease_expired = now - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
        no_task = Q(queued_at__isnull=True)
        task_lost = Q(queued_at__lt=presumed_lost)
        with transaction.atomic():
            pks = list(
                self.rows()
                .select_for_update(skip_locked=True)
                .alias(due=Coalesce("next_attempt_at", "created_at"))
                .filter(
                    (Q(status=Status.PENDING, due__lt=overdue) & no_task)
                    | (Q(status=Status.PENDING, due__lt=presumed_lost) & task_lost)
                    | (
                        Q(status=Status.SENDING, claimed_at__lt=lease_expired)
                        & (no_task | task_lost)
                    )
                )
                .order_by("created_at", "pk")
                .values_list("pk", flat=True)[: settings.NOTIFY_RELAY_BATCH]
            )
            self.model._default_manager.filter(pk__in=pks).update(queued_at=now)
        return pks

    def redeliver(self, pks: Iterable[int], enqueue: Callable[[list[int]], None]) -> int:
        """Put failed (or stuck pending, or abandoned `sending`) rows back in the queue with
        a fresh count of attempts, handed to `enqueue` after commit; the number put back.
        The admin's Retry action.

        A row in a worker's hands (locked, or `sending` under a claim younger than
        NOTIFY_SENDING_LEASE) is left to that worker and the relay."""
        lease_expired = timezone.now() - datetime.timedelta(seconds=settings.NOTIFY_SENDING_LEASE)
        with transaction.atomic():
            chosen = list(
                self.rows()
                .select_for_update(skip_locked=True)
                .filter(pk__in=list(pks))
                .filter(
                    Q(status__in=[Status.FAILED, Status.PENDING])
                    | Q(status=Status.SENDING, claimed_at__lt=lease_expired)
                )
                .values_list("pk", flat=True)
            )
            self.model._default_manager.filter(pk__in=chosen).update(
                status=Status.PENDING,
                attempts=0,
                last_error="",
                next_attempt_at=None,
                queued_at=timezone.now(),
            )
            transaction.on_commit(lambda: enqueue(chosen))
        return len(chosen)
