"""Passkeys (django-otp-webauthn) beside the authenticator app: the options the browser is
given to register and to use one, who may begin which ceremony, refusals in words the user
understands, naming and removing passkeys on the account page, and the last factor of
someone whose role needs one kept. (tests/browser/test_passkeys.py registers and uses a
real passkey in Chromium.)"""

import json

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import bytes_to_base64url

from tests.accounts.two_factor import app_device, pass_second_factor, passkey

pytestmark = pytest.mark.django_db

REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")
ENGLISH = {"accept-language": "en"}


def logged_in(user, *, verified_by=None) -> Client:
    """A session after the password, and the second factor passed with `verified_by` if
    given (a device of the user's; True: their authenticator app, added if needed)."""
    browser = Client(headers=ENGLISH)
    browser.force_login(user)
    if verified_by is True:
        pass_second_factor(browser, user)
    elif verified_by is not None:
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = verified_by.persistent_id
        session.save()
    return browser


def post_json(browser, url, data=None):
    return browser.post(url, json.dumps(data or {}), content_type="application/json")


def credential_ids(descriptors) -> set[str]:
    return {descriptor["id"] for descriptor in descriptors}


def signed_by(credential: WebAuthnCredential) -> dict:
    """An assertion naming `credential`, well formed but never signed: enough to be refused
    for whose it is, which is checked before the signature."""
    nothing = bytes_to_base64url(b"\0" * 37)
    credential_id = bytes_to_base64url(bytes(credential.credential_id))
    return {
        "id": credential_id,
        "rawId": credential_id,
        "type": "public-key",
        "response": {
            "clientDataJSON": nothing,
            "authenticatorData": nothing,
            "signature": nothing,
        },
        "clientExtensionResults": {},
    }


def test_registration_options_name_the_site_and_the_user(administrator):
    existing = passkey(administrator)
    browser = logged_in(administrator, verified_by=True)

    response = post_json(browser, REGISTER_BEGIN)

    assert response.status_code == 200
    options = response.json()
    assert options["rp"] == {"id": settings.OTP_WEBAUTHN_RP_ID, "name": "OKOT"}
    assert options["user"]["name"] == administrator.username
    # The same authenticator is not registered twice.
    assert credential_ids(options["excludeCredentials"]) == {
        bytes_to_base64url(bytes(existing.credential_id))
    }


def test_an_administrator_without_a_device_may_register_a_passkey_to_enrol(administrator):
    browser = logged_in(administrator, verified_by=None)

    assert post_json(browser, REGISTER_BEGIN).status_code == 200


def test_someone_with_a_second_factor_passes_it_before_adding_a_passkey(caseworker):
    app_device(caseworker)
    browser = logged_in(caseworker, verified_by=None)

    response = post_json(browser, REGISTER_BEGIN)

    assert response.status_code == 403
    assert response.json() == {
        "code": "user_not_verified",
        "detail": "Confirm it is you with your current second factor before you add a passkey.",
    }


def test_authentication_offers_only_the_users_own_passkeys(caseworker, counsellor):
    own = passkey(caseworker)
    passkey(counsellor)
    browser = logged_in(caseworker, verified_by=None)

    response = post_json(browser, AUTH_BEGIN)

    assert response.status_code == 200
    options = response.json()
    assert options["rpId"] == settings.OTP_WEBAUTHN_RP_ID
    assert credential_ids(options["allowCredentials"]) == {
        bytes_to_base64url(bytes(own.credential_id))
    }


def test_another_users_passkey_does_not_pass_the_second_factor(caseworker, counsellor):
    passkey(caseworker)
    browser = logged_in(caseworker, verified_by=None)
    post_json(browser, AUTH_BEGIN)

    response = post_json(browser, AUTH_COMPLETE, signed_by(passkey(counsellor)))

    assert response.status_code == 403
    assert response.json()["code"] == "credential_user_mismatch"
    assert response.json()["detail"] == (
        "This passkey belongs to another account. Use your own passkey or a code."
    )
    assert browser.get(reverse("accounts:account")).status_code == 302  # still to verify


@pytest.mark.parametrize("url", [REGISTER_COMPLETE, AUTH_COMPLETE])
@pytest.mark.parametrize("body", ["{not json", '{"id": "x"}', "[]"])
def test_a_broken_answer_from_the_browser_is_refused_not_an_error(caseworker, url, body):
    passkey(caseworker)
    browser = logged_in(caseworker, verified_by=True)
    post_json(browser, REGISTER_BEGIN if url == REGISTER_COMPLETE else AUTH_BEGIN)

    response = browser.post(url, body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_the_verify_page_offers_a_passkey_to_who_has_one(caseworker):
    app_device(caseworker)
    browser = logged_in(caseworker, verified_by=None)
    without = browser.get(reverse("accounts:verify")).content.decode()
    passkey(caseworker)

    with_passkey = browser.get(reverse("accounts:verify")).content.decode()

    assert 'id="passkey-verification-button"' not in without
    assert 'id="passkey-verification-button"' in with_passkey
    assert 'name="code"' in with_passkey  # the app and the backup codes remain


# --- the account page: naming and removing ----------------------------------------------------


def test_the_account_page_lists_the_passkeys_by_name(caseworker):
    passkey(caseworker, name="Werklaptop")
    passkey(caseworker, name="Telefoon")
    browser = logged_in(caseworker, verified_by=True)

    html = browser.get(reverse("accounts:account")).content.decode()

    assert html.index("Werklaptop") < html.index("Telefoon")
    assert 'id="passkey-register-button"' in html


def test_naming_the_first_passkey_shows_backup_codes(caseworker):
    new = passkey(caseworker, name="")
    browser = logged_in(caseworker, verified_by=True)

    response = browser.post(
        reverse("accounts:name_passkey"), {"credential": new.pk, "name": "Werklaptop"}
    )

    new.refresh_from_db()
    assert new.name == "Werklaptop"
    assert response.status_code == 200
    assert (
        len(response.context["codes"])
        == StaticDevice.objects.get(user=caseworker).token_set.count()
    )


def test_only_ones_own_passkey_can_be_named(caseworker, counsellor):
    theirs = passkey(counsellor, name="Telefoon")
    browser = logged_in(caseworker, verified_by=True)

    response = browser.post(
        reverse("accounts:name_passkey"), {"credential": theirs.pk, "name": "Van mij"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Telefoon"


def test_a_name_too_long_is_refused_with_a_message(caseworker):
    new = passkey(caseworker, name="")
    browser = logged_in(caseworker, verified_by=True)

    response = browser.post(
        reverse("accounts:name_passkey"), {"credential": new.pk, "name": "x" * 200}, follow=True
    )

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Ensure this value has at most 64 characters (it has 200)."
    ]
    new.refresh_from_db()
    assert new.name == ""


def test_a_passkey_can_be_removed(caseworker):
    app_device(caseworker)
    laptop, phone = passkey(caseworker, "Laptop"), passkey(caseworker, "Telefoon")
    browser = logged_in(caseworker, verified_by=True)

    browser.post(reverse("accounts:remove_passkey"), {"passkey": laptop.pk})

    assert list(WebAuthnCredential.objects.filter(user=caseworker)) == [phone]


def test_removing_the_last_passkey_of_who_may_do_without_switches_it_off(caseworker):
    only = passkey(caseworker)
    browser = logged_in(caseworker, verified_by=only)
    browser.post(reverse("accounts:name_passkey"), {"credential": only.pk, "name": "Laptop"})

    browser.post(reverse("accounts:remove_passkey"), {"passkey": only.pk})

    assert not WebAuthnCredential.objects.filter(user=caseworker).exists()
    assert not StaticDevice.objects.filter(user=caseworker).exists()  # nor backup codes


def test_the_last_factor_of_an_administrator_is_not_removed(administrator):
    only = passkey(administrator)
    browser = logged_in(administrator, verified_by=only)

    response = browser.post(reverse("accounts:remove_passkey"), {"passkey": only.pk}, follow=True)

    assert WebAuthnCredential.objects.filter(pk=only.pk).exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Your role needs two-factor authentication: add another passkey or an authenticator "
        "app before you remove your last one."
    ]


def test_an_administrator_with_another_factor_may_remove_a_passkey(administrator):
    app_device(administrator)
    laptop = passkey(administrator)
    browser = logged_in(administrator, verified_by=True)

    browser.post(reverse("accounts:remove_passkey"), {"passkey": laptop.pk})

    assert not WebAuthnCredential.objects.filter(pk=laptop.pk).exists()


def test_only_ones_own_passkey_can_be_removed(caseworker, counsellor):
    theirs = passkey(counsellor)
    browser = logged_in(caseworker, verified_by=True)

    response = browser.post(reverse("accounts:remove_passkey"), {"passkey": theirs.pk})

    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("number", ["abc", "²", "9" * 30, "9" * 5000])
def test_a_passkey_no_database_holds_is_asked_for_again(caseworker, number):
    """Not a number, more than a key holds, or more digits than Python makes a number of (a
    500 before)."""
    laptop = passkey(caseworker)
    browser = logged_in(caseworker, verified_by=True)

    response = browser.post(reverse("accounts:remove_passkey"), {"passkey": number}, follow=True)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Choose which passkey to remove."
    ]
    assert WebAuthnCredential.objects.filter(pk=laptop.pk).exists()
