"""Guessing passwords locks the login (django-axes): per user name and per address, with
our own page; an administrator, a password reset or the passing of time lifts the lock."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.accounts.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def sofie(ocmw_gent):
    return CaseworkerFactory(organisation=ocmw_gent, username="sofie", password=PASSWORD)


def log_in(username, password, address="203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse(
        settings.LOGIN_REDIRECT_URL
    )


def test_the_limit_is_a_handful():
    assert 3 <= LIMIT <= 10
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)


def test_the_right_password_is_refused_after_the_limit_of_wrong_ones(sofie, in_english):
    answers = [log_in("sofie", "wrong-password-1").status_code for _ in range(LIMIT)]

    response = log_in("sofie", PASSWORD, address="198.51.100.2")  # another address too

    assert answers == [200] * (LIMIT - 1) + [429]  # the form again, then the lockout
    assert not logged_in(response)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Aanmelden is voorlopig geblokkeerd" in page
    assert "15 minuten" in page
    assert 'href="/static/css/okot.css"' in page  # our base template, not axes' bare text


def test_one_fewer_failure_still_lets_the_right_password_in(sofie):
    for _ in range(LIMIT - 1):
        log_in("sofie", "wrong-password-1")

    assert logged_in(log_in("sofie", PASSWORD))
    assert not AccessAttempt.objects.filter(username="sofie").exists()  # reset on success


def test_guessing_many_user_names_from_one_address_locks_that_address(sofie):
    for n in range(LIMIT):
        log_in(f"someone-{n}", "wrong-password-1", address="203.0.113.66")

    assert log_in("sofie", PASSWORD, address="203.0.113.66").status_code == 429
    assert logged_in(log_in("sofie", PASSWORD, address="203.0.113.99"))


def test_the_lock_lifts_after_the_cool_off(sofie):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)) as clock:
        for _ in range(LIMIT):
            log_in("sofie", "wrong-password-1")
        clock.shift(datetime.timedelta(minutes=14))
        assert log_in("sofie", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=16))  # 15 minutes after the last attempt

        assert logged_in(log_in("sofie", PASSWORD))


def test_an_administrator_unlocks_a_user_with_the_user_admin_action(sofie, administrator, client):
    for _ in range(LIMIT):
        log_in("sofie", "wrong-password-1")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [sofie.pk]},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="sofie").exists()
    assert logged_in(log_in("sofie", PASSWORD))


def test_an_administrator_sees_and_deletes_lockouts_in_admin(sofie, administrator, client):
    for _ in range(LIMIT):
        log_in("sofie", "wrong-password-1")
    attempt = AccessAttempt.objects.get(username="sofie")
    client.force_login(administrator)

    listed = client.get(reverse("admin:axes_accessattempt_changelist"))
    deleted = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert deleted.status_code == 302
    assert logged_in(log_in("sofie", PASSWORD))


def test_the_administrator_role_may_view_and_delete_lockouts_only():
    granted = set(
        Group.objects.get(name=Role.ADMINISTRATOR)
        .permissions.filter(content_type__app_label="axes")
        .values_list("codename", flat=True)
    )

    assert granted == {"view_accessattempt", "delete_accessattempt"}


def test_a_password_reset_by_e_mail_lifts_the_lock(sofie):
    for _ in range(LIMIT):
        log_in("sofie", "wrong-password-1")
    Client().post(reverse("password_reset"), {"email": sofie.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    browser = Client()
    form = browser.get(link, follow=True)

    browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password", "new_password2": "a-new-long-password"},
    )

    assert logged_in(log_in("sofie", "a-new-long-password"))


def test_behind_a_proxy_the_forwarded_address_counts(sofie, settings):
    settings.OKOT_PROXY_COUNT = 1
    for n in range(LIMIT):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            reverse("login"), {"username": f"x{n}", "password": "wrong-password-1"}
        )

    # Each client address failed once: the proxy's own address is not locked.
    response = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.200").post(
        reverse("login"), {"username": "sofie", "password": PASSWORD}
    )
    assert logged_in(response)
