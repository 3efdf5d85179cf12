"""Benchmark the API beside the web pages it mirrors (`make bench-api`): the referral list,
a referral and a step (apply, on a fresh referral each time), through the API with a token
and through the page with a session, interleaved in the same run.

Fills a throwaway PostgreSQL database (its name says `bench`) with --referrals referrals of
one OCMW, serves the app with gunicorn (config/gunicorn.conf.py, on a free port of
127.0.0.1) and requests it over HTTP like a real client, one request at a time, as a
caseworker of that OCMW. Prints per request kind the requests per second (of that one
client: the time of its requests only), median and p95 of the whole request, queries per
request (counted once in this process with Django's test client: the server's own cannot
be counted from here) and the API/web ratios. Figures only: nothing passes or fails on a
time. A development tool (its users come from the tests' factories)."""

import http.client
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as TestClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from referrals import services
from referrals.benchmarks import PLAIN_STATIC, percentile, purge_queue
from referrals.benchmarks.report_fill import fill
from referrals.benchmarks.serve import Gunicorn, send
from referrals.benchmarks.throwaway import check_database
from referrals.enums import State
from referrals.models import Client, Referral


@dataclass
class Kind:
    """One kind of request, through the API or the page."""

    name: str
    side: str  # "api" or "web"
    ok: int  # the status of a success
    timings: list[float] = field(default_factory=list)
    queries: int = 0

    @property
    def per_second(self) -> float:
        return len(self.timings) / (sum(self.timings) / 1000)


class Command(BaseCommand):
    help = (
        "Time the API's referral list, referral and step beside the same pages, over HTTP "
        "with gunicorn, in a throwaway PostgreSQL database (`make bench-api`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=5000, help="referrals of the OCMW")
        parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
        parser.add_argument("--warmup", type=int, default=10, help="untimed requests per kind")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn's workers")

    def handle(self, *args, referrals, requests, warmup, workers, **options):
        check_database("bench_api", no_fill=False)
        if referrals < 1 or requests < 1 or warmup < 0 or workers < 1:
            raise CommandError("--referrals, --requests and --workers must be at least 1.")
        started = time.monotonic()
        fill(referrals, today=timezone.localdate(), progress=self.progress)
        caseworker = self.one_ocmw()
        fresh = self.fresh_referrals(caseworker, 2 * (requests + warmup))
        self.stdout.write(f"filled in {time.monotonic() - started:.0f} s")
        token = ApiToken(user=caseworker, name="bench-api")
        secret = token.issue()
        token.save()
        browser = TestClient()
        browser.force_login(caseworker)  # a session in the database, as after a login
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        headers = {"api": {"Authorization": f"Bearer {secret}"}, "web": {"Cookie": cookie}}
        details = list(
            Referral.objects.filter(ocmw=caseworker.organisation)
            .exclude(pk__in=[r.pk for r in fresh])
            .order_by("?")
            .values_list("pk", flat=True)[: requests + warmup]
        )
        kinds = self.kinds()
        with self.server(workers) as port:
            self.csrf(port, headers["web"])
            for i in range(warmup + requests):
                steps = fresh[2 * i : 2 * i + 2]
                self.round(
                    port, headers, kinds, details[i % len(details)], steps, timed=i >= warmup
                )
        self.count_queries(caseworker, secret, kinds, details[0], fresh)
        applied = Referral.objects.filter(pk__in=[r.pk for r in fresh], state=State.CANDIDATE)
        if applied.count() != len(fresh):
            raise CommandError(f"Only {applied.count()} of {len(fresh)} steps were taken.")
        self.report(kinds, requests=requests, warmup=warmup, workers=workers)
        purge_queue()

    def progress(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    def one_ocmw(self):
        """All clients and referrals in the first OCMW, with a caseworker of it."""
        try:
            from tests.accounts.factories import CaseworkerFactory
        except ImportError as exc:
            raise CommandError(f"bench_api needs the tests folder: {exc}") from exc
        caseworker = CaseworkerFactory(username="bench-caseworker")
        ocmw = caseworker.organisation
        Client.objects.update(ocmw=ocmw)
        Referral.objects.update(ocmw=ocmw)
        with connection.cursor() as cursor:
            for model in (Client, Referral):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
        return caseworker

    def fresh_referrals(self, caseworker, count: int) -> list[Referral]:
        """`count` referrals just registered (informed), of clients without another one of
        this training: each takes the step once."""
        from tests.referrals.factories import TrainingFactory

        training = TrainingFactory(title="Bench API")
        clients = Client.objects.filter(ocmw=caseworker.organisation).order_by("pk")[:count]
        if len(clients) < count:
            raise CommandError(f"{count} clients are needed for the steps; give more --referrals.")
        return [
            services.referral_create(user=caseworker, client=client, training=training)
            for client in clients
        ]

    def kinds(self) -> dict[tuple[str, str], Kind]:
        return {
            (name, side): Kind(name, side, ok)
            for name in ("list", "detail", "step")
            for side, ok in (("api", 200), ("web", 302 if name == "step" else 200))
        }

    def round(self, port, headers, kinds, pk: int, steps: list, *, timed: bool) -> None:
        """One request of each kind, API and page alternating; each step on its own
        fresh referral."""
        api_step, web_step = steps
        requests = {
            ("list", "api"): ("GET", reverse("api:referral-list"), None),
            ("list", "web"): ("GET", reverse("referrals:referral_list"), None),
            ("detail", "api"): ("GET", reverse("api:referral-detail", args=[pk]), None),
            ("detail", "web"): ("GET", reverse("referrals:referral_detail", args=[pk]), None),
            ("step", "api"): (
                "POST",
                reverse("api:referral-transition-apply", args=[api_step.pk]),
                json.dumps({"state": State.INFORMED}),
            ),
            ("step", "web"): (
                "POST",
                reverse("referrals:referral_step", args=[web_step.pk, "apply"]),
                urlencode({"state": State.INFORMED, "applied_on": ""}),
            ),
        }
        for key, (method, path, body) in requests.items():
            kind = kinds[key]
            took = self.request(port, method, path, body, headers[kind.side], kind)
            if timed:
                kind.timings.append(took)

    def request(self, port, method, path, body, headers, kind: Kind) -> float:
        headers = {**headers, "Accept-Language": "en"}
        if body is not None and kind.side == "api":
            headers["Content-Type"] = "application/json"
        status, took = send(port, method, path, body, headers)
        if status != kind.ok:
            raise CommandError(f"{method} {path} answered {status}, not {kind.ok}")
        return took

    def csrf(self, port, headers: dict) -> None:
        """The page's CSRF cookie and token, as a browser has them from the page."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", reverse("referrals:referral_list"), headers=headers)
        response = conn.getresponse()
        response.read()
        cookies = response.headers.get_all("Set-Cookie") or []
        token = next(
            (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")),
            None,
        )
        if token is None:
            raise CommandError("The referral list set no CSRF cookie.")
        headers["Cookie"] += f"; csrftoken={token}"
        headers["X-CSRFToken"] = token

    def count_queries(self, caseworker, secret, kinds, pk: int, fresh: list) -> None:
        """Each kind's queries, once, in this process (the same views and middleware)."""
        extra = Referral.objects.filter(pk__in=[r.pk for r in fresh]).first()
        apply_again = [
            services.referral_create(user=caseworker, client=c, training=extra.training)
            for c in Client.objects.filter(ocmw=caseworker.organisation).order_by("-pk")[:2]
        ]
        web = TestClient()
        web.force_login(caseworker)
        allowed_hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        calls = {
            ("list", "api"): lambda c: c.get(
                reverse("api:referral-list"), HTTP_AUTHORIZATION=f"Bearer {secret}"
            ),
            ("list", "web"): lambda c: web.get(reverse("referrals:referral_list")),
            ("detail", "api"): lambda c: c.get(
                reverse("api:referral-detail", args=[pk]), HTTP_AUTHORIZATION=f"Bearer {secret}"
            ),
            ("detail", "web"): lambda c: web.get(reverse("referrals:referral_detail", args=[pk])),
            ("step", "api"): lambda c: c.post(
                reverse("api:referral-transition-apply", args=[apply_again[0].pk]),
                json.dumps({"state": State.INFORMED}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            ),
            ("step", "web"): lambda c: web.post(
                reverse("referrals:referral_step", args=[apply_again[1].pk, "apply"]),
                {"state": State.INFORMED, "applied_on": ""},
            ),
        }
        with override_settings(STORAGES=PLAIN_STATIC, ALLOWED_HOSTS=allowed_hosts):
            for key, call in calls.items():
                with CaptureQueriesContext(connection) as queries:
                    response = call(TestClient())
                if response.status_code != kinds[key].ok:
                    raise CommandError(f"{key} answered {response.status_code} in this process")
                kinds[key].queries = len(queries)

    def server(self, workers: int):
        return Gunicorn(workers, self.stderr)

    def report(self, kinds, *, requests: int, warmup: int, workers: int) -> None:
        self.stdout.write(
            f"\nbench-api: {Referral.objects.count():,} referrals of one OCMW; over HTTP to "
            f"gunicorn ({workers} workers), one client, one request at a time; {requests} "
            f"timed requests per kind after {warmup}, interleaved; as a caseworker"
        )
        self.stdout.write(
            f"{'':<8} {'':<4} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} {'queries':>8}"
            f"   {'API/web: median':>15} {'p95':>6} {'queries':>8}"
        )
        for name in ("list", "detail", "step"):
            api, web = kinds[(name, "api")], kinds[(name, "web")]
            for kind in (api, web):
                median, p95 = statistics.median(kind.timings), percentile(kind.timings, 0.95)
                self.stdout.write(
                    f"{name if kind is api else '':<8} {kind.side:<4} {kind.per_second:>7.1f} "
                    f"{median:>10.1f} {p95:>8.1f} {kind.queries:>8}",
                    ending="" if kind is web else "\n",
                )
            ratio = {
                "median": statistics.median(api.timings) / statistics.median(web.timings),
                "p95": percentile(api.timings, 0.95) / percentile(web.timings, 0.95),
                "queries": api.queries / web.queries,
            }
            self.stdout.write(
                f"   {ratio['median']:>15.2f} {ratio['p95']:>6.2f} {ratio['queries']:>8.2f}"
            )
        self.stdout.write(
            "list: the API's first page of 50 (cursor) and the page's first of 50; detail: "
            "one referral, JSON and page; step: apply on a fresh referral, JSON (200) and "
            "form (302). Queries counted once in this process."
        )
        sys.stdout.flush()
