"""Fixtures shared by the notification tests; the people and the training are the cast of
tests/conftest.py.

The delivery tests' mail server that fails."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

# --- a mail server that fails -------------------------------------------------------------


class FailingBackend(BaseEmailBackend):
    """A mail server that answers every message with `error`."""

    error: BaseException = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages):
        raise self.error


@pytest.fixture
def smtp_fails(settings, monkeypatch):
    """Make the mail server fail with the given error: `smtp_fails(TimeoutError())`."""
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"

    def fail_with(error: BaseException) -> None:
        monkeypatch.setattr(FailingBackend, "error", error)

    return fail_with
