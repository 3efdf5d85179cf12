"""Tokens for partner systems: `Authorization: Bearer okot_…`.

A token acts as its user, who must still be active; an expired or revoked token, or one
that was never issued, is refused alike (401), so that a caller learns nothing about which
it was. The last use is written at most once a minute: not a write per request."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as LibrarySessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.middleware import second_factor_owed

from .models import ApiToken, digest, may_hold_a_token

KEYWORD = "Bearer"
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != KEYWORD.lower():
            return None  # not ours: the session may still authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Bearer <token>”.")
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = (
            ApiToken.objects.usable()
            .select_related("user__organisation")
            .filter(key_digest=digest(key))
            .first()
        )
        # A user made administrator or staff since the token was made now owes a second
        # factor, which a token cannot give: it stops working, like a revoked one.
        if token is None or not may_hold_a_token(token.user):
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        self._touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'

    @staticmethod
    def _touch(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, once it passed the second factor it owes: the pages'
    SecondFactorMiddleware lets the API's views through (they are not login pages), so
    the API asks the same itself."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and not found[0].is_verified():
            if second_factor_owed(request._request, found[0]):
                return None
        return found


class TokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema, as an HTTP bearer scheme."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "A token an administrator created for your system in Django admin "
                    "(API tokens); it acts as the user it was made for."
                )
            ),
        }


class SessionScheme(LibrarySessionScheme):
    """The session in the schema, as drf-spectacular describes DRF's own (the cookie)."""

    target_class = SessionAuthentication
