"""The models registered in Django admin, classified for the audit trail's reads
(tests/audit/test_admin_classified.py and test_admin_reads.py): `MODELS` says of each
whether it holds personal data (its pages record whom they show:
`audit.admin_reads.AuditedReadsMixin`), or not, and why; with a row of each model of
personal data about a referral and its client, and what the tests ask of the rows."""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from audit.models import Entry, Kind
from notifications.models import Notification
from referrals.enums import (
    AtWork,
    CandidacyOutcome,
    CheckupMonths,
    GuidanceTopic,
    SchoolYearResult,
    State,
)
from referrals.models import Candidacy, GuidanceNote, OutcomeCheck, ReferralEvent, SchoolYear
from tests.audit.subjects import assert_read_rows
from tests.notifications.messages import notify
from tests.referrals.factories import DocumentFactory, TemporaryWorkExperienceFactory

READ_KINDS = [Kind.VIEW, Kind.SEARCH, Kind.PRINT, Kind.EXPORT]
ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR


# --- a row of each model of personal data, about a referral and its client -----------------


def candidacy(referral):
    client = referral.client
    return Candidacy.objects.create(
        registered_by=referral.created_by,
        ocmw=client.ocmw,
        training=referral.training,
        insz=client.insz,
        first_name=client.first_name,
        last_name=client.last_name,
        outcome=CandidacyOutcome.KNOWN_CLIENT,
        referral=referral,
    )


def event(referral):
    return ReferralEvent.objects.create(
        referral=referral, actor=referral.created_by, transition="create", to_state=State.INFORMED
    )


def note(referral):
    return GuidanceNote.objects.create(
        referral=referral, author=referral.created_by, topic=GuidanceTopic.PROGRESS, note="Goed."
    )


def check_up(referral):
    return OutcomeCheck.objects.create(
        referral=referral, months=CheckupMonths.M3, at_work=AtWork.YES
    )


def school_year(referral):
    return SchoolYear.objects.create(
        referral=referral, year=2024, result=SchoolYearResult.PASSED, recorded_by=None
    )


def message(referral):
    # A subject that names the client, as messages did before they were made minimal.
    (notification,) = notify(referral.created_by, referral=referral)
    Notification.objects.filter(pk=notification.pk).update(
        subject=f"Opleiding gestart: {referral.client}"
    )
    return notification


@dataclass(frozen=True)
class Personal:
    """A model of personal data: `make(referral)` adds a row about the referral (`about`
    "referral") or only its client ("client"). `lists`: its list shows whom its rows are
    about; `deletable`: the administrator may delete it (else the page is refused)."""

    make: Callable
    about: str = "referral"
    lists: bool = True
    deletable: bool = False


@dataclass(frozen=True)
class NoPersonalData:
    why: str


STAFF = "staff's accounts and logins: no client's data (the login events are the trail's own)"
MODELS = {
    "referrals.client": Personal(lambda r: r.client, about="client", deletable=True),
    "referrals.temporaryworkexperience": Personal(
        lambda r: TemporaryWorkExperienceFactory(client=r.client), about="client", deletable=True
    ),
    "referrals.consent": Personal(lambda r: r.client.consents.get(), about="client"),
    "referrals.referral": Personal(lambda r: r),
    "referrals.candidacy": Personal(candidacy),
    "referrals.referralevent": Personal(event),
    "referrals.guidancenote": Personal(note, deletable=True),
    "referrals.outcomecheck": Personal(check_up, deletable=True),
    # Removed in the app only (by whoever added it, or the administrator there).
    "referrals.document": Personal(lambda r: DocumentFactory(referral=r)),
    "referrals.schoolyear": Personal(school_year, deletable=True),
    # The outbox's list shows recipients and kinds; a message names its client.
    "notifications.notification": Personal(message, lists=False),
    "referrals.training": NoPersonalData("the catalogue; its contacts are VDAB staff"),
    "referrals.entrycondition": NoPersonalData("the catalogue's entry conditions"),
    "referrals.importjob": NoPersonalData(
        "a file's name, checksum, counts and errors by line; the file itself is never shown "
        "and goes when the job ends (the import itself is a change, recorded with it)"
    ),
    "notifications.emailoptout": NoPersonalData("users' e-mail preferences"),
    "webhooks.subscription": NoPersonalData("an organisation's receiver: address, kinds, secret"),
    "webhooks.delivery": NoPersonalData(
        "thin events: a referral's numbers, states and dates, never a name, a national "
        "number or a text (webhooks/payloads.py); the list shows the referral's number"
    ),
    "notifications.emailpreference": NoPersonalData("how often users get e-mail"),
    "accounts.organisation": NoPersonalData("OCMWs and VDAB regions"),
    "accounts.user": NoPersonalData(STAFF),
    "auth.group": NoPersonalData("the roles"),
    "axes.accessattempt": NoPersonalData(STAFF),
    "axes.accesslog": NoPersonalData(STAFF),
    "axes.accessfailurelog": NoPersonalData(STAFF),
    "otp_totp.totpdevice": NoPersonalData(STAFF),
    "otp_static.staticdevice": NoPersonalData(STAFF),
    "django_otp_webauthn.webauthncredential": NoPersonalData(STAFF),
    # The trail's own admin (audit/admin.py): it names clients by number only.
    "api.apitoken": NoPersonalData("partner systems' keys: which user each acts as"),
    "audit.entry": NoPersonalData("the trail itself: clients by number, never their data"),
    "audit.purge": NoPersonalData("when the trail's retention deleted how many rows"),
}
PERSONAL = sorted(label for label, entry in MODELS.items() if isinstance(entry, Personal))


# --- the rows of the trail -------------------------------------------------------------------


def read_rows():
    return Entry.objects.filter(kind__in=READ_KINDS)


def about(label: str, referral) -> tuple:
    if MODELS[label].about == "client":
        return (referral.client_id, None)
    return (referral.client_id, referral.pk)


def subjects_of(label: str, rows) -> set:
    """The (client, referral) each row of a list is about, from the row itself."""
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    return {model_admin.audit_subject.of(row) for row in rows}


def page_url(label: str, page: str, *args) -> str:
    return reverse(f"admin:{label.replace('.', '_')}_{page}", args=args)


def assert_rows(rows, kind: str, subjects: set, user, url: str) -> None:
    rows = assert_read_rows(rows, subjects)
    for row in rows:
        assert (row.kind, row.actor_id, row.organisation_id) == (kind, user.pk, None)
        assert (row.path, row.ip_address) == (url, ADDRESS)
