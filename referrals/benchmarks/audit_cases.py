"""What `bench_audit` measures: what writing the audit trail costs a page view.

The demo data (`seed_demo`) plus many clients in the Gent caseworker's OCMW and a trail
already holding many rows; then the client list (50 clients a page) and the richest
referral's page, requested through Django's test client against the real URLconf as that
caseworker, alternately with the trail written and with its INSERTs replaced by nothing,
in the same run. Whatever the view records (`audit.trail.record`, `record_many`) is what is
measured; a view that records nothing yet gets, in the "on" runs, the rows a view of its
kind writes (one VIEW row, naming the referral or the clients a list shows),
written by the benchmark right after the response, inside the time taken. On PostgreSQL,
what a row of the trail takes on disk (`trail_size`), and so a view of each page."""

import datetime
import itertools
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO
from typing import NamedTuple
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, router
from django.db.models import Count
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit import trail
from audit.models import Entry, EntryQuerySet, Kind
from referrals.management.demo_data import CASEWORKERS, insz
from referrals.models import Client, Referral
from referrals.views import PAGE_SIZE

BATCH = 5000


@dataclass
class Page:
    """A page to request, and the rows a view of its kind writes when it records."""

    name: str
    url: str
    record: Callable  # (request) -> None: what the benchmark writes if the view does not


@dataclass
class Timing:
    on: list[float] = field(default_factory=list)  # seconds per request, trail written
    off: list[float] = field(default_factory=list)  # ... INSERTs of the trail skipped
    rows_per_request: float = 0.0
    recorded_by: str = ""  # "the view" or "the benchmark"

    @staticmethod
    def median_ms(runs) -> float:
        return statistics.median(runs) * 1000

    @staticmethod
    def p95_ms(runs) -> float:
        ordered = sorted(runs)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


# --- the data -------------------------------------------------------------------------------


def fill(*, clients: int, trail_rows: int, progress: Callable[[str], None]):
    """The demo, `clients` more clients of the Gent caseworker's OCMW and `trail_rows` rows
    of trail; the caseworker and the referral of theirs with the longest history."""
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    caseworker = get_user_model().objects.get(username=CASEWORKERS["gent"])
    ocmw = caseworker.organisation
    made = []
    for number in range(clients):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=number % 14000)
        client = Client(
            ocmw=ocmw,
            first_name="Bench",
            last_name=f"Client {number:06d}",
            insz=insz(birth, 500 + number // 14000),
            consent_vdab=True,
            consent_date=birth,
        )
        client.derive_from_insz()  # as save() would
        made.append(client)
    Client.objects.bulk_create(made, batch_size=BATCH)
    progress(f"  demo and {clients:,} clients in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    now = timezone.now()
    users = list(get_user_model().objects.exclude(organisation=None))
    # Written oldest first, as the trail grows, so that its indexes in the order of time fill
    # their pages as in use (newest first, their pages split half full: a row took a sixth
    # more on disk). Unlike a list's rows, each has a time of its own and no referral
    # (docs/performance.md, "Growing past one machine", for what that changes).
    rows = (
        Entry(
            kind=Kind.VIEW,
            at=now - datetime.timedelta(minutes=trail_rows - number),
            actor=users[number % len(users)],
            actor_name=users[number % len(users)].username,
            organisation_id=users[number % len(users)].organisation_id,
            client_id=1 + number % max(clients, 1),
            path="/clients/",
            ip_address="10.0.0.1",
        )
        for number in range(trail_rows)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        Entry.objects.bulk_create(batch)
    progress(f"  {trail_rows:,} rows of trail in {time.monotonic() - started:.1f} s")
    referral = (
        Referral.objects.visible_to(caseworker)
        .annotate(history=Count("events"))
        .order_by("-history", "pk")
        .first()
    )
    return caseworker, referral


def pages(caseworker, referral) -> list[Page]:
    first_page = list(
        Client.objects.visible_to(caseworker)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)[:PAGE_SIZE]
    )

    def list_rows(request):
        subjects = [(pk, None) for pk in first_page]
        trail.record_many(Kind.VIEW, request=request, subjects=subjects)

    def referral_row(request):
        trail.record(Kind.VIEW, request=request, referral=referral)

    return [
        Page(f"client list ({len(first_page)})", reverse("referrals:client_list"), list_rows),
        Page(
            "referral detail",
            reverse("referrals:referral_detail", args=[referral.pk]),
            referral_row,
        ),
    ]


# --- the measurement ------------------------------------------------------------------------


@contextmanager
def trail_off():
    """The trail's INSERTs replaced by nothing: whatever calls record() or record_many()
    still builds the row it writes, which goes nowhere."""

    def create(self, **kwargs):
        return Entry(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        return list(objs)

    with (
        mock.patch.object(EntryQuerySet, "create", create),
        mock.patch.object(EntryQuerySet, "bulk_create", bulk_create),
    ):
        yield


class TrailSize(NamedTuple):
    table: int  # bytes on disk: the table with its TOAST, free-space and visibility maps
    indexes: int  # bytes on disk
    rows: int


def trail_size() -> TrailSize | None:
    """The trail's size on disk, as PostgreSQL gives it (pages not yet full included), and
    its rows. None on another database."""
    connection = connections[router.db_for_read(Entry)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_table_size(%s), pg_indexes_size(%s)", [Entry._meta.db_table] * 2)
        table, indexes = cursor.fetchone()
    return TrailSize(table, indexes, Entry.objects.using(connection.alias).count())


def view_on_disk(example: Entry, *, copies: int) -> float | None:
    """The bytes on disk of a view's row like `example`, from `copies` more of them: what
    the trail's table and indexes grew by, per row (PostgreSQL's sizes). Each copy names as
    many clients and referrals as the example, the next ones of the database in turn, as
    views of a list's other pages would: the indexes hold each person many times over, as
    they will in use. None on another database."""
    before = trail_size()
    if before is None:
        return None
    clients = itertools.cycle(Client.objects.order_by("pk").values_list("pk", flat=True))
    referrals = itertools.cycle(Referral.objects.order_by("pk").values_list("pk", flat=True))

    def next_ids(pool, ids):
        return [next(pool) for _ in ids] if ids else ids

    def next_id(pool, pk):
        return next(pool) if pk is not None else None

    rows = (
        Entry(
            kind=example.kind,
            at=example.at + datetime.timedelta(seconds=number),
            actor_id=example.actor_id,
            actor_name=example.actor_name,
            organisation_id=example.organisation_id,
            client_id=next_id(clients, example.client_id),
            referral_id=next_id(referrals, example.referral_id),
            client_ids=next_ids(clients, example.client_ids),
            referral_ids=next_ids(referrals, example.referral_ids),
            path=example.path,
            ip_address=example.ip_address,
            detail=example.detail,
        )
        for number in range(1, copies + 1)
    )
    while batch := list(itertools.islice(rows, BATCH)):
        Entry.objects.bulk_create(batch)
    after = trail_size()
    return (after.table + after.indexes - before.table - before.indexes) / copies


def last_row(path: str) -> Entry:
    """The newest row written about `path`."""
    return Entry.objects.filter(path=path).order_by("-pk").first()


def last_pk() -> int:
    """The newest row's id: rows written since are the difference (one index lookup)."""
    return Entry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def browser(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def request(http: HttpClient, url: str):
    response = http.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def measure(http: HttpClient, page: Page, *, requests: int, warmup: int) -> Timing:
    """`requests` requests of `page` with the trail on and as many with it off,
    alternating, after `warmup` of each."""
    timing = Timing()
    before = last_pk()
    request(http, page.url)
    view_records = last_pk() > before
    timing.recorded_by = "the view" if view_records else "the benchmark"

    def on():
        response = request(http, page.url)
        if not view_records:
            page.record(response.wsgi_request)

    def off():
        with trail_off():
            request(http, page.url)

    for _ in range(warmup):
        on()
        off()
    written = 0
    for number in range(requests):
        # Which mode goes first alternates, so that neither always follows the other.
        for mode in (on, off) if number % 2 == 0 else (off, on):
            newest = last_pk() if mode is on else 0
            started = time.perf_counter()
            mode()
            elapsed = time.perf_counter() - started
            if mode is on:
                written += last_pk() - newest
                timing.on.append(elapsed)
            else:
                timing.off.append(elapsed)
    timing.rows_per_request = written / requests
    return timing


def measure_inserts(caseworker, referral, *, requests: int) -> dict[str, list[float]]:
    """The bare writes: the row about a referral, and a list's row (50 clients)."""
    clients = list(Client.objects.visible_to(caseworker).values_list("pk", flat=True)[:PAGE_SIZE])
    runs = {"record (1 referral)": [], f"record_many ({len(clients)} clients)": []}
    for _ in range(requests):
        started = time.perf_counter()
        trail.record(Kind.VIEW, user=caseworker, referral=referral)
        runs["record (1 referral)"].append(time.perf_counter() - started)
        started = time.perf_counter()
        trail.record_many(Kind.VIEW, user=caseworker, subjects=[(pk, None) for pk in clients])
        runs[f"record_many ({len(clients)} clients)"].append(time.perf_counter() - started)
    return runs
