"""Passkeys (django-otp-webauthn): the JSON endpoints that the library's scripts call to
register a passkey and to pass the second factor with one.

The library's views, reached by someone who still owes the second factor (they are its
pages), answering its refusals in the user's language: the library's own messages are
technical and partly untranslated. Passwordless login is off (OTP_WEBAUTHN_ALLOW_
PASSWORDLESS_LOGIN): every ceremony is for the user who logged in with their password.
A user who has a second factor must pass it before adding a passkey (the library checks).
Registrations and verifications, and refused verifications, are announced like those of the
other devices (`two_factor.announce`)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as library
from django_otp_webauthn.models import WebAuthnCredential

from . import two_factor
from .middleware import SECOND_FACTOR_ASKED, second_factor_exempt

PASSKEY = two_factor.METHODS[WebAuthnCredential]

TRY_AGAIN = _("Something went wrong with the passkey. Try again, or use a code instead.")
MESSAGES = {
    "not_authenticated": _("Log in with your password first."),
    "user_not_verified": _(
        "Confirm it is you with your current second factor before you add a passkey."
    ),
    "invalid_state": _("The request for the passkey had expired. Try again."),
    "credential_not_found": _(
        "This passkey is not known for your account (perhaps it was removed). "
        "Use another passkey or a code."
    ),
    "credential_user_mismatch": _(
        "This passkey belongs to another account. Use your own passkey or a code."
    ),
    "credential_disabled": _("This passkey is switched off. Use another passkey or a code."),
    "user_disabled": _("This account is switched off."),
    "passwordless_login_disabled": _("Log in with your password first."),
}


class TranslatedErrorsMixin:
    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            exc.detail = MESSAGES.get(exc.code, TRY_AGAIN)
        return super().handle_exception(exc)


class BeginRegistration(TranslatedErrorsMixin, library.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(TranslatedErrorsMixin, library.CompleteCredentialRegistrationView):
    """Registers the passkey; from now on this user is asked for a second factor at login.
    Someone enrolling with it has passed the second factor now (the library counts the new
    passkey, as the TOTP enrolment counts the app), and gets a new session id for it."""

    def post(self, *args, **kwargs):
        request = self.request
        enrolling = not request.user.is_verified()
        response = super().post(*args, **kwargs)
        two_factor.announce(request.user, "added", PASSKEY, request=request)
        if enrolling:
            # The library counts the new passkey as passed (django_otp.login), as we do.
            two_factor.announce(request.user, "verified", PASSKEY, request=request)
            request.session.cycle_key()
        request.session[SECOND_FACTOR_ASKED] = True
        return response


class BeginAuthentication(TranslatedErrorsMixin, library.BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(TranslatedErrorsMixin, library.CompleteCredentialAuthenticationView):
    """The second factor passed with a passkey: as after a code, a new session id. A
    passkey refused is announced as a failed verification."""

    def complete_auth(self, device):
        super().complete_auth(device)
        two_factor.announce(self.request.user, "verified", PASSKEY, request=self.request)
        self.request.session.cycle_key()

    def handle_exception(self, exc):
        user = self.request.user
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and user.is_authenticated:
            two_factor.failed(self.request, user, PASSKEY, exc.code)
        return super().handle_exception(exc)


# The namespace the library's template tags reverse.
app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        second_factor_exempt(BeginRegistration.as_view()),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        second_factor_exempt(CompleteRegistration.as_view()),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        second_factor_exempt(BeginAuthentication.as_view()),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        second_factor_exempt(CompleteAuthentication.as_view()),
        name="credential-authentication-complete",
    ),
    # The library's scripts' messages (its own Dutch catalogue).
    path(
        "jsi18n/",
        second_factor_exempt(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
        name="js-i18n-catalog",
    ),
]
