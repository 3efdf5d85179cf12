"""Figures of all of Flanders after a step anywhere (`referrals.reports.cache`): served as last
counted, saying so, while a worker counts them again (counted on the request when that count
was asked more than OKOT_FIGURES_STALE_SECONDS ago and not done); never counted, left to the
worker too while the page says so (OKOT_FIGURES_PENDING_SECONDS); counted before the day
begins, kept until the next day ends, and on it shown as counted the day before while a
worker counts them again. So are the figures of any scope slow to count (a count took
OKOT_FIGURES_SLOW_SECONDS or more, or they were counted ahead); an OCMW's or a region's
figures that count faster are always those of the last step and of the day."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import Province
from referrals import tasks
from referrals.enums import OkotType, State
from referrals.models import Referral
from referrals.reports import figures
from tests.accounts.factories import CounsellorFactory, NetworkManagerFactory, OcmwFactory
from tests.referrals.factories import ClientFactory, TrainingFactory

from .test_figures_cache import (  # noqa: F401 (figures_cached: an autouse fixture)
    MARCH,
    YEAR,
    counted,
    figures_cached,
)
from .test_page import started, starts_total

pytestmark = pytest.mark.django_db
COUNTING_AGAIN = "Steps taken since then are being counted now"
COUNTING_FIRST = "Nobody asked for these figures yet, so they are being counted now."


@pytest.fixture(autouse=True)
def stale_for_five_minutes(settings, figures_cached):  # noqa: F811
    settings.OKOT_FIGURES_STALE_SECONDS = 300
    settings.OKOT_FIGURES_PENDING_SECONDS = 30
    # No count of these few referrals is slow, however busy the machine; a test that wants
    # one says so (`slow_counts`).
    settings.OKOT_FIGURES_SLOW_SECONDS = 60
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def slow_counts(settings):
    """Every count takes at least OKOT_FIGURES_SLOW_SECONDS, as a region's take at the scale
    of Flanders."""
    settings.OKOT_FIGURES_SLOW_SECONDS = 0


@pytest.fixture
def queued(monkeypatch):
    """The recounts handed to the broker, not run (as with a worker that has not yet run
    them): their arguments."""
    calls = []
    monkeypatch.setattr(
        tasks.recount_figures, "apply_async", lambda args, **options: calls.append(args)
    )
    return calls


def counted_by_the_worker(client, queued, data=YEAR):
    """Figures of all of Flanders asked for the first time: the page says they are being
    counted, without counting them, and shows them once the worker has (`queued` is then as
    before)."""
    pending, pending_counts = counted(client, data=data)
    assert pending_counts == 0 and COUNTING_FIRST in pending.content.decode()
    assert "table-starts-type" not in pending.content.decode()
    tasks.recount_figures(*queued.pop())  # what the worker does
    return counted(client, data=data)


def start_elsewhere(django_capture_on_commit_callbacks):
    """A start in an OCMW of another province: it changes all of Flanders."""
    with django_capture_on_commit_callbacks(execute=True):
        Referral.objects.create(
            client=ClientFactory(ocmw=OcmwFactory(province=Province.LIMBURG)),
            training=TrainingFactory(province=Province.LIMBURG),
            state=State.IN_TRAINING,
            start_date=MARCH,
        )


def test_after_a_step_all_of_flanders_comes_as_counted_while_a_worker_counts_it_again(
    client, administrator, ocmw_gent, django_capture_on_commit_callbacks, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    first, first_counts = counted_by_the_worker(client, queued)
    assert first_counts == 0 and starts_total(first) == "1"
    assert COUNTING_AGAIN not in first.content.decode()
    assert "Counted at 13:00." in first.content.decode()  # noon UTC, in Brussels

    start_elsewhere(django_capture_on_commit_callbacks)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 2), tick=False):
        stale, stale_counts = counted(client)
        again, again_counts = counted(client)

    assert stale_counts == again_counts == 0
    assert starts_total(stale) == starts_total(again) == "1"
    assert COUNTING_AGAIN in stale.content.decode()
    assert "Counted at 13:00." in stale.content.decode()
    assert len(queued) == 1  # once, however many ask

    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 3), tick=False):
        tasks.recount_figures(*queued[0])  # what the worker does
        fresh, fresh_counts = counted(client)

    assert fresh_counts == 0 and starts_total(fresh) == "2"
    assert COUNTING_AGAIN not in fresh.content.decode()
    assert "Counted at 13:03." in fresh.content.decode()


def test_figures_of_flanders_never_counted_are_counted_by_a_worker_not_by_the_request(
    client, administrator, ocmw_gent, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)

    pending, pending_counts = counted(client)
    again, again_counts = counted(client)

    assert pending_counts == again_counts == 0
    page = pending.content.decode()
    assert COUNTING_FIRST in page and COUNTING_FIRST in again.content.decode()
    assert '<h2 id="figures-progress-heading" class="h5">Counting the figures</h2>' in page
    assert '<progress aria-labelledby="figures-progress-label"></progress>' in page
    assert "/static/js/figures-progress.js" in page
    assert 'name="year"' in page  # the filters stay
    assert "table-starts-type" not in page and "Counted at" not in page
    assert queued == [(administrator.pk, "year=2025", "en")]  # once, however many ask

    tasks.recount_figures(*queued[0])  # what the worker does
    shown, shown_counts = counted(client)

    assert shown_counts == 0 and starts_total(shown) == "1"
    assert COUNTING_FIRST not in shown.content.decode()
    assert "Counted at 13:00." in shown.content.decode()
    assert "/static/js/figures-progress.js" not in shown.content.decode()


def test_a_download_of_figures_being_counted_counts_them_itself(
    client, administrator, ocmw_gent, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    assert COUNTING_FIRST in counted(client)[0].content.decode()

    path = reverse("referrals:report_export", args=["starts", "csv"])
    download, counts = counted(client, path)

    assert counts > 0 and download["Content-Type"].startswith("text/csv")
    assert len(queued) == 1


def test_figures_never_counted_come_at_once_where_tasks_run_in_the_process(
    client, administrator, ocmw_gent, monkeypatch
):
    # Celery's own way of running a task in the process that asks for it.
    monkeypatch.setattr(
        tasks.recount_figures,
        "apply_async",
        lambda args, **options: tasks.recount_figures.apply(args),
    )
    started(ocmw_gent, MARCH)
    client.force_login(administrator)

    response, counts = counted(client)

    assert counts > 0 and starts_total(response) == "1"
    assert COUNTING_FIRST not in response.content.decode()


def test_figures_never_counted_and_not_counted_in_time_are_counted_on_the_request(
    client, administrator, ocmw_gent, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    assert COUNTING_FIRST in counted(client)[0].content.decode()
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, 29), tick=False):
        assert COUNTING_FIRST in counted(client)[0].content.decode()

    # OKOT_FIGURES_PENDING_SECONDS later: a page without figures waits less long for the
    # worker than one that shows the last ones (OKOT_FIGURES_STALE_SECONDS, five minutes).
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 0, 31), tick=False):
        late, late_counts = counted(client)  # no worker ran it

    assert late_counts > 0 and starts_total(late) == "1"
    assert COUNTING_FIRST not in late.content.decode() and len(queued) == 1


def test_a_count_asked_and_not_done_in_time_is_made_on_the_request(
    client, network_manager, ocmw_gent, django_capture_on_commit_callbacks, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(network_manager)
    counted_by_the_worker(client, queued)
    start_elsewhere(django_capture_on_commit_callbacks)
    assert COUNTING_AGAIN in counted(client)[0].content.decode() and len(queued) == 1

    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 5, 1), tick=False):
        late, late_counts = counted(client)  # no worker ran it
        after, after_counts = counted(client)

    assert late_counts > 0 and starts_total(late) == "1"  # the start was in Limburg
    assert COUNTING_AGAIN not in late.content.decode()
    assert after_counts == 0 and len(queued) == 1


def test_figures_counted_before_the_day_serve_it_until_it_ends(
    client, administrator, ocmw_gent, django_capture_on_commit_callbacks, queued
):
    started(ocmw_gent, MARCH)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 4, 30), tick=False):  # 05:30
        assert tasks.count_figures_ahead() > 0

    with time_machine.travel(datetime.datetime(2026, 11, 25, 15), tick=False):  # 16:00
        client.force_login(administrator)
        quiet, quiet_counts = counted(client, data={})
        start_elsewhere(django_capture_on_commit_callbacks)
        changed, changed_counts = counted(client, data={})

    assert quiet_counts == changed_counts == 0
    assert "Counted at 05:30." in quiet.content.decode()
    assert COUNTING_AGAIN in changed.content.decode() and len(queued) == 1


def test_a_network_managers_figures_wait_for_a_step_elsewhere_too(
    client, network_manager, ocmw_gent, django_capture_on_commit_callbacks, queued
):
    started(ocmw_gent, MARCH)
    client.force_login(network_manager)
    counted_by_the_worker(client, queued)

    start_elsewhere(django_capture_on_commit_callbacks)
    response, counts = counted(client)

    assert counts == 0 and COUNTING_AGAIN in response.content.decode()
    assert queued == [(network_manager.pk, "year=2025", "en")]  # the filters as checked


def start_in_gent(ocmw_gent, django_capture_on_commit_callbacks):
    """A start of a client of Gent in a training of the counsellor's region."""
    with django_capture_on_commit_callbacks(execute=True):
        Referral.objects.create(
            client=ClientFactory(ocmw=ocmw_gent),
            training=TrainingFactory(province=Province.OOST_VLAANDEREN),
            state=State.IN_TRAINING,
            agreed_on=datetime.date(2025, 2, 3),  # what VDAB's figures count from
            start_date=MARCH,
        )


@pytest.mark.parametrize("role", ["caseworker", "counsellor"])
def test_an_ocmws_or_a_regions_figures_show_their_last_step_at_once(
    client, request, ocmw_gent, django_capture_on_commit_callbacks, queued, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert starts_total(counted(client)[0]) == "0"

    start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
    response, counts = counted(client)

    assert counts > 0 and starts_total(response) == "1"
    assert COUNTING_AGAIN not in response.content.decode() and not queued


@pytest.mark.parametrize("role", ["caseworker", "counsellor"])
def test_figures_slow_to_count_come_as_counted_while_a_worker_counts_them_again(
    client, request, ocmw_gent, django_capture_on_commit_callbacks, queued, slow_counts, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert starts_total(counted(client)[0]) == "0"

    start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 2), tick=False):
        stale, stale_counts = counted(client)
        again, again_counts = counted(client)

    assert stale_counts == again_counts == 0
    assert starts_total(stale) == starts_total(again) == "0"
    assert COUNTING_AGAIN in stale.content.decode()
    assert "Counted at 13:00." in stale.content.decode()
    assert queued == [(user.pk, "year=2025", "en")]  # once, however many ask

    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, 3), tick=False):
        tasks.recount_figures(*queued[0])  # what the worker does
        fresh, fresh_counts = counted(client)

    assert fresh_counts == 0 and starts_total(fresh) == "1"
    assert COUNTING_AGAIN not in fresh.content.decode()
    assert "Counted at 13:03." in fresh.content.decode()


@pytest.mark.parametrize(
    "recounted_at",
    [datetime.datetime(2026, 11, 25, 12, 1), datetime.datetime(2026, 11, 25, 23, 1)],
    ids=["that day", "the night after"],
)
def test_figures_slow_to_count_once_stay_slow_whatever_the_next_count_takes(
    client,
    counsellor,
    ocmw_gent,
    django_capture_on_commit_callbacks,
    queued,
    settings,
    recounted_at,
):
    settings.OKOT_FIGURES_SLOW_SECONDS = 0
    client.force_login(counsellor)
    counted(client)  # slow
    settings.OKOT_FIGURES_SLOW_SECONDS = 60
    start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
    with time_machine.travel(recounted_at, tick=False):
        tasks.recount_figures(counsellor.pk, "year=2025", "en")  # fast this time

    with time_machine.travel(recounted_at + datetime.timedelta(minutes=1), tick=False):
        start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
        client.force_login(counsellor)
        response, counts = counted(client)

    assert counts == 0 and COUNTING_AGAIN in response.content.decode()
    assert starts_total(response) == "1" and len(queued) == 1


@pytest.mark.parametrize(
    ("role", "slow", "waits"),
    [("counsellor", True, True), ("counsellor", False, False), ("administrator", False, True)],
)
def test_figures_slow_to_count_are_kept_and_shown_the_next_day_while_counted_again(
    client,
    request,
    ocmw_gent,
    django_capture_on_commit_callbacks,
    queued,
    settings,
    role,
    slow,
    waits,
):
    settings.OKOT_FIGURES_SLOW_SECONDS = 0 if slow else 60
    user = request.getfixturevalue(role)
    start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)

    first, _counts = asked(client, user, datetime.datetime(2026, 11, 25, 12))  # 13:00 in Brussels
    if COUNTING_FIRST in first.content.decode():  # all of Flanders: counted by the worker
        tasks.recount_figures(*queued.pop())
    # Longer than OKOT_FIGURES_CACHE_SECONDS (an hour) later, the same day in Brussels.
    late, late_counts = asked(client, user, datetime.datetime(2026, 11, 25, 22, 30))
    next_day, next_day_counts = asked(client, user, datetime.datetime(2026, 11, 25, 23, 1))
    with time_machine.travel(datetime.datetime(2026, 11, 25, 23, 2), tick=False):
        for arguments in queued:
            tasks.recount_figures(*arguments)  # what the worker does
    recounted, recounted_counts = asked(client, user, datetime.datetime(2026, 11, 25, 23, 3))

    assert (late_counts == 0) is waits
    assert ("Counted at 13:00." in late.content.decode()) is waits  # else at 23:30
    assert (next_day_counts == 0) is waits
    shown_the_next_day = "Counted on 25 November at 13:00." in next_day.content.decode()
    assert shown_the_next_day is waits
    assert ("Today's figures are being counted now" in next_day.content.decode()) is waits
    assert queued == ([(user.pk, "year=2025", "en")] if waits else [])
    assert starts_total(next_day) == starts_total(recounted) == "1"
    assert recounted_counts == 0  # counted by the worker at 00:02, or by the request at 00:01
    assert f"Counted at {'00:02' if waits else '00:01'}." in recounted.content.decode()


@pytest.mark.parametrize(
    ("role", "setting", "asked_again_at"),
    [
        # Kept through the next day, no longer.
        ("counsellor", "OKOT_FIGURES_SLOW_SECONDS", datetime.datetime(2026, 11, 26, 23, 1)),
        # No worker waited for: the next day, counted on the request.
        ("administrator", "OKOT_FIGURES_STALE_SECONDS", datetime.datetime(2026, 11, 25, 23, 1)),
    ],
    ids=["slow to count, the day after the next", "without a worker, the next day"],
)
def test_figures_of_an_earlier_day_are_counted_on_the_request_when_not_kept_or_not_waited_for(
    client,
    request,
    ocmw_gent,
    django_capture_on_commit_callbacks,
    queued,
    settings,
    role,
    setting,
    asked_again_at,
):
    setattr(settings, setting, 0)
    user = request.getfixturevalue(role)
    start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
    asked(client, user, datetime.datetime(2026, 11, 25, 12))

    again, counts = asked(client, user, asked_again_at)  # 00:01 in Brussels

    assert counts > 0 and "Counted at 00:01." in again.content.decode() and not queued


def asked(client, user, at: datetime.datetime):
    """The figures page as `user` asks for it `at` (`counted`), in a new session: the last
    one may have expired."""
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        return counted(client)


@pytest.mark.parametrize("since", ["a step elsewhere", "a new day"])
def test_downloads_are_never_as_last_counted(
    client, administrator, ocmw_gent, django_capture_on_commit_callbacks, queued, since
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    counted_by_the_worker(client, queued)
    at = datetime.datetime(2026, 11, 25, 23, 1)  # 00:01 in Brussels
    if since == "a step elsewhere":
        start_elsewhere(django_capture_on_commit_callbacks)
        at = datetime.datetime(2026, 11, 25, 12, 5)

    with time_machine.travel(at, tick=False):
        client.force_login(administrator)
        for table in ("starts.csv", "all.xlsx"):
            path = reverse("referrals:report_export", args=table.split("."))
            assert counted(client, path)[1] > 0  # counted, where the page is not

    assert not queued


def test_with_the_broker_down_the_request_counts(
    client, administrator, ocmw_gent, django_capture_on_commit_callbacks, monkeypatch
):
    tried = []

    def broker_down(args, **options):
        tried.append(args)
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(tasks.recount_figures, "apply_async", broker_down)
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    first, first_counts = counted(client)
    assert first_counts > 0 and COUNTING_FIRST not in first.content.decode()
    start_elsewhere(django_capture_on_commit_callbacks)

    response, counts = counted(client)

    # Asked of the worker each time, the first time too (the figures never counted).
    assert counts > 0 and starts_total(response) == "2" and len(tried) == 2
    assert COUNTING_AGAIN not in response.content.decode()


def test_with_the_cache_refusing_writes_the_request_counts(
    client, administrator, ocmw_gent, django_capture_on_commit_callbacks, queued, monkeypatch
):
    started(ocmw_gent, MARCH)
    client.force_login(administrator)
    counted_by_the_worker(client, queued)
    start_elsewhere(django_capture_on_commit_callbacks)

    def full(*args, **kwargs):
        raise ConnectionError("OOM command not allowed when used memory > 'maxmemory'.")

    monkeypatch.setattr(cache, "add", full)
    monkeypatch.setattr(cache, "set", full)
    response, counts = counted(client)

    assert counts > 0 and starts_total(response) == "2" and not queued


def test_a_worker_counts_nothing_for_someone_who_may_no_longer_see_the_figures(
    client, administrator, ocmw_gent
):
    started(ocmw_gent, MARCH)
    administrator.is_active = False
    administrator.save()

    figures.count_again(administrator.pk, "year=2025", "en")

    administrator.is_active = True
    administrator.save()
    client.force_login(administrator)
    assert counted(client)[1] > 0  # nothing was kept for them


def test_the_figures_of_flanders_the_provinces_and_the_regions_are_counted_before_the_day(
    client,
    administrator,
    network_manager,
    counsellor,
    ocmw_gent,
    settings,
    django_capture_on_commit_callbacks,
    queued,
):
    started(ocmw_gent, MARCH)
    NetworkManagerFactory(organisation=network_manager.organisation)  # the same province
    CounsellorFactory(organisation=counsellor.organisation)  # the same region

    counted_ahead = tasks.count_figures_ahead()

    # Flanders, one province and one region; every year offered (2026 back to 2016) and
    # all years, by event and by cohort; for Flanders also this year and all years of each
    # type and of each region; in Dutch and in English.
    narrower = len(OkotType) + len(Province)
    assert counted_ahead == (3 * 2 * (11 + 1) + narrower * 2 * 2) * len(settings.LANGUAGES)
    assert tasks.count_figures_ahead() == 0  # still in the cache
    pages = [{}, {"basis": "cohort"}, {"year": "2016"}, {"year": "", "basis": "cohort"}]
    for user in (administrator, network_manager, counsellor):
        client.force_login(user)
        for data in pages:
            assert counted(client, data=data)[1] == 0
    client.force_login(administrator)
    for data in ({"okot_type": "PBA"}, {"year": "", "basis": "cohort", "region": "limburg"}):
        assert counted(client, data=data)[1] == 0
    # Not counted ahead: counted by the worker when first asked for.
    not_ahead = counted(client, data={"year": "2025", "okot_type": "PBA"})
    assert not_ahead[1] == 0 and COUNTING_FIRST in not_ahead[0].content.decode()
    client.force_login(network_manager)
    within_a_region = counted(client, data={"okot_type": "PBA"})
    assert within_a_region[1] == 0 and COUNTING_FIRST in within_a_region[0].content.decode()
    assert len(queued) == 2
    queued.clear()

    # However fast they were to count, kept past the hour, and after a change shown as
    # counted while counted again.
    with time_machine.travel(datetime.datetime(2026, 11, 25, 15), tick=False):  # 16:00
        client.force_login(counsellor)
        later, later_counts = counted(client, data={"year": "", "basis": "cohort"})
        start_in_gent(ocmw_gent, django_capture_on_commit_callbacks)
        changed, changed_counts = counted(client, data={"year": "", "basis": "cohort"})
    assert later_counts == changed_counts == 0 and "Counted at 13:00." in later.content.decode()
    assert COUNTING_AGAIN in changed.content.decode()
    # The next morning, every page again: a new day's figures are its own.
    with time_machine.travel(datetime.datetime(2026, 11, 26, 4, 30), tick=False):
        assert tasks.count_figures_ahead() == counted_ahead
    assert settings.CELERY_BEAT_SCHEDULE["count-figures-ahead"]["task"] == (
        "referrals.tasks.count_figures_ahead"
    )


def test_nothing_is_counted_ahead_without_the_cache(administrator, settings):
    settings.OKOT_FIGURES_CACHE_SECONDS = 0

    assert tasks.count_figures_ahead() == 0
