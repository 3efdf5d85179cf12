"""Time the background jobs on bench-data's Flanders (`make bench-jobs`, issue 14): what beat
runs every morning, every month and every half minute, at a million referrals.

- the daily reminders: finding those due (the selection alone, then with the referrals of
  those due read as the task reads them), writing one, and finding none once every one is
  written, as on any morning after the first;
- the monthly retention: its dry run (every client due), pseudonymising 200 clients, the
  run's batch, and deleting the webhook deliveries past their own term;
- the relay of e-mails and webhook calls whose task is lost, every NOTIFY_RELAY_EVERY
  seconds;
- the daily digest of a busy day: the 200 latest messages of the reader with the most.

Prints the median of --repeat runs of each, the rows it found or wrote, and the process's
peak memory after it. Everything runs in one transaction that is rolled back at the end:
the database stays as bench-data filled it (but for its sequences, which a rollback does
not take back), and no e-mail or call leaves (they are handed to the broker only on
commit, and that hand-off is replaced by nothing). Figures only: nothing here passes or
fails on a time."""

import contextlib
import datetime
import resource
import statistics
import time
from collections.abc import Callable
from itertools import islice

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from notifications import digest, reminders, tasks
from notifications.delivery import EMAILS
from notifications.models import Notification
from notifications.outbox import message_key
from operations.benchmarks import step_cases
from referrals.models import Client, Referral
from referrals.services import retention
from webhooks.models import Delivery
from webhooks.retention import forget_old_deliveries
from webhooks.sender import WEBHOOKS

# The messages in the digest timed: a busy day's.
DIGEST_MESSAGES = 200
FINDERS = (
    reminders.no_intake_reminders,
    reminders.no_start_reminders,
    reminders.no_handover_reminders,
    reminders.end_expected_reminders,
    reminders.outcome_reminders,
)


class Command(BaseCommand):
    help = (
        "Time the reminders, the retention, the relay and the digest on bench-data's "
        "database, in a transaction rolled back at the end (`make bench-jobs`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3, help="timed runs of each job")
        parser.add_argument("--write", type=int, default=100, help="reminders written, timed")

    def handle(self, *args, repeat, write, **options):
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and "test" not in name:
            raise CommandError(
                "bench_jobs pseudonymises clients and writes reminders before it rolls them "
                f"back: run it on a throwaway database whose name contains 'bench' (this is "
                f"{name!r}); `make bench-data` makes one, `make bench-jobs` runs it there."
            )
        today = timezone.localdate()
        self.stdout.write(
            f"bench-jobs: {Referral.objects.count():,} referrals, "
            f"{Notification.objects.count():,} messages, on {today}; median of {repeat}"
        )
        self.stdout.write(f"{'job':<40} {'median s':>9} {'found':>9} {'peak MB':>8}")
        # The relay and the digest first, on the messages as filled: the e-mails the
        # reminders write are pending until the commit that never comes, and the rows that
        # mark them written have one reader.
        with contextlib.ExitStack() as stack, transaction.atomic():
            # Nothing is handed to the broker: the hand-offs wait for a commit that never
            # comes, and should one come sooner, it is replaced by nothing.
            for patch in step_cases.without_broker():
                stack.enter_context(patch)
            self.time_relay(repeat)
            self.time_digest(today)
            self.time_retention(repeat)
            self.time_reminders(today, repeat, write)
            transaction.set_rollback(True)
        # What was written and rolled back is left in the messages' indexes until vacuumed:
        # the relay's index reads it (100,000 dead rows took the relay from 2 to 110 ms).
        # Not inside a transaction of the caller's (a test's), where VACUUM cannot run.
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {Notification._meta.db_table}")

    def time_reminders(self, today: datetime.date, repeat: int, write: int) -> None:
        found = self.time(
            "reminders: found due, keys only",
            repeat,
            lambda: [due for finder in FINDERS for due in finder(today)],
        )
        self.time(
            "reminders: found due, referrals read",
            repeat,
            lambda: sum(1 for _ in reminders.due_reminders(today)),
        )
        rows = []

        def write_one(reminder):
            with transaction.atomic():  # a savepoint, as the task's transaction of its own
                rows.append(len(tasks.write_reminder(reminder)[1]))

        written = list(islice(reminders.due_reminders(today), write))
        timings = [self.seconds(write_one, reminder) for reminder in written]
        if timings:
            self.line(
                f"reminders: one written ({statistics.median(rows):.0f} rows)",
                statistics.median(timings),
                len(timings),
            )
        self.mark_written(found)
        self.time(
            "reminders: every one written before",
            repeat,
            lambda: sum(1 for _ in reminders.due_reminders(today)),
        )

    def mark_written(self, found: list[reminders.Due]) -> None:
        """The in-app row of every reminder found (the row the selection reads), as the task
        would have written it, to one recipient."""
        recipient_id = get_user_model().objects.order_by("pk").values_list("pk", flat=True)[0]
        now = timezone.now()
        Notification.objects.bulk_create(
            (
                Notification(
                    idempotency_key=message_key(
                        due.source, due.kind, recipient_id, Notification.Channel.IN_APP
                    ),
                    recipient_id=recipient_id,
                    channel=Notification.Channel.IN_APP,
                    kind=due.kind,
                    referral_id=due.referral_id,
                    subject="bench",
                    body="bench",
                    created_at=now,
                )
                for due in found
            ),
            batch_size=5000,
            ignore_conflicts=True,
        )

    def time_retention(self, repeat: int) -> None:
        self.time(
            "retention: dry run",
            repeat,
            lambda: retention.apply_retention(dry_run=True).clients,
        )
        due = retention.clients_due_for_retention().order_by("insz", "pk")
        persons = list(due.values_list("pk", flat=True)[: retention.BATCH * repeat])
        batches = [
            list(Client.objects.filter(pk__in=persons[start : start + retention.BATCH]))
            for start in range(0, len(persons), retention.BATCH)
        ]
        timings = [
            self.seconds(lambda clients=clients: retention.clients_pseudonymise(clients=clients))
            for clients in batches
        ]
        if timings:
            self.line(
                f"retention: {retention.BATCH} clients pseudonymised",
                statistics.median(timings),
                len(persons),
            )
        self.time(
            "retention: webhook deliveries deleted",
            1,
            lambda: forget_old_deliveries()[Delivery._meta.label],
        )

    def time_relay(self, repeat: int) -> None:
        for name, outbox in (("e-mails", EMAILS), ("webhook calls", WEBHOOKS)):
            self.time(f"relay: {name}", repeat, outbox.relay)

    def time_digest(self, today: datetime.date) -> None:
        """The DIGEST_MESSAGES latest in-app messages of the reader with the most, waiting
        for their digest: a busy day."""
        reader = (
            Notification.objects.filter(channel=Notification.Channel.IN_APP)
            .values("recipient")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if reader is None:
            return
        theirs = Notification.objects.filter(
            recipient=reader["recipient"], channel=Notification.Channel.IN_APP
        )
        latest = list(theirs.order_by("-created_at").values_list("pk", flat=True)[:DIGEST_MESSAGES])
        Notification.objects.filter(pk__in=latest).update(in_digest=True, digest=None)
        self.time("digest: readers waiting", 1, digest.readers_waiting)
        user = get_user_model().objects.get(pk=reader["recipient"])
        self.time(
            f"digest: of {len(latest)} messages",
            1,
            lambda: digest.write_digest(user, today),
        )

    # --- timing ------------------------------------------------------------------------

    def time(self, name: str, repeat: int, job: Callable):
        """Run `job` `repeat` times, print the median; what its last run returned."""
        timings, result = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            result = job()
            timings.append(time.perf_counter() - started)
        found = result if isinstance(result, int) else len(result)
        self.line(name, statistics.median(timings), found)
        return result

    def seconds(self, job: Callable, *args) -> float:
        started = time.perf_counter()
        job(*args)
        return time.perf_counter() - started

    def line(self, name: str, seconds: float, found: int) -> None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"{name:<40} {seconds:>9.3f} {found:>9,} {peak:>8.0f}")
        connection.queries_log.clear()
