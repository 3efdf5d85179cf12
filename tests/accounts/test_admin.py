"""Who may hand out which powers in the user admin."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import Role, User
from tests.accounts.factories import AdministratorFactory, CaseworkerFactory

pytestmark = pytest.mark.django_db


def change_user(client, user, **changes):
    """Post the user's admin form as the page shows it, with `changes`."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = value
        elif value not in (None, False):
            data[name] = "on" if value is True else str(value)
    data.update(changes)
    return client.post(url, data)


def test_the_functional_administrator_cannot_make_a_superuser(client):
    administrator = AdministratorFactory()
    caseworker = CaseworkerFactory()
    client.force_login(administrator)

    response = change_user(client, caseworker, is_superuser="on", work_phone="09 111 22 33")

    assert response.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.work_phone == "09 111 22 33"  # the rest of the form was taken
    assert not caseworker.is_superuser


def test_a_user_who_joined_in_the_hour_the_clocks_go_back_can_be_changed(client):
    """02:30 on 25 October 2026 in Brussels came twice: shown in an editable field, the
    form refused it as ambiguous, and the user's page could not be saved."""
    administrator = AdministratorFactory()
    caseworker = CaseworkerFactory(
        date_joined=datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC),
        last_login=datetime.datetime(2026, 10, 25, 1, 30, tzinfo=datetime.UTC),
    )
    client.force_login(administrator)

    response = change_user(client, caseworker, work_phone="09 111 22 33")

    assert response.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.work_phone == "09 111 22 33"
    assert caseworker.date_joined == datetime.datetime(2026, 10, 25, 0, 30, tzinfo=datetime.UTC)


def test_a_superuser_can(admin_client):
    caseworker = CaseworkerFactory()

    change_user(admin_client, caseworker, is_superuser="on")

    assert User.objects.get(pk=caseworker.pk).is_superuser


# --- nobody administers someone more powerful than themselves (pen test finding 2) ---------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "an old long password")


@pytest.fixture
def powerful_role(db):
    """A role with a permission the functional administrator does not hold."""
    role = Group.objects.create(name="Role administrator")
    role.permissions.add(Permission.objects.get(codename="change_group"))
    return role


def test_the_functional_administrator_cannot_set_a_superusers_password(client, superuser):
    client.force_login(AdministratorFactory())
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])

    response = client.post(
        url,
        {
            "password1": "taken over 2026!",
            "password2": "taken over 2026!",
            "usable_password": "true",
        },
    )

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.check_password("an old long password")


def test_the_functional_administrator_sees_a_superuser_read_only(client, superuser):
    client.force_login(AdministratorFactory())
    url = reverse("admin:accounts_user_change", args=[superuser.pk])

    page = client.get(url)
    response = client.post(url, {"username": "root", "email": "mine@example.org"})

    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org"


def test_nor_a_user_holding_a_permission_they_lack(client, powerful_role):
    holder = CaseworkerFactory()
    holder.groups.add(powerful_role)
    client.force_login(AdministratorFactory())

    response = client.get(reverse("admin:auth_user_password_change", args=[holder.pk]))

    assert response.status_code == 403


def test_the_functional_administrator_cannot_delete_a_superuser(client, superuser):
    client.force_login(AdministratorFactory())
    changelist = reverse("admin:accounts_user_changelist")

    single = client.post(
        reverse("admin:accounts_user_delete", args=[superuser.pk]), {"post": "yes"}
    )
    action = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [superuser.pk], "post": "yes"},
    )

    assert single.status_code == 403
    assert action.status_code == 403
    assert User.objects.filter(pk=superuser.pk).exists()


def test_the_functional_administrator_cannot_grant_a_role_with_more_power(client, powerful_role):
    caseworker = CaseworkerFactory()
    client.force_login(AdministratorFactory())

    response = change_user(
        client,
        caseworker,
        groups=[*caseworker.groups.values_list("pk", flat=True), powerful_role.pk],
    )

    assert response.status_code == 200
    assert "rechten die u zelf niet hebt: Role administrator" in str(
        response.context["adminform"].form.errors["groups"]
    )
    assert not caseworker.groups.filter(pk=powerful_role.pk).exists()


def test_nor_when_adding_a_user(client, powerful_role, ocmw_gent):
    client.force_login(AdministratorFactory())

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a long enough password",
            "password2": "a long enough password",
            "organisation": ocmw_gent.pk,
            "groups": [powerful_role.pk],
        },
    )

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="newcomer").exists()


def test_but_can_give_the_roles_they_hold(client):
    caseworker = CaseworkerFactory()
    client.force_login(AdministratorFactory())

    change_user(client, caseworker, groups=[Group.objects.get(name=Role.ADMINISTRATOR).pk])

    assert caseworker.groups.filter(name=Role.ADMINISTRATOR).exists()


def test_an_administrator_cannot_take_over_another(client):
    """Setting a peer's password, then enrolling their second factor, would be a login as
    them: only a superuser administers those who must pass a second factor."""
    colleague = AdministratorFactory()
    client.force_login(AdministratorFactory())

    password = client.get(reverse("admin:auth_user_password_change", args=[colleague.pk]))
    response = change_user(client, colleague, work_phone="09 999 99 99")

    assert password.status_code == 403
    assert response.status_code == 403
    colleague.refresh_from_db()
    assert colleague.work_phone != "09 999 99 99"


def test_a_superuser_administers_administrators(admin_client):
    colleague = AdministratorFactory()

    response = change_user(admin_client, colleague, work_phone="09 999 99 99")

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.work_phone == "09 999 99 99"


def test_a_superuser_may_change_another_superuser(admin_client, superuser):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[superuser.pk]),
        {
            "password1": "a new long password",
            "password2": "a new long password",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    superuser.refresh_from_db()
    assert superuser.check_password("a new long password")
