"""Benchmark e-mail delivery end to end: steps committed here, a real Celery worker and beat
(run as in production) taking them from Redis, a real SMTP server (aiosmtpd) in this process.

Two rounds of N steps each: a steady one, then one in which the SMTP server is down for
--smtp-outage seconds from the middle of the commits on. For each it prints how many
e-mails were expected, delivered, duplicated and lost, the latency from the commit of each
step to its acceptance by the mail server, and the `deliver` tasks the worker ran per
e-mail delivered (from its log: attempts, retries, and tasks that found nothing to do).
The relay runs every second and takes what is 2 s overdue (unless NOTIFY_* say otherwise),
so that it would duplicate anything it should leave alone. A development tool: it needs
requirements-dev.txt and the tests folder (factories, SMTP server, process helpers), and a
throwaway PostgreSQL database (`make bench-notify` makes and drops one)."""

import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from celery import current_app as celery_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from notifications.delivery import message_id
from notifications.models import Notification
from referrals.benchmarks import percentile
from referrals.enums import State

QUIET = 3.0  # seconds to keep listening for duplicates once everything has arrived


class Command(BaseCommand):
    help = (
        "Push N referral steps through the real worker to a local SMTP server and print "
        "delivered, duplicates, lost and commit-to-SMTP latency (PostgreSQL and Redis only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transitions", type=int, default=1000, help="steps to commit")
        parser.add_argument(
            "--concurrency", type=int, default=2, help="worker pool processes (default 2)"
        )
        parser.add_argument(
            "--rate",
            type=float,
            default=0.0,
            help="steps per second to commit (default 0: as fast as this process can)",
        )
        parser.add_argument(
            "--timeout", type=float, default=300.0, help="seconds to wait for delivery"
        )
        parser.add_argument(
            "--smtp-outage",
            type=float,
            default=15.0,
            help="seconds the SMTP server is down in the second round (0: one round only)",
        )
        parser.add_argument("--keep-logs", action="store_true", help="keep worker and beat logs")

    def handle(
        self, *args, transitions, concurrency, rate, timeout, smtp_outage, keep_logs, **options
    ):
        self.check_environment()
        try:
            from tests.notifications.integration.processes import (
                CeleryBeat,
                CeleryWorker,
                celery_env,
                database_url,
                deliver_runs,
            )
            from tests.notifications.integration.smtp_server import SmtpServer
            from tests.referrals.factories import referral_in_state, take_step
        except ImportError as exc:
            raise CommandError(
                f"bench_notify needs requirements-dev.txt and the tests folder: {exc}"
            ) from exc

        rounds = [("steady", 0.0)] + ([("SMTP outage", smtp_outage)] if smtp_outage else [])
        candidates = [self.candidates(transitions, referral_in_state) for _ in rounds]
        log_dir = Path(tempfile.mkdtemp(prefix="bench-notify-"))
        smtp = SmtpServer().start()
        relay = {"NOTIFY_RELAY_EVERY": "1", "NOTIFY_RELAY_AFTER": "2"}
        env = celery_env(
            database_url=database_url(connection.settings_dict),
            redis_url=settings.REDIS_URL,
            smtp_port=smtp.port,
            **{**relay, **{k: v for k, v in os.environ.items() if k.startswith("NOTIFY_")}},
        )
        worker = CeleryWorker(env=env, log_path=log_dir / "worker.log", concurrency=concurrency)
        beat = CeleryBeat(env=env, log_path=log_dir / "beat.log")
        clean = False
        try:
            celery_app.control.purge()  # tasks left in this Redis db by an earlier run
            worker.start()
            beat.start()
            clean = True
            for (name, outage), (referrals, caseworker) in zip(rounds, candidates, strict=True):
                smtp.recorder.reset()
                runs_before = deliver_runs(worker.log())
                commits, pushed_in = self.push(
                    referrals, caseworker, take_step, rate, smtp=smtp, outage=outage
                )
                expected = self.expected(commits)
                waited = self.wait(expected, smtp, timeout)
                runs = deliver_runs(worker.log()) - runs_before
                title = f"{name} ({outage:g} s from the middle of the commits)" if outage else name
                clean &= self.report(title, expected, commits, smtp, pushed_in, waited, runs)
        finally:
            beat.stop()
            worker.stop()
            smtp.stop()
            if clean and not keep_logs:
                shutil.rmtree(log_dir, ignore_errors=True)
            else:
                self.progress(f"Worker and beat logs: {log_dir}")
        if not clean:
            raise CommandError("E-mails were lost or sent twice.")

    def check_environment(self) -> None:
        name = connection.settings_dict["NAME"]
        if connection.vendor != "postgresql" or "bench" not in name:
            raise CommandError(
                "bench_notify writes thousands of rows: run it on a throwaway PostgreSQL "
                f"database whose name contains 'bench' (this is {connection.vendor} {name!r}); "
                "`make bench-notify` makes one."
            )
        if celery_app.conf.task_always_eager or not settings.REDIS_URL:
            raise CommandError("bench_notify needs REDIS_URL: tasks must go through Redis.")

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def candidates(self, count: int, referral_in_state):
        """`count` referrals waiting for the caseworker's agreement (no e-mail so far),
        all for one training with a contact counsellor."""
        from tests.accounts.factories import CaseworkerFactory, CounsellorFactory
        from tests.referrals.factories import TrainingFactory

        self.progress(f"Creating {count} candidate referrals ...")
        training = TrainingFactory(contact_counsellor=CounsellorFactory())
        caseworker = CaseworkerFactory()
        referrals = [
            referral_in_state(State.CANDIDATE, training=training, caseworker=caseworker)
            for _ in range(count)
        ]
        if Notification.objects.filter(
            channel=Notification.Channel.EMAIL, referral__in=referrals
        ).exists():
            raise CommandError("Setting up wrote e-mails already; the figures would mix them in.")
        return referrals, caseworker

    def push(
        self, referrals, caseworker, take_step, rate: float, *, smtp, outage: float
    ) -> tuple[dict, float]:
        """Agree to each referral in a transaction of its own, at most `rate` a second;
        the commit time of each. With an `outage`, the SMTP server stops halfway through
        the commits and starts again `outage` seconds later."""
        self.progress(f"Committing {len(referrals)} agreements ...")
        commits: dict[int, float] = {}
        started = time.monotonic()
        for number, referral in enumerate(referrals, 1):
            if outage and number == len(referrals) // 2 + 1:
                self.progress(f"  SMTP server down for {outage:g} s")
                smtp.stop()
                threading.Timer(outage, smtp.start).start()
            if rate:
                time.sleep(max(0.0, started + (number - 1) / rate - time.monotonic()))
            with transaction.atomic():
                # Registered first, so it runs right after COMMIT, before the enqueue.
                transaction.on_commit(lambda pk=referral.pk: commits.__setitem__(pk, time.time()))
                take_step("agree", referral, caseworker)
            if number % 200 == 0:
                self.progress(f"  {number}")
        return commits, time.monotonic() - started

    def expected(self, commits: dict[int, float]) -> dict[str, tuple[int, float]]:
        """Message-ID → (notification id, commit time) of every e-mail the steps wrote."""
        rows = Notification.objects.filter(
            channel=Notification.Channel.EMAIL, referral_id__in=list(commits)
        ).only("pk", "referral_id", "idempotency_key")
        return {message_id(n): (n.pk, commits[n.referral_id]) for n in rows}

    def wait(self, expected, smtp, timeout: float) -> float:
        """Until every expected e-mail is accepted, or its row ended failed, or `timeout`;
        then a quiet while for late duplicates. The seconds waited."""
        self.progress(f"Waiting for {len(expected)} e-mails (at most {timeout:g} s) ...")
        started = time.monotonic()
        ids = [pk for pk, _ in expected.values()]
        while time.monotonic() - started < timeout:
            arrived = {m.message_id for m in smtp.recorder.snapshot()}
            if arrived >= expected.keys():
                break
            failed = Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED)
            if not (expected.keys() - arrived) - {message_id(n) for n in failed}:
                break
            time.sleep(0.25)
        waited = time.monotonic() - started
        time.sleep(QUIET)
        return waited

    def report(self, title, expected, commits, smtp, pushed_in, waited, runs) -> bool:
        accepted = smtp.recorder.snapshot()
        copies = Counter(m.message_id for m in accepted)
        first_at: dict[str, float] = {}
        for m in accepted:
            first_at.setdefault(m.message_id, m.at)
        delivered = expected.keys() & copies.keys()
        duplicates = sum(copies[mid] - 1 for mid in delivered)
        unexpected = sum(n for mid, n in copies.items() if mid not in expected)
        lost = len(expected) - len(delivered)
        statuses = Counter(
            Notification.objects.filter(pk__in=[pk for pk, _ in expected.values()]).values_list(
                "status", flat=True
            )
        )
        latencies = [(first_at[mid] - expected[mid][1]) * 1000 for mid in delivered]
        rows = [
            ("transitions", f"{len(commits)}"),
            ("e-mails expected", f"{len(expected)}"),
            ("delivered", f"{len(delivered)}"),
            ("duplicates", f"{duplicates}"),
            ("lost", f"{lost}"),
            ("unexpected e-mails", f"{unexpected}"),
            ("rows by status", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))),
            ("commits", f"{pushed_in:.1f} s ({len(commits) / pushed_in:.0f}/s)"),
            ("last e-mail after", f"{waited:.1f} s from the last commit"),
            ("deliver tasks run", ", ".join(f"{k} {v}" for k, v in sorted(runs.items()))),
        ]
        if delivered:
            attempts = sum(
                Notification.objects.filter(pk__in=[pk for pk, _ in expected.values()]).values_list(
                    "attempts", flat=True
                )
            )
            rows += [
                ("tasks per e-mail", f"{runs.total() / len(delivered):.2f}"),
                ("attempts per e-mail", f"{attempts / len(delivered):.2f}"),
                ("idle tasks per e-mail", f"{runs['skipped'] / len(delivered):.2f}"),
            ]
        if latencies:
            rows += [
                ("latency p50", f"{percentile(latencies, 0.50):.0f} ms"),
                ("latency p95", f"{percentile(latencies, 0.95):.0f} ms"),
                ("latency max", f"{max(latencies):.0f} ms"),
            ]
        width = max(len(label) for label, _ in rows)
        self.stdout.write(f"\nbench-notify, {title}: commit of a step → accepted by SMTP")
        for label, value in rows:
            self.stdout.write(f"  {label:<{width}}  {value}")
        sys.stdout.flush()
        return lost == 0 and duplicates == 0 and unexpected == 0
