"""A view reads `request.user` as the user object itself (`UserObjectMiddleware`), with
what django-otp knows of the second factor, and the anonymous visitor as before. (A
session that ends logs out after it, as before: test_sessions.)"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.middleware import user_object
from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_page_reads_the_user_object_itself(client, caseworker):
    client.force_login(caseworker)

    response = client.get(reverse("referrals:dashboard"))

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is User
    assert user.pk == caseworker.pk
    assert response.context["user"] is user
    assert user.otp_device is None
    assert not user.is_verified()


def test_the_second_factor_passed_is_on_the_user_object(client, administrator):
    client.force_login(administrator)  # passes the second factor (tests/accounts/two_factor)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    user = response.wsgi_request.user
    assert type(user) is User
    assert user.is_verified()


def test_an_anonymous_visitor_is_django_s_anonymous_user(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert type(response.wsgi_request.user) is AnonymousUser


def test_the_proxies_are_evaluated_and_taken_off(caseworker):
    outer = SimpleLazyObject(lambda: SimpleLazyObject(lambda: caseworker))

    assert user_object(outer) is caseworker
    assert user_object(caseworker) is caseworker
