"""A user's permissions in one query (`accounts.backends.PermissionsInOneQuery`): the same as
Django's ModelBackend reads in two, for every kind of user, and read once per user object;
those of many users in one query too (`read_permissions`)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import PermissionsInOneQuery, read_permissions
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


# --- many users at once: everyone a message goes to -------------------------------------------


def test_many_users_permissions_are_read_in_one_query_each_as_modelbackends(
    people, django_assert_num_queries
):
    users = [fresh(person) for person in people.values()]
    twice = fresh(people["group and direct"])  # the same person as another object
    expected = [ModelBackend().get_all_permissions(fresh(user)) for user in [*users, twice]]

    # Their own and their groups' in one; every permission, for the superuser, in another.
    with django_assert_num_queries(2):
        read_permissions([*users, twice])
    with django_assert_num_queries(0):
        found = [user.get_all_permissions() for user in [*users, twice]]

    assert found == expected
    assert found[list(people).index("group and direct")]  # none of them is empty by mistake
    assert found[list(people).index("direct")] == {"accounts.act_as_counsellor"}


def test_users_whose_permissions_were_read_are_not_read_again(people, django_assert_num_queries):
    read = fresh(people["direct"])
    read.get_all_permissions()
    unread = fresh(people["group and direct"])

    with django_assert_num_queries(1):
        read_permissions([read, unread])
    with django_assert_num_queries(0):
        read_permissions([read, unread])

    assert unread.get_all_permissions() == ModelBackend().get_all_permissions(
        fresh(people["group and direct"])
    )


def test_each_user_object_gets_a_set_of_its_own(people):
    """Two superusers hold the same permissions, and one person may be two objects: a
    change to one object's cache changes no other's."""
    superusers = [fresh(people["superuser"]), fresh(UserFactory(is_superuser=True))]
    twice = [fresh(people["direct"]), fresh(people["direct"])]

    read_permissions([*superusers, *twice])
    superusers[0]._perm_cache.add("accounts.no_such_permission")
    twice[0]._perm_cache.add("accounts.no_such_permission")

    assert "accounts.no_such_permission" not in superusers[1].get_all_permissions()
    assert twice[1].get_all_permissions() == {"accounts.act_as_counsellor"}


def test_each_object_is_answered_as_it_is_even_with_a_twin_that_differs(people):
    """As ModelBackend answers each object: one that says it is a superuser (changed in
    memory) holds every permission; the same person's other object only their own."""
    plain, flagged = fresh(people["direct"]), fresh(people["direct"])
    flagged.is_superuser = True

    read_permissions([flagged, plain])

    assert plain.get_all_permissions() == {"accounts.act_as_counsellor"}
    assert flagged.get_all_permissions() == ModelBackend().get_all_permissions(flagged)
    assert len(flagged.get_all_permissions()) > 1


def test_a_user_not_saved_yet_holds_no_permissions_and_costs_no_query(
    people, django_assert_num_queries
):
    unsaved, saved = get_user_model()(username="nobody-yet"), fresh(people["direct"])

    with django_assert_num_queries(1):
        read_permissions([unsaved, saved])

    assert unsaved.get_all_permissions() == set()
    assert saved.get_all_permissions() == {"accounts.act_as_counsellor"}
