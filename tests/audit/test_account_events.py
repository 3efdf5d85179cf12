"""Every account event writes its row of the audit trail: logins, failed logins (the name
tried and the address), logouts, lockouts, unlocks, and the second factor verified, refused,
added and removed (app, backup codes, passkey)."""

import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp_webauthn import views as library

from accounts.two_factor import new_backup_codes, pending_app_device
from audit.models import Entry, Kind
from tests.accounts.factories import CaseworkerFactory
from tests.accounts.two_factor import app_device, current_code, pass_second_factor, passkey

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # noqa: S105
ADDRESS = "203.0.113.7"


@pytest.fixture
def sofie(ocmw_gent):
    return CaseworkerFactory(organisation=ocmw_gent, username="sofie", password=PASSWORD)


def browser() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, headers={"accept-language": "en"})


def log_in(username="sofie", password=PASSWORD) -> Client:
    http = browser()
    http.post(reverse("login"), {"username": username, "password": password})
    return http


def verified(user) -> Client:
    """A session of `user` past the password and the second factor (their app)."""
    http = browser()
    http.force_login(user)
    pass_second_factor(http, user)
    return http


def rows(kind) -> list[Entry]:
    return list(Entry.objects.filter(kind=kind).order_by("pk"))


def row(kind, **detail) -> Entry:
    """The one row of `kind` whose detail holds `detail`."""
    found = [entry for entry in rows(kind) if detail.items() <= entry.detail.items()]
    assert len(found) == 1, (kind, detail, [entry.detail for entry in rows(kind)])
    return found[0]


# --- logging in and out -------------------------------------------------------------------------


def test_a_login_is_recorded_with_its_address(sofie):
    log_in()

    entry = row(Kind.LOGIN)
    assert (entry.actor, entry.actor_name, entry.ip_address) == (sofie, "sofie", ADDRESS)
    assert entry.organisation_id == sofie.organisation_id
    assert entry.path == reverse("login")


@pytest.mark.parametrize(
    ("tried", "kept"),
    [("sofie", "sofie"), ("nobody-here", "nobody-here"), ("85.07.30-033.61", "••••••••361")],
    ids=["a user's name", "an unknown name", "a national number typed in"],
)
def test_a_failed_login_keeps_the_name_tried_and_the_address(sofie, tried, kept):
    log_in(tried, "wrong-password")

    entry = row(Kind.LOGIN_FAILED)
    assert (entry.actor, entry.actor_name, entry.ip_address) == (None, kept, ADDRESS)
    assert not rows(Kind.LOGIN)


def test_a_logout_is_recorded(sofie):
    http = log_in()

    http.post(reverse("logout"))

    entry = row(Kind.LOGOUT)
    assert (entry.actor, entry.ip_address) == (sofie, ADDRESS)


def test_a_lockout_is_recorded_with_the_name_and_address(sofie):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("sofie", "wrong-password")

    entry = rows(Kind.LOCKOUT)[0]
    assert (entry.actor, entry.actor_name, entry.ip_address) == (None, "sofie", ADDRESS)
    assert len(rows(Kind.LOGIN_FAILED)) == settings.AXES_FAILURE_LIMIT


# --- unlocking ----------------------------------------------------------------------------------


@pytest.fixture
def locked_sofie(sofie):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("sofie", "wrong-password")
    return sofie


def unlock_with_the_user_action(admin, sofie):
    admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [sofie.pk], "index": 0},
    )


def unlock_by_deleting_the_attempt(admin, sofie):
    attempt = AccessAttempt.objects.get(username="sofie")
    admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})


def unlock_in_bulk(admin, sofie):
    attempt = AccessAttempt.objects.get(username="sofie")
    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )


@pytest.mark.parametrize(
    "unlock",
    [unlock_with_the_user_action, unlock_by_deleting_the_attempt, unlock_in_bulk],
    ids=["user action", "delete the attempt", "delete attempts in bulk"],
)
def test_an_administrator_unlocking_is_recorded(client, administrator, locked_sofie, unlock):
    client.force_login(administrator)

    unlock(client, locked_sofie)

    assert not AccessAttempt.objects.filter(username="sofie").exists()
    entry = row(Kind.UNLOCK, username="sofie", via="admin")
    assert entry.actor == administrator
    assert entry.detail["failures"] == settings.AXES_FAILURE_LIMIT


def test_a_password_reset_unlocks_and_the_user_is_who_did_it(locked_sofie, mailoutbox):
    http = browser()
    http.post(reverse("password_reset"), {"email": locked_sofie.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password/reset/" in line)
    form = http.get(link.strip(), follow=True)
    new_password = "another-horse-battery-7"  # noqa: S105

    http.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )

    unlock = row(Kind.UNLOCK, username="sofie", via="password_reset")
    change = row(Kind.USER_CHANGE, event="changed", password_changed=True)
    assert unlock.actor == change.actor == locked_sofie
    assert unlock.ip_address == ADDRESS


# --- the second factor --------------------------------------------------------------------------


def verify_with(http, code):
    return http.post(reverse("accounts:verify"), {"code": code})


def app_code(user):
    http = log_in()
    verify_with(http, current_code(app_device(user)))


def wrong_app_code(user):
    app_device(user)
    verify_with(log_in(), "000000")


def backup_code(user):
    app_device(user)
    code = new_backup_codes(user)[0]
    verify_with(log_in(), code)


def wrong_backup_code(user):
    app_device(user)
    new_backup_codes(user)
    verify_with(log_in(), "nothing-like-it")


def enrol_app(user):
    http = log_in()
    http.get(reverse("accounts:enrol"))
    http.post(reverse("accounts:enrol"), {"code": current_code(pending_app_device(user))})


def wrong_first_code(user):
    http = log_in()
    http.get(reverse("accounts:enrol"))
    http.post(reverse("accounts:enrol"), {"code": "000000"})


def renew_backup_codes(user):
    verified(user).post(reverse("accounts:new_backup_codes"))


def switch_off(user):
    verified(user).post(reverse("accounts:remove_second_factor"))


def remove_a_passkey(user):
    laptop = passkey(user, name="Laptop")
    verified(user).post(reverse("accounts:remove_passkey"), {"passkey": laptop.pk})


def post_json(http, url, data=None):
    return http.post(url, json.dumps(data or {}), content_type="application/json")


class StubHelper:
    """The library's WebAuthn helper, accepting any answer as `credential`'s (the
    ceremonies' cryptography is the library's and the browser test's)."""

    def __init__(self, credential):
        self.credential = credential

    def authenticate_complete(self, **kwargs):
        return self.credential

    def register_complete(self, **kwargs):
        return self.credential


def passkey_verified(user, monkeypatch):
    credential = passkey(user)
    http = browser()
    http.force_login(user)
    monkeypatch.setattr(
        library.CompleteCredentialAuthenticationView,
        "get_helper",
        lambda view: StubHelper(credential),
    )
    session = http.session
    session["otp_webauthn_authentication_state"] = {"challenge": "x"}
    session.save()
    post_json(http, reverse("otp_webauthn:credential-authentication-complete"))


def passkey_refused(user, monkeypatch):
    passkey(user)
    http = browser()
    http.force_login(user)
    post_json(http, reverse("otp_webauthn:credential-authentication-complete"))  # not begun


def passkey_registered(user, monkeypatch):
    credential = passkey(user, name="")  # as the library saves it: enrolling, not verified
    credential.confirmed = False
    credential.save()
    http = browser()
    http.force_login(user)
    monkeypatch.setattr(
        library.CompleteCredentialRegistrationView,
        "get_helper",
        lambda view: StubHelper(credential),
    )
    session = http.session
    session["otp_webauthn_register_state"] = {"challenge": "x"}
    session.save()
    post_json(http, reverse("otp_webauthn:credential-registration-complete"))


SECOND_FACTOR_EVENTS = {
    "app code": (app_code, [{"event": "verified", "method": "totp"}]),
    "wrong app code": (
        wrong_app_code,
        [{"event": "failed", "method": "totp", "reason": "invalid"}],
    ),
    "backup code": (backup_code, [{"event": "verified", "method": "backup_codes"}]),
    "wrong backup code": (
        wrong_backup_code,
        [{"event": "failed", "method": "backup_codes", "reason": "invalid"}],
    ),
    "app enrolled": (
        enrol_app,
        [
            {"event": "added", "method": "totp"},
            {"event": "added", "method": "backup_codes"},
            {"event": "verified", "method": "totp"},
        ],
    ),
    "wrong first code of the app": (
        wrong_first_code,
        [{"event": "failed", "method": "totp", "reason": "invalid"}],
    ),
    "new backup codes": (
        renew_backup_codes,
        [{"event": "added", "method": "backup_codes", "replaced": False}],
    ),
    "switched off": (switch_off, [{"event": "removed", "method": "totp"}]),
    "passkey removed": (remove_a_passkey, [{"event": "removed", "method": "passkey"}]),
    "passkey verified": (passkey_verified, [{"event": "verified", "method": "passkey"}]),
    "passkey refused": (
        passkey_refused,
        [{"event": "failed", "method": "passkey", "reason": "invalid_state"}],
    ),
    "passkey registered": (
        passkey_registered,
        [{"event": "added", "method": "passkey"}, {"event": "verified", "method": "passkey"}],
    ),
}


@pytest.mark.parametrize(
    ("act", "expected"), SECOND_FACTOR_EVENTS.values(), ids=SECOND_FACTOR_EVENTS.keys()
)
def test_each_second_factor_event_is_recorded(sofie, monkeypatch, act, expected):
    if "monkeypatch" in act.__code__.co_varnames:
        act(sofie, monkeypatch)
    else:
        act(sofie)

    for detail in expected:
        entry = row(Kind.SECOND_FACTOR, **detail)
        assert entry.actor == sofie
        assert entry.ip_address == ADDRESS
        assert entry.path
