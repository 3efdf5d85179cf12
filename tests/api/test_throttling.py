"""How many requests a caller may send: per token for systems, per user for the browser.

DRF reads a throttle's rates once, into the class (`SimpleRateThrottle.THROTTLE_RATES`), so
a test lowers the rate there; `test_the_rate_is_the_settings` pins that the class holds the
setting. The counts are in the cache, emptied around each test (tests/api/conftest.py)."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from api.throttling import PerToken
from tests.api.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

RATE = 3
URL = reverse("api:training-list")
NOW = datetime.datetime(2025, 3, 10, 9, 0, 10, tzinfo=datetime.UTC)


@pytest.fixture
def low_rate(monkeypatch):
    monkeypatch.setattr(PerToken, "THROTTLE_RATES", {"token": f"{RATE}/minute"})


def bearer(token) -> APIClient:
    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    return http


def statuses(http, count: int) -> list[int]:
    return [http.get(URL).status_code for _ in range(count)]


def test_the_rate_is_the_settings():
    assert (
        PerToken.THROTTLE_RATES["token"]
        == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]
    )
    assert PerToken().rate == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]


def test_the_request_past_the_rate_gets_429_with_retry_after(low_rate, caseworker):
    http = bearer(ApiTokenFactory(user=caseworker))

    with time_machine.travel(NOW, tick=False):
        assert statuses(http, RATE) == [200] * RATE
        response = http.get(URL)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert set(response.json()) == {"detail"}


def test_the_caller_may_send_again_once_the_minute_is_over(low_rate, caseworker):
    http = bearer(ApiTokenFactory(user=caseworker))

    with time_machine.travel(NOW, tick=False) as traveller:
        statuses(http, RATE + 1)
        traveller.move_to(NOW + datetime.timedelta(seconds=61))
        assert http.get(URL).status_code == 200


def test_another_token_is_not_counted_with_it(low_rate, caseworker, counsellor):
    first = bearer(ApiTokenFactory(user=caseworker))
    same_user = bearer(ApiTokenFactory(user=caseworker))
    other_user = bearer(ApiTokenFactory(user=counsellor))

    with time_machine.travel(NOW, tick=False):
        statuses(first, RATE)
        assert first.get(URL).status_code == 429

        assert statuses(same_user, RATE) == [200] * RATE
        assert statuses(other_user, RATE) == [200] * RATE


def test_every_request_counts_not_only_the_successful(low_rate, caseworker):
    """A 404 (someone probing ids) uses the allowance too."""
    http = bearer(ApiTokenFactory(user=caseworker))
    missing = reverse("api:referral-detail", args=[999999])

    with time_machine.travel(NOW, tick=False):
        assert [http.get(missing).status_code for _ in range(RATE)] == [404] * RATE
        assert http.get(URL).status_code == 429


def test_the_browser_is_counted_per_user(low_rate, caseworker, counsellor):
    browser, colleague = APIClient(), APIClient()
    browser.force_login(caseworker)
    colleague.force_login(counsellor)

    with time_machine.travel(NOW, tick=False):
        assert statuses(browser, RATE) == [200] * RATE
        assert browser.get(URL).status_code == 429
        assert colleague.get(URL).status_code == 200
