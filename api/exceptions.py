"""Errors as the API answers them, never a 500 for what a caller sent.

DRF's own answers stay as they are (400 with field errors, 401, 403, 404, 405, 429); on top
of those: a step or a rule the referral refuses now is a 409 with the reasons in the
caller's language, and a Django ValidationError from a service is a 400 like a form's."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from referrals.services import ConcurrentChange, TransitionRefused


class Conflict(exceptions.APIException):
    """The referral is not in a state for this: `code` says why, `reasons` in words.

    - `changed`: it moved on since the caller read it (the `state` they sent);
    - `not_possible`: the step does not leave the state it is in;
    - `blocked`: the caller may take the step, but a condition is not met yet;
    - `refused`: the service refused it (a rule about the data, a double registration).
    """

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The referral does not allow this now.")
    default_code = "refused"

    def __init__(self, reasons, code: str = "refused"):
        self.reasons = [str(reason) for reason in reasons]
        super().__init__(detail=" ".join(self.reasons) or None, code=code)


def as_field_errors(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError the way DRF's serializers report errors."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def handler(exc, context):
    if isinstance(exc, ConcurrentChange):
        exc = Conflict(exc.messages, code="changed")
    elif isinstance(exc, TransitionRefused):
        exc = Conflict(exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()  # not "No Referral matches…": in the caller's language
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_field_errors(exc))
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        response.data = {"detail": str(exc.detail), "code": exc.detail.code, "reasons": exc.reasons}
    return response
