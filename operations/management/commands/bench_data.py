"""Fill `make bench-data`'s database with a Flanders of years of use: 300 OCMWs and the VDAB
regions, 3,000 users, 500 trainings, 800,000 clients, 1,000,000 referrals in every state with
their history and outcome check-ups, and half a million messages (`report_fill` and
`flanders_fill`, set-based SQL). Only into an empty PostgreSQL database whose name says
`bench`; `make bench` then measures it as often as wanted."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.benchmarks.flanders_fill import fill_flanders
from referrals.benchmarks.throwaway import check_database


class Command(BaseCommand):
    help = "Fill an empty throwaway PostgreSQL database with a Flanders (`make bench-data`)."

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals to make")

    def handle(self, *args, referrals, **options):
        check_database("bench_data", no_fill=False)
        if referrals < 1:
            raise CommandError("--referrals must be at least 1.")
        started = time.monotonic()
        fill_flanders(referrals, today=timezone.localdate(), progress=self.progress)
        self.stdout.write(
            f"bench-data: {referrals:,} referrals in {time.monotonic() - started:.0f} s"
        )

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()
