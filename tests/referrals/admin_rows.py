"""A row of each model that the admin lists beside a referral's own, for the admin tests."""

import datetime

from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone

from accounts.two_factor import new_backup_codes
from audit.models import Purge
from notifications.models import EmailFrequency, EmailOptOut, EmailPreference, Kind
from referrals import services
from referrals.enums import SchoolYearResult, State
from referrals.models import GuidanceNote, ImportJob, OutcomeCheck
from referrals.models.followup import school_year_of
from tests.accounts.two_factor import passkey
from tests.api.factories import ApiTokenFactory
from tests.referrals.factories import (
    DocumentFactory,
    TemporaryWorkExperienceFactory,
    counsellor_for,
    referral_in_state,
)
from tests.webhooks.deliveries import make_delivery, make_subscription


def ended_referral_and_a_row_of_every_model():
    """An ended referral and what hangs from it (a guidance note, a check-up, its client's
    temporary work experience), and a row of every other model (one_of_each_beside): for the
    tests that visit every admin page."""
    referral = referral_in_state(State.ENDED)
    GuidanceNote.objects.create(
        referral=referral, author=referral.created_by, topic="progress", note="Goed bezig."
    )
    OutcomeCheck.objects.create(
        referral=referral, months=3, at_work="yes", checked_by=referral.created_by
    )
    TemporaryWorkExperienceFactory(client=referral.client)
    one_of_each_beside(referral)
    return referral


def one_of_each_beside(referral) -> None:
    """An opt-out, a choice of the daily digest, a candidacy, a document, a school year and
    an import; a lockout's records, backup codes and a passkey, a purge of the audit trail
    (logging in writes a login's record, an app and rows of the trail), and a webhook
    subscription with a delivery."""
    user, client = referral.created_by, referral.client
    EmailOptOut.objects.create(user=user, kind=Kind.INTAKE_PLANNED)
    EmailPreference.objects.create(user=user, frequency=EmailFrequency.DAILY)
    services.referral_register_candidacy(
        user=counsellor_for(referral.training),
        ocmw=client.ocmw,
        insz=client.insz,
        first_name=client.first_name,
        last_name=client.last_name,
        training=referral.training,
    )
    DocumentFactory(referral=referral)
    if referral.start_date:
        services.school_year_record(
            referral=referral,
            user=counsellor_for(referral.training),
            year=school_year_of(referral.start_date),
            result=SchoolYearResult.PASSED,
        )
    failure = {"username": user.username, "ip_address": "192.0.2.1", "user_agent": "test"}
    AccessAttempt.objects.create(**failure, failures_since_start=5)
    AccessFailureLog.objects.create(**failure, locked_out=True)
    new_backup_codes(user)
    passkey(user)
    ImportJob.objects.create(
        started_by=user, file_name="referrals.csv", checksum="0" * 64, language="nl"
    )
    Purge.objects.create(cutoff=timezone.now() - datetime.timedelta(days=3650), deleted=0)
    ApiTokenFactory(user=user)
    make_delivery(make_subscription(organisation=client.ocmw), referral=referral)
