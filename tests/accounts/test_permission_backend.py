"""A user's permissions in one query (`accounts.backends.PermissionsInOneQuery`): the same as
Django's ModelBackend reads in two, for every kind of user, and read once per user object."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import PermissionsInOneQuery
from tests.accounts.factories import CaseworkerFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def people():
    direct = UserFactory()
    direct.user_permissions.add(Permission.objects.get(codename="act_as_counsellor"))
    both = CaseworkerFactory()  # by group
    both.user_permissions.add(Permission.objects.get(codename="view_province_reports"))
    group = Group.objects.create(name="Also")
    group.permissions.add(Permission.objects.get(codename="act_as_caseworker"))
    both.groups.add(group)  # the same permission twice
    return {
        "none": UserFactory(),
        "direct": direct,
        "group and direct": both,
        "superuser": UserFactory(is_superuser=True),
        "inactive": CaseworkerFactory(is_active=False),
    }


@pytest.mark.parametrize("who", ["none", "direct", "group and direct", "superuser", "inactive"])
def test_the_permissions_are_modelbackends(people, who, django_assert_num_queries):
    user = fresh(people[who])
    expected = ModelBackend().get_all_permissions(fresh(people[who]))

    with django_assert_num_queries(0 if who == "inactive" else 1):
        found = PermissionsInOneQuery().get_all_permissions(user)
        assert user.get_all_permissions() == found  # ModelBackend reads the same cache

    assert found == expected
    assert all(user.has_perm(name) for name in expected)
    assert not user.has_perm("referrals.no_such_permission") or who == "superuser"


def test_a_request_reads_its_users_permissions_once(client, caseworker):
    client.force_login(caseworker)
    client.get(reverse("referrals:dashboard"))

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("referrals:dashboard")).status_code == 200
    permissions = [q for q in queries.captured_queries if '"auth_permission"' in q["sql"]]
    assert len(permissions) == 1


def test_an_anonymous_user_has_no_permissions_and_costs_no_query(django_assert_num_queries):
    anonymous = AnonymousUser()

    with django_assert_num_queries(0):
        found = PermissionsInOneQuery().get_all_permissions(anonymous)

    assert found == ModelBackend().get_all_permissions(anonymous) == set()
