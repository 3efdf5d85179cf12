"""The client's consent to share data with VDAB: given and withdrawn.

Each function writes the history row (`Consent`) and the client's current consent
(`Client.consent_vdab`, `consent_date`) in one transaction; they are the only writers of
the latter, which the guards, the pages and the lists read."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import access
from ..changes import record_change, snapshot
from ..enums import ConsentScope
from ..models import Client, Consent
from ..models.consents import check_consent_day
from ..signals import consent_withdrawn
from ..textlimits import within_limit
from .locks import lock_client
from .steps import TransitionRefused


@transaction.atomic
def consent_give(
    *,
    client: Client,
    user,
    given_on: datetime.date,
    scope: str = ConsentScope.OKOT,
    document_reference: str = "",
    at: datetime.datetime | None = None,
    request=None,
) -> Consent:
    """Record that the client consented on `given_on`; refused while a consent of the same
    scope still holds (withdraw that one first). `at`: when it was recorded (default now;
    only demo data passes it)."""
    _check_may(client, user)
    lock_client(client.pk)  # one change of a client's consent at a time
    check_consent_day(given_on, birth_date=client.birth_date, field="given_on")
    document_reference = within_limit(Consent, "document_reference", document_reference.strip())
    holding = client.consents.open().filter(scope=scope).first()
    if holding is not None:
        raise ValidationError(_still_holds(holding))
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                client=client,
                scope=scope,
                given_on=given_on,
                document_reference=document_reference,
                recorded_by=user,
                recorded_at=at or timezone.now(),
            )
    except IntegrityError as exc:  # recorded by someone else just now
        raise ValidationError(_still_holds(client.consents.open().get(scope=scope))) from exc
    if scope == ConsentScope.OKOT:
        _set_current(client, given_on)
    record_change(consent, None, snapshot(consent), user=user, request=request)
    return consent


@transaction.atomic
def consent_withdraw(
    *,
    client: Client,
    user,
    withdrawn_on: datetime.date,
    scope: str = ConsentScope.OKOT,
    at: datetime.datetime | None = None,
    request=None,
) -> Consent:
    """Record that the client withdrew the consent that holds, on `withdrawn_on`; the
    counsellors of the client's open referrals are told (`signals.consent_withdrawn`)."""
    _check_may(client, user)
    lock_client(client.pk)  # one change of a client's consent at a time
    consent = client.consents.open().filter(scope=scope).select_for_update().first()
    if consent is None:
        raise ValidationError(_("The client has no consent that could be withdrawn."))
    check_consent_day(
        withdrawn_on,
        birth_date=client.birth_date,
        field="withdrawn_on",
        given_on=consent.given_on,
    )
    before = snapshot(consent)
    consent.withdrawn_on = withdrawn_on
    consent.withdrawn_by = user
    consent.withdrawal_recorded_at = at or timezone.now()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_recorded_at"])
    if scope == ConsentScope.OKOT:
        _set_current(client, None)
    record_change(consent, before, snapshot(consent), user=user, request=request)
    consent_withdrawn.send(sender=Consent, consent=consent)
    return consent


def _check_may(client: Client, user) -> None:
    if not access.may_record_consent(client, user):
        raise TransitionRefused([_("You may not record consent for this client.")])


def _set_current(client: Client, given_on: datetime.date | None) -> None:
    client.consent_vdab = given_on is not None
    client.consent_date = given_on
    client.save(update_fields=["consent_vdab", "consent_date", "updated_at"])


def _still_holds(consent: Consent) -> str:
    return _(
        "The client's consent of %(date)s still holds; withdraw it before recording a new one."
    ) % {"date": formats.date_format(consent.given_on, "SHORT_DATE_FORMAT")}
