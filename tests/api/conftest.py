import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import may_hold_a_token
from tests.accounts.two_factor import pass_second_factor
from tests.api.factories import ApiTokenFactory


def client_for(user) -> APIClient:
    """A partner system calling with a token made for `user`; an administrator, whom no
    token may act for (`api.models.may_hold_a_token`), through the browser's session with
    the second factor passed."""
    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if not may_hold_a_token(user):
        http.force_login(user)
        pass_second_factor(http, user)
        return http
    token = ApiTokenFactory(user=user)
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    http.token = token
    return http


@pytest.fixture
def api_for(db):
    return client_for


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """The throttle counts requests in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()
