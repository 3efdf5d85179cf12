"""Fixtures shared by the notification tests; the people and the training are the cast of
tests/conftest.py.

The delivery tests' mail server that fails; the inbox tests' user, someone else and the
user's logged-in client."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from tests.accounts.factories import CaseworkerFactory

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


# --- the inbox's user ------------------------------------------------------------------------


@pytest.fixture
def me(db):
    return CaseworkerFactory()


@pytest.fixture
def someone_else(db):
    return CaseworkerFactory(organisation=None)


@pytest.fixture
def logged_in(client, me):
    client.force_login(me)
    return client
