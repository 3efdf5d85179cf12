"""Fixtures shared by the notification tests: a mail server that fails (the delivery
tests), the inbox's user (the inbox, reading and preferences tests), and the outbox's
people and walk (the outbox and who-hears-what tests).

The people are the cast of tests/conftest.py, with a colleague of the counsellor; the walk
is of a referral of a Gent client for the cast's training (in Oost-Vlaanderen, without a
contact counsellor), by the Gent caseworker and the Oost-Vlaanderen counsellor. A module
whose walk or training differs on purpose (test_rendering.py, reminders/) has its own."""

import smtplib

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from notifications.models import Notification
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory
from tests.referrals.factories import ClientFactory, referral_in_state

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


# --- the outbox's people -----------------------------------------------------------------------


@pytest.fixture
def people(
    caseworker, counsellor, counsellor_of_other_region, caseworker_of_other_ocmw, administrator
) -> dict:
    """The cast of tests/conftest.py by the names of the table, and a colleague."""
    return {
        "caseworker": caseworker,
        "counsellor": counsellor,
        "colleague": CounsellorFactory(organisation=counsellor.organisation),
        "counsellor_elsewhere": counsellor_of_other_region,
        "caseworker_elsewhere": caseworker_of_other_ocmw,
        "administrator": administrator,
    }


@pytest.fixture
def walk(people, training):
    """`walk(state)`: a referral of a Gent client walked to `state` by the caseworker and the
    acting counsellor, with the notifications of the walk itself cleared."""

    def walk_to(state, **kwargs):
        kwargs.setdefault("client", ClientFactory(ocmw=people["caseworker"].organisation))
        kwargs.setdefault("training", training)
        kwargs.setdefault("caseworker", people["caseworker"])
        kwargs.setdefault("counsellor", people["counsellor"])
        referral = referral_in_state(state, **kwargs)
        Notification.objects.all().delete()
        return referral

    return walk_to
