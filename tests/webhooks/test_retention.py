"""How long webhook deliveries are kept (WEBHOOK_DELIVERY_RETENTION_DAYS): a sent one goes
that many days after its event, in the monthly retention; a failed one stays for a person's
Retry, a pending or sending one for its delivery, whatever their age."""

import datetime
import logging
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import QuerySet

from referrals import tasks
from referrals.services import apply_retention
from webhooks.models import Delivery
from webhooks.retention import forget_old_deliveries

from .deliveries import Status, make_delivery, make_subscription

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 3, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
LABEL = "webhooks.Delivery"


@pytest.fixture(autouse=True)
def thirty_days(settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30


def delivery(status: str, age_in_days: float, subscription=None) -> Delivery:
    return make_delivery(subscription, status=status, created_at=NOW - age_in_days * DAY)


def left() -> set[int]:
    return set(Delivery.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("status", "kept"),
    [(Status.SENT, False), (Status.FAILED, True), (Status.PENDING, True), (Status.SENDING, True)],
)
def test_a_delivery_past_the_term_goes_once_sent(status, kept):
    subscription = make_subscription()
    old = delivery(status, 31, subscription)
    recent = delivery(status, 29, subscription)

    counts = forget_old_deliveries(NOW)

    assert counts == {LABEL: 0 if kept else 1}
    assert left() == ({old.pk, recent.pk} if kept else {recent.pk})


@pytest.mark.parametrize(("days", "kept"), [(90, 2), (30, 1), (1, 0)])
def test_the_setting_decides_what_goes(settings, days, kept):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = days
    subscription = make_subscription()
    delivery(Status.SENT, 2, subscription)
    delivery(Status.SENT, 60, subscription)

    forget_old_deliveries(NOW)

    assert Delivery.objects.count() == kept


def test_a_dry_run_counts_and_deletes_nothing():
    subscription = make_subscription()
    rows = {
        delivery(Status.SENT, 40, subscription).pk,
        delivery(Status.SENT, 31, subscription).pk,
        delivery(Status.FAILED, 31, subscription).pk,
    }

    assert forget_old_deliveries(NOW, dry_run=True) == {LABEL: 2}
    assert left() == rows


def test_the_rows_go_a_batch_at_a_time_oldest_first(monkeypatch):
    subscription = make_subscription()
    age_of = {delivery(Status.SENT, age, subscription).pk: age for age in (35, 50, 31, 40, 70)}
    recent = delivery(Status.SENT, 3, subscription)
    batches = []
    delete = QuerySet.delete

    def watched(queryset):
        batches.append(sorted(age_of[pk] for pk in queryset.values_list("pk", flat=True)))
        return delete(queryset)

    monkeypatch.setattr(QuerySet, "delete", watched)

    assert forget_old_deliveries(NOW, batch_size=2) == {LABEL: 5}
    # A run stopped half-way has deleted the oldest rows; the next one finds the rest.
    assert batches == [[50, 70], [35, 40], [31]]
    assert left() == {recent.pk}


@pytest.mark.parametrize("dry_run", [False, True], ids=["run", "dry run"])
def test_the_monthly_retention_applies_it(dry_run):
    old = delivery(Status.SENT, 31)

    result = apply_retention(now=NOW, dry_run=dry_run)

    assert result.purged[LABEL] == 1
    assert Delivery.objects.filter(pk=old.pk).exists() is dry_run


def test_the_command_and_the_task_say_how_many_went(in_english, caplog):
    delivery(Status.SENT, 31)
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)
    assert "Past their own retention, would be deleted: audit.Entry 0, " in out.getvalue()
    assert f", {LABEL} 1." in out.getvalue()

    with time_machine.travel(NOW, tick=False), caplog.at_level(logging.INFO, "referrals.tasks"):
        tasks.apply_retention.delay().get()

    assert "past their own retention, deleted: audit.Entry 0, " in caplog.text
    assert f", {LABEL} 1" in caplog.text
    assert not Delivery.objects.exists()
