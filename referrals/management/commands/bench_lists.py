"""Benchmark the pages of a working day at scale: Mijn werk, the referral list (page 1, a deep
page, a filter, sorts), the client list, and searches of both lists and of the admin, as a
caseworker of the biggest OCMW, a counsellor of the busiest VDAB region and an
administrator, on bench_report's million referrals.

For each page it prints the median and p95 of the whole request (Django's test client, in
this process), the queries per request and the slowest of them alone, measured in the same
run. No verdict: the targets are issue 14's. A development tool (it takes its users from the
tests' factories) for a throwaway PostgreSQL database: `make bench-lists` makes and drops
one."""

import statistics
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.models import Organisation
from referrals.benchmarks import PLAIN_STATIC, percentile
from referrals.benchmarks.report_fill import check_database, fill
from referrals.models import Referral

PAGES = [
    ("caseworker", "Mijn werk", "/"),
    ("caseworker", "referrals, page 1", "/referrals/"),
    ("caseworker", "referrals, page 50", "/referrals/?page=50"),
    ("caseworker", "referrals, candidates", "/referrals/?state=candidate"),
    ("caseworker", "referrals, overdue", "/referrals/?overdue=on"),
    ("caseworker", "referrals by client", "/referrals/?sort=client"),
    ("caseworker", "referrals by key date", "/referrals/?sort=key_date"),
    ("caseworker", "clients, page 1", "/clients/"),
    ("caseworker", "clients, page 50", "/clients/?page=50"),
    ("counsellor", "Mijn werk", "/"),
    ("counsellor", "referrals, page 1", "/referrals/"),
    ("counsellor", "trainees", "/referrals/?state=in_training"),
    ("counsellor", "referrals, page 50", "/referrals/?page=50"),
    ("administrator", "referrals, page 1", "/referrals/"),
    ("administrator", "referrals, page 500", "/referrals/?page=500"),
    ("administrator", "referrals by state", "/referrals/?sort=-state"),
    ("administrator", "clients, page 1", "/clients/"),
]
# Searches (issue 14), posted first as a person does; the term is kept in the session. The
# fill names its clients "Client <n>", INSZ n padded to 11 digits: a name that few have, a
# first name every twelfth has, one nobody has, the start of a national number, two letters.
SEARCHES = [
    ("caseworker", "clients: rare name", "/clients/", "ient 12345"),
    ("caseworker", "clients: first name", "/clients/", "Anna"),
    ("caseworker", "clients: nobody", "/clients/", "Peeters"),
    ("administrator", "clients: rare name", "/clients/", "ient 12345"),
    ("administrator", "clients: first name", "/clients/", "Anna"),
    ("administrator", "clients: nobody", "/clients/", "Peeters"),
    ("administrator", "clients: INSZ start", "/clients/", "000001234"),
    ("administrator", "clients: two letters", "/clients/", "xq"),
    ("caseworker", "referrals: rare name", "/referrals/", "ient 12345"),
    ("counsellor", "referrals: nobody", "/referrals/", "Peeters"),
    ("administrator", "referrals: nobody", "/referrals/", "Peeters"),
    ("administrator", "referrals: INSZ start", "/referrals/", "000001234"),
    ("administrator", "admin referrals", "/admin/referrals/referral/", ""),
    ("administrator", "admin referrals: name", "/admin/referrals/referral/", "ient 12345"),
    ("administrator", "admin referrals: nobody", "/admin/referrals/referral/", "Peeters"),
    ("administrator", "admin clients", "/admin/referrals/client/", ""),
    ("administrator", "admin clients: INSZ", "/admin/referrals/client/", "000001234"),
]


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with N referrals and time Mijn werk, the referral and client lists "
        "per role (throwaway database only; `make bench-lists`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=1_000_000, help="referrals to make")
        parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
        parser.add_argument(
            "--no-fill", action="store_true", help="measure the data already in the database"
        )

    def handle(self, *args, referrals, repeat, no_fill, **options):
        check_database("bench_lists", no_fill=no_fill)
        if repeat < 1 or referrals < 1:
            raise CommandError("--referrals and --repeat must be at least 1.")
        if not no_fill:
            started = time.monotonic()
            fill(referrals, today=timezone.localdate(), progress=self.progress)
            took = time.monotonic() - started
            self.stdout.write(f"fill: {referrals:,} referrals in {took:.0f} s")
        browsers = self.browsers()
        allowed_hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        self.stdout.write(
            f"\nbench-lists: {Referral.objects.count():,} referrals; {repeat} requests a page"
        )
        self.stdout.write(
            f"{'role':<14} {'page':<24} {'median ms':>9} {'p95 ms':>8} {'queries':>7} "
            f"{'slowest query ms':>16}"
        )
        with override_settings(STORAGES=PLAIN_STATIC, ALLOWED_HOSTS=allowed_hosts):
            for role, label, url in PAGES:
                self.measure(browsers[role], role, label, url, repeat)
            for role, label, url, term in SEARCHES:
                http = browsers[role]
                if url.startswith("/admin/"):
                    http.post(url, {"q": term} if term else {"_clear_search": "1"}, secure=True)
                else:
                    http.post(url, {"q": term}, secure=True)
                self.measure(http, role, label, url, repeat)

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def browsers(self) -> dict[str, HttpClient]:
        """A logged-in test client per role: a caseworker of the OCMW with the most
        clients, a counsellor of the region with the most referrals, an administrator
        past the second factor."""
        try:
            from tests.accounts.factories import (
                AdministratorFactory,
                CaseworkerFactory,
                CounsellorFactory,
                VdabOrganisationFactory,
            )
            from tests.accounts.two_factor import pass_second_factor
        except ImportError as exc:
            raise CommandError(f"bench_lists needs the tests folder: {exc}") from exc
        ocmw = (
            Organisation.objects.filter(kind=Organisation.Kind.OCMW)
            .annotate(n=Count("clients"))
            .order_by("-n", "pk")
            .first()
        )
        region = (
            Referral.objects.order_by()
            .values_list("region")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("region", flat=True)
            .first()
        )
        vdab = Organisation.objects.filter(kind=Organisation.Kind.VDAB, province=region).first()
        made = {
            "caseworker": lambda **kw: CaseworkerFactory(organisation=ocmw, **kw),
            "counsellor": lambda **kw: CounsellorFactory(
                organisation=vdab or VdabOrganisationFactory(province=region), **kw
            ),
            "administrator": AdministratorFactory,
        }
        users = {  # the same users again with --no-fill
            role: get_user_model().objects.filter(username=f"bench-{role}").first()
            or make(username=f"bench-{role}")
            for role, make in made.items()
        }
        self.stdout.write(f"caseworker of {ocmw}; counsellor of the region {region}")
        browsers = {}
        for role, user in users.items():
            http = HttpClient()
            http.force_login(user)
            if role == "administrator":
                pass_second_factor(http, user)
            browsers[role] = http
        return browsers

    def measure(self, http: HttpClient, role: str, label: str, url: str, repeat: int) -> None:
        def get():
            response = http.get(url, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{role} {url} answered {response.status_code}")

        get()  # warm up: caches, the session's stored search
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            get()
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            get()
        slowest = max(float(query["time"]) for query in queries.captured_queries) * 1000
        self.stdout.write(
            f"{role:<14} {label:<24} {statistics.median(timings):>9.1f} "
            f"{percentile(timings, 0.95):>8.1f} {len(queries):>7} {slowest:>16.1f}"
        )
        sys.stdout.flush()
