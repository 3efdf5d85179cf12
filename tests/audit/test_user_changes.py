"""User and role changes in the audit trail: who created, changed (fields before and after,
roles added and removed, the password changed but never its hash) or deleted which account,
and second-factor devices reset by an administrator; in the transaction of the change."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse

from accounts.changes import announce_user_change, user_snapshot
from accounts.models import Role, User
from audit.models import Entry, Kind
from tests.accounts.factories import CaseworkerFactory, OcmwFactory
from tests.accounts.test_admin import change_user
from tests.accounts.two_factor import app_device, passkey

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105
NEW_PASSWORD = "another-long-secret"  # noqa: S105


def changes() -> list[Entry]:
    return list(Entry.objects.filter(kind=Kind.USER_CHANGE).order_by("pk"))


def the_change() -> Entry:
    rows = changes()
    assert len(rows) == 1, [row.detail for row in rows]
    return rows[0]


def assert_no_password_hash(entry: Entry, user: User) -> None:
    user.refresh_from_db()
    text = json.dumps(entry.detail)
    assert user.password not in text
    assert "md5$" not in text and "pbkdf2" not in text


@pytest.fixture
def sofie(ocmw_gent):
    return CaseworkerFactory(
        organisation=ocmw_gent,
        username="sofie",
        email="sofie@gent.example",
        password=PASSWORD,
    )


@pytest.fixture
def admin(client, administrator):
    client.force_login(administrator)
    return client


def test_an_account_created_in_admin(admin, administrator, ocmw_gent):
    caseworker_role = Group.objects.get(name=Role.CASEWORKER)

    admin.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a long enough password",
            "password2": "a long enough password",
            "first_name": "Nieuwe",
            "organisation": ocmw_gent.pk,
            "work_phone": "09 111 11 11",
            "groups": [caseworker_role.pk],
        },
    )

    newcomer = User.objects.get(username="newcomer")
    entry = the_change()
    assert entry.actor == administrator
    assert entry.detail["event"] == "created"
    assert (entry.detail["user_id"], entry.detail["username"]) == (newcomer.pk, "newcomer")
    assert entry.detail["changes"]["first_name"] == [None, "Nieuwe"]
    assert entry.detail["changes"]["organisation"] == [None, "OCMW Gent"]
    assert entry.detail["roles_added"] == [Role.CASEWORKER]
    assert entry.detail["password_changed"] is True
    assert_no_password_hash(entry, newcomer)


def test_fields_and_roles_changed_in_admin_with_before_and_after(admin, administrator, sofie):
    aalst = OcmwFactory(municipality="Aalst")
    administrator_role = Group.objects.get(name=Role.ADMINISTRATOR)

    response = change_user(
        admin,
        sofie,
        email="sofie@aalst.example",
        organisation=aalst.pk,
        is_active="",
        groups=[administrator_role.pk],
    )

    assert response.status_code == 302
    entry = the_change()
    assert entry.actor == administrator
    assert entry.detail["event"] == "changed"
    assert entry.detail["user_id"] == sofie.pk
    assert entry.detail["changes"] == {
        "email": ["sofie@gent.example", "sofie@aalst.example"],
        "organisation": ["OCMW Gent", "OCMW Aalst"],
        "is_active": [True, False],
    }
    assert entry.detail["roles_added"] == [Role.ADMINISTRATOR]
    assert entry.detail["roles_removed"] == [Role.CASEWORKER]
    assert "password_changed" not in entry.detail
    assert_no_password_hash(entry, sofie)


def test_saving_without_a_change_writes_nothing(admin, sofie):
    change_user(admin, sofie)

    assert changes() == []


def test_a_superuser_setting_a_password_records_that_it_changed_never_the_hash(
    admin_client, admin_user, sofie
):
    admin_client.post(
        reverse("admin:auth_user_password_change", args=[sofie.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    entry = the_change()
    assert entry.actor == admin_user
    assert entry.detail == {
        "event": "changed",
        "user_id": sofie.pk,
        "username": "sofie",
        "password_changed": True,
    }
    assert_no_password_hash(entry, sofie)


def test_an_account_deleted_in_admin(admin_client, admin_user, sofie):
    admin_client.post(reverse("admin:accounts_user_delete", args=[sofie.pk]), {"post": "yes"})

    assert not User.objects.filter(pk=sofie.pk).exists()
    entry = the_change()
    assert (entry.actor, entry.detail["event"]) == (admin_user, "deleted")
    assert (entry.detail["user_id"], entry.detail["username"]) == (sofie.pk, "sofie")


@pytest.mark.parametrize("device", ["app", "passkey"])
@pytest.mark.parametrize("how", ["one", "bulk"])
def test_a_second_factor_reset_by_an_administrator(admin_client, admin_user, sofie, device, how):
    made = app_device(sofie) if device == "app" else passkey(sofie)
    opts = made._meta
    if how == "one":
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[made.pk])
        admin_client.post(url, {"post": "yes"})
    else:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        admin_client.post(
            url, {"action": "delete_selected", "_selected_action": [made.pk], "post": "yes"}
        )

    assert not type(made).objects.filter(pk=made.pk).exists()
    entry = the_change()
    assert entry.actor == admin_user
    assert entry.detail["event"] == "second_factor_removed"
    assert entry.detail["method"] == ("totp" if device == "app" else "passkey")
    assert (entry.detail["user_id"], entry.detail["username"]) == (sofie.pk, "sofie")


def test_a_role_whose_permissions_change(admin_client, admin_user):
    role = Group.objects.create(name="Lezers")
    permission = Permission.objects.get(codename="view_entry")

    admin_client.post(
        reverse("admin:auth_group_change", args=[role.pk]),
        {"name": "Lezers", "permissions": [permission.pk]},
    )

    entry = the_change()
    assert entry.actor == admin_user
    assert entry.detail == {
        "event": "role_changed",
        "role_id": role.pk,
        "role": "Lezers",
        "permissions_added": ["audit.view_entry"],
    }


# --- outside the admin -------------------------------------------------------------------------


def test_the_language_switch(client, sofie):
    client.force_login(sofie)

    client.post(reverse("set_language"), {"language": "en"})

    entry = the_change()
    assert entry.actor == sofie
    assert entry.detail["changes"] == {"language": ["nl-be", "en"]}


def test_a_password_changed_on_the_password_page(client, sofie):
    client.force_login(sofie)

    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    entry = the_change()
    assert entry.actor == sofie
    assert entry.detail["password_changed"] is True
    assert entry.path == reverse("password_change")
    assert_no_password_hash(entry, sofie)


def test_a_wrong_old_password_changes_nothing_and_records_nothing(client, sofie):
    client.force_login(sofie)

    client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert changes() == []


def test_the_row_goes_with_a_change_rolled_back(sofie):
    with pytest.raises(RuntimeError), transaction.atomic():
        before = user_snapshot(sofie)
        User.objects.filter(pk=sofie.pk).update(email="rolled@back.example")
        announce_user_change(None, sofie, before)
        assert len(changes()) == 1
        raise RuntimeError

    assert changes() == []


def test_outside_a_request_the_user_is_named_and_no_page(sofie):
    before = user_snapshot(sofie)
    User.objects.filter(pk=sofie.pk).update(work_phone="09 000 00 00")

    announce_user_change(None, sofie, before)

    entry = the_change()
    assert (entry.actor, entry.path, entry.ip_address) == (sofie, "", None)
