"""Two-factor authentication (django-otp): who needs it, and the devices behind it.

A user has at most one authenticator app (a TOTP device), any number of passkeys (WebAuthn
credentials, django-otp-webauthn) and one set of backup codes (a static device).
Administrators, superusers and staff must pass the second factor before anything else;
everyone else may enrol, and once enrolled is asked for it at every login.

Every verification, failed or not, and every device added or removed is announced here
(`events.second_factor`), with the request when there is one: the audit trail records it."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import events
from .models import Role

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "app"
BACKUP_DEVICE_NAME = "backup"
PASSKEY_NAME_MAX_LENGTH = WebAuthnCredential._meta.get_field("name").max_length

# How each kind of device is named when announced.
METHODS = {TOTPDevice: "totp", StaticDevice: "backup_codes", WebAuthnCredential: "passkey"}


def method_of(device) -> str:
    return METHODS.get(type(device), type(device).__name__.lower())


def announce(user, event: str, method: str, *, request=None, **details) -> None:
    """Tell whoever listens (the audit trail) about `user`'s second factor."""
    events.second_factor.send(
        sender=Device, request=request, user=user, event=event, method=method, **details
    )


def passed(request, device: Device) -> None:
    """The second factor passed with `device`: the session is verified (django-otp)."""
    otp_login(request, device)
    announce(request.user, "verified", method_of(device), request=request)


def failed(request, user, method: str, reason: str) -> None:
    """A code or passkey was refused (`reason`: "invalid", "throttled", the library's code)."""
    announce(user, "failed", method, request=request, reason=reason)


def code_method(code: str) -> str:
    """Which device a code is for: six digits the app, anything else a backup code."""
    return METHODS[TOTPDevice] if normalise(code).isdigit() else METHODS[StaticDevice]


def second_factor_required(user) -> bool:
    """Whether `user` may not work without a second factor (administrators, superusers, and
    staff, whom the admin asks for it anyway)."""
    return user.is_superuser or user.is_staff or Role.ADMINISTRATOR.held_by(user)


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


def second_factor_step(user) -> str:
    """Where someone who owes the second factor goes: to enter a code, or to enrol."""
    return "accounts:verify" if has_second_factor(user) else "accounts:enrol"


def pending_app_device(user) -> TOTPDevice:
    """The authenticator app being enrolled: unconfirmed until its first code is checked.
    The same one on every visit, so that a reload does not invalidate a scanned code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it typed in: base32, in groups of 4."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (vector paths, no styles)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


@transaction.atomic
def confirm_app_device(device: TOTPDevice, *, request=None) -> list[str]:
    """Confirm the pending app, whose first code was checked; it replaces any earlier app,
    and new backup codes replace any earlier ones. The new backup codes."""
    replaced, _ = TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    announce(device.user, "added", method_of(device), request=request, replaced=bool(replaced))
    return new_backup_codes(device.user, request=request)


@transaction.atomic
def new_backup_codes(user, *, request=None) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new ones, each good once."""
    replaced, _ = StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    announce(user, "added", method_of(device), request=request, replaced=bool(replaced))
    return codes


def has_backup_codes(user) -> bool:
    return StaticDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def passkeys(user):
    """The user's passkeys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def factors_left_after(user, passkey: WebAuthnCredential) -> int:
    """How many apps and passkeys the user keeps when `passkey` goes (backup codes do not
    count: they are the way back in, not a factor of their own)."""
    apps = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    return apps + passkeys(user).exclude(pk=passkey.pk).count()


@transaction.atomic
def name_passkey(user, pk, name: str) -> WebAuthnCredential | None:
    """Give the user's passkey `pk` a name; None when the user has no such passkey."""
    passkey = passkeys(user).filter(pk=pk).first()
    if passkey is not None:
        passkey.name = name
        passkey.save(update_fields=["name"])
    return passkey


@transaction.atomic
def remove_passkey(user, passkey: WebAuthnCredential, *, request=None) -> None:
    """Remove the passkey; when it was the last app or passkey, the backup codes go too
    (for someone who may work without a second factor: the caller checks that)."""
    last = factors_left_after(user, passkey) == 0
    passkey.delete()
    announce(user, "removed", method_of(passkey), request=request, name=passkey.name)
    if last:
        remove_second_factor(user, request=request)


@transaction.atomic
def remove_second_factor(user, *, request=None) -> None:
    """Remove every device of the user; what was confirmed is announced."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        if device.confirmed:
            announce(user, "removed", method_of(device), request=request)


def normalise(code: str) -> str:
    return "".join(code.split()).lower()


def verify(user, code: str) -> tuple[Device | None, str | None]:
    """The device that accepts `code` (six digits: the app; otherwise a backup code), and
    otherwise why not: "invalid", or "throttled" after too many wrong codes in a row."""
    code = normalise(code)
    kind = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        devices = [
            device
            for device in devices_for_user(user, confirmed=True, for_verify=True)
            if isinstance(device, kind)
        ]
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                return None, "throttled"
            if device.verify_token(code):
                return device, None
    return None, "invalid"
