import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.factories import ApiTokenFactory


def client_for(user) -> APIClient:
    """A partner system calling with a token made for `user`."""
    token = ApiTokenFactory(user=user)
    http = APIClient(HTTP_ACCEPT_LANGUAGE="en")
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
