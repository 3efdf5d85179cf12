"""Passing the second factor in tests, the way the verify page does (django_otp.login):
the session records the device that verified the user."""

import secrets

from django.test import Client as DjangoClient
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.two_factor import APP_DEVICE_NAME, second_factor_required


def app_device(user) -> TOTPDevice:
    """The user's authenticator app, added when they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)


def passkey(user, name: str = "Laptop") -> WebAuthnCredential:
    """A passkey as the library stores a registered one (its key is never used here; the
    browser test registers and uses a real one)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=secrets.token_bytes(32),
        public_key=secrets.token_bytes(77),
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now, computed by the library as an app would."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client, user) -> TOTPDevice:
    """Mark `client`'s session as verified by the user's app (added if needed)."""
    device = app_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class Client(DjangoClient):
    """Django's test client, whose force_login() stands for a whole login: a user who must
    pass a second factor (staff, superusers, administrators) has passed it too.

    Tests of the second factor itself log in without it through Django's own client."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if second_factor_required(user):
            pass_second_factor(self, user)
