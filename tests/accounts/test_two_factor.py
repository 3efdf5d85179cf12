"""The second factor (django-otp): administrators, superusers and staff pass it before any
page, the admin above all; they enrol right after the password when they have no device;
everyone else may enrol, and is then asked at every login."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.two_factor import new_backup_codes
from tests.accounts.factories import CaseworkerFactory, UserFactory
from tests.accounts.two_factor import app_device, current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105
ADMIN_INDEX = "/admin/"


def log_in(username, password=PASSWORD, next_url=""):
    browser = Client()
    response = browser.post(
        reverse("login"), {"username": username, "password": password, "next": next_url}
    )
    return browser, response


def follow(browser, response):
    return browser.get(response["Location"])


@pytest.fixture
def admin(administrator):
    administrator.set_password(PASSWORD)
    administrator.save()
    return administrator


def test_an_administrator_without_a_device_cannot_reach_the_admin(administrator):
    browser = Client()
    browser.force_login(administrator)  # the password alone

    response = browser.get(ADMIN_INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


@pytest.mark.parametrize("staff", ["superuser", "staff"])
def test_no_admin_page_without_a_verified_device(staff):
    user = UserFactory(is_staff=True, is_superuser=staff == "superuser")
    app_device(user)
    browser = Client()
    browser.force_login(user)

    for url in [ADMIN_INDEX, reverse("admin:accounts_user_changelist")]:
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:verify"))


def test_the_totp_login_of_an_administrator_end_to_end(admin):
    device = app_device(admin)
    browser, response = log_in(admin.username, next_url=ADMIN_INDEX)
    asked = follow(browser, response)  # the admin sends on to the code

    blocked = browser.get(reverse("referrals:dashboard"))
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC), tick=False) as clock:
        wrong = browser.post(reverse("accounts:verify"), {"code": "000000", "next": ADMIN_INDEX})
        too_soon = browser.post(
            reverse("accounts:verify"), {"code": current_code(device), "next": ADMIN_INDEX}
        )
        clock.shift(2)  # django-otp waits a second after a wrong code, doubling each time
        right = browser.post(
            reverse("accounts:verify"), {"code": current_code(device), "next": ADMIN_INDEX}
        )

    assert response["Location"] == ADMIN_INDEX
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("accounts:verify"))
    assert blocked["Location"].startswith(reverse("accounts:verify"))
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert too_soon.context["form"].has_error("code", "throttled")
    assert right.status_code == 302 and right["Location"] == ADMIN_INDEX
    assert browser.get(ADMIN_INDEX).status_code == 200


def test_an_administrator_without_a_device_enrols_right_after_the_password(admin):
    browser, response = log_in(admin.username)
    enrol_page = browser.get(follow(browser, response)["Location"])
    device = TOTPDevice.objects.get(user=admin, confirmed=False)

    done = browser.post(reverse("accounts:enrol"), {"code": current_code(device)})

    assert 'role="img"' in enrol_page.content.decode() and "<svg" in enrol_page.content.decode()
    assert enrol_page.context["secret"].replace(" ", "")  # the key in text too
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10  # the backup codes, shown once
    assert browser.get(ADMIN_INDEX).status_code == 200


def test_a_backup_code_logs_in_once(admin):
    app_device(admin)
    code = new_backup_codes(admin)[0]
    first, response = log_in(admin.username)
    second, _ = log_in(admin.username)

    used = first.post(reverse("accounts:verify"), {"code": code})
    again = second.post(reverse("accounts:verify"), {"code": code})

    assert used.status_code == 302
    assert again.status_code == 200 and again.context["form"].errors


def test_a_password_alone_cannot_replace_the_device(admin):
    app_device(admin)
    browser, _ = log_in(admin.username)

    response = browser.get(reverse("accounts:enrol"))

    assert response["Location"].startswith(reverse("accounts:verify"))
    assert not TOTPDevice.objects.filter(user=admin, confirmed=False).exists()


def test_a_caseworker_works_without_a_second_factor(ocmw_gent):
    CaseworkerFactory(organisation=ocmw_gent, username="sofie", password=PASSWORD)
    browser, response = log_in("sofie")

    assert browser.get(reverse("referrals:dashboard")).status_code == 200


def test_a_caseworker_who_enrolled_is_asked_at_the_next_login(ocmw_gent):
    CaseworkerFactory(organisation=ocmw_gent, username="sofie", password=PASSWORD)
    browser, _ = log_in("sofie")
    browser.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user__username="sofie")
    browser.post(reverse("accounts:enrol"), {"code": current_code(device)})

    later, _ = log_in("sofie")

    assert later.get(reverse("referrals:dashboard"))["Location"].startswith(
        reverse("accounts:verify")
    )
    assert later.get(reverse("accounts:account")).status_code == 302


def test_an_administrator_cannot_switch_the_second_factor_off(administrator, client):
    client.force_login(administrator)  # with the second factor passed

    client.post(reverse("accounts:remove_second_factor"))

    assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()


def test_the_account_page_offers_the_second_factor(caseworker, client, in_english):
    client.force_login(caseworker)

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 200
    assert reverse("accounts:enrol") in response.content.decode()
    assert reverse("password_change") in response.content.decode()


def test_a_role_given_during_the_session_asks_for_the_second_factor_at_once(caseworker):
    """The administrator role counts from the next request, not from the next login."""
    browser = Client()
    browser.force_login(caseworker)
    assert browser.get(reverse("referrals:dashboard")).status_code == 200

    caseworker.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    response = browser.get(reverse("referrals:client_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enrol"))


def test_passing_the_second_factor_gives_a_new_session_id(admin):
    device = app_device(admin)
    browser, _response = log_in(admin.username)
    before = browser.session.session_key

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC), tick=False):
        browser.post(reverse("accounts:verify"), {"code": current_code(device)})

    assert browser.session.session_key != before
    assert browser.get(ADMIN_INDEX).status_code == 200
