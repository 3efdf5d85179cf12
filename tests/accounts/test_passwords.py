"""Users change their password, reset a forgotten one by e-mail (a link with only Django's
uid and token, the same answer for an unknown address), and a password has 12 characters."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105
NEW_PASSWORD = "another-long-secret"  # noqa: S105


@pytest.fixture
def sofie(ocmw_gent):
    return CaseworkerFactory(
        organisation=ocmw_gent,
        username="sofie",
        email="sofie.claes@gent.example",
        password=PASSWORD,
    )


def test_a_user_changes_their_password(client, sofie):
    client.force_login(sofie)

    page = client.get(reverse("password_change"))
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert User.objects.get(pk=sofie.pk).check_password(NEW_PASSWORD)


def test_the_navigation_links_to_the_account_page(client, sofie):
    client.force_login(sofie)

    assert (
        reverse("accounts:account") in client.get(reverse("referrals:dashboard")).content.decode()
    )


def test_a_forgotten_password_is_reset_through_the_e_mailed_link(sofie, settings):
    browser = Client()

    asked = browser.post(reverse("password_reset"), {"email": sofie.email})
    (message,) = mail.outbox
    link = re.search(r"(\S+/password/reset/\S+)", message.body).group(1)
    form = browser.get(link.removeprefix(settings.SITE_URL.rstrip("/")), follow=True)
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert asked.status_code == 302
    assert message.to == [sofie.email]
    assert link.startswith(settings.SITE_URL)
    for personal in ("sofie", "claes", "gent.example"):
        assert personal not in link.lower()  # only Django's uid and token
    assert done.status_code == 302
    assert User.objects.get(pk=sofie.pk).check_password(NEW_PASSWORD)


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(sofie):
    known = Client().post(reverse("password_reset"), {"email": sofie.email}, follow=True)
    mail.outbox.clear()

    unknown = Client().post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert without_csrf_token(unknown) == without_csrf_token(known)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url_name", ["password_reset", "password_reset_done", "password_reset_complete"]
)
def test_the_reset_pages_need_no_login(url_name):
    assert Client().get(reverse(url_name)).status_code == 200


def test_a_password_of_eleven_characters_is_refused():
    with pytest.raises(ValidationError) as refused:
        validate_password("kwt-9x2-p4z")

    assert "password_too_short" in [error.code for error in refused.value.error_list]
    validate_password("kwt-9x2-p4zq")  # twelve
