"""The admin of the login's security: lockouts (django-axes) and second-factor devices
(django-otp; the passkeys of django-otp-webauthn), registered by those apps and taken over
here so that their lists are searched like every other one (the term in the session, never
in a URL) and their filters name the empty text (admin_names.py). What axes recorded is read,
never edited; a lockout (an access attempt) may be deleted, which lifts it."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.admin import WebAuthnCredentialAdmin
from django_otp_webauthn.models import WebAuthnCredential

from .admin_announce import AnnouncedDeviceChangesMixin, AnnouncedUnlockMixin
from .admin_names import NamedEmptyTextMixin
from .admin_paging import ActionCheckboxMixin
from .admin_readonly import ReadOnlyAdminMixin
from .admin_search import SessionSearchMixin

# model: (its app's ModelAdmin, our mixins, attributes). Lifting a lockout and changing a
# device are announced (admin_announce.py) for the audit trail.
TAKEN_OVER = {
    AccessAttempt: (
        AccessAttemptAdmin,
        [AnnouncedUnlockMixin, ReadOnlyAdminMixin],
        {"can_delete": True},
    ),
    AccessLog: (AccessLogAdmin, [ReadOnlyAdminMixin], {}),
    AccessFailureLog: (AccessFailureLogAdmin, [ReadOnlyAdminMixin], {}),
    TOTPDevice: (TOTPDeviceAdmin, [AnnouncedDeviceChangesMixin], {}),
    StaticDevice: (StaticDeviceAdmin, [AnnouncedDeviceChangesMixin], {}),
    # Passkeys: the library only offers its ModelAdmin (no add: a passkey is registered by
    # its owner's browser).
    WebAuthnCredential: (WebAuthnCredentialAdmin, [AnnouncedDeviceChangesMixin], {}),
}

for model, (model_admin, mixins, attributes) in TAKEN_OVER.items():
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    bases = (ActionCheckboxMixin, SessionSearchMixin, NamedEmptyTextMixin, *mixins, model_admin)
    admin.site.register(
        model, type(model_admin.__name__, bases, {"__module__": __name__, **attributes})
    )
