"""Adding and editing a client: the one way a client's details change, in the app's form and
in the admin, so that every change leaves its row in the audit trail, with the fields
before and after (`referrals.changes`), in the same transaction."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..changes import describe, record_change, snapshot
from ..models import Client, TemporaryWorkExperience
from ..models.clients import DUPLICATE_INSZ
from .concurrency import ClientChanged


@transaction.atomic
def client_save(
    *,
    user,
    client: Client,
    experiences: Iterable[TemporaryWorkExperience] = (),
    deleted_experiences: Iterable[TemporaryWorkExperience] = (),
    request=None,
    seen=None,
) -> Client:
    """Save `client` as a form changed it (new or existing), with the temporary work
    experiences it adds or changes and those it deletes, and record what changed; nothing
    changed, no row. `request` tells the trail the page and address it came from. A
    temporary work experience that overlaps an OKOT trajectory in progress is refused
    (ValidationError; `TemporaryWorkExperience.check_trajectories`).

    What changed is read against the stored rows, locked until the end: a form's instance
    already holds the new values, and someone else may have saved in between. `seen`: the
    `updated_at` of the client the form was opened on; if the stored one is another, the
    client was saved since, and nothing is (ClientChanged, a ValidationError), unless the
    form asks nothing the stored client does not hold already (the form sent twice). A save
    that changes nothing leaves `updated_at` as it is, so that it refuses no other form."""
    experiences, deleted_experiences = list(experiences), list(deleted_experiences)
    before = None
    if client.pk is not None:
        locked = Client.objects.select_for_update().get(pk=client.pk)
        before = snapshot(locked)
        sent_again = snapshot(client) == before and not (experiences or deleted_experiences)
        if seen is not None and locked.updated_at != seen and not sent_again:
            raise ClientChanged(locked, user=user)
    else:
        _add(client)  # its experiences take its key
    stored = TemporaryWorkExperience.objects.select_for_update().in_bulk(
        [e.pk for e in (*experiences, *deleted_experiences) if e.pk is not None]
    )
    related = []
    for experience in experiences:
        old = stored.get(experience.pk)
        experience.client = client
        # The form checked it too; again here, under the client's lock, for whoever agreed
        # to a trajectory meanwhile (`referral_agree` takes the same lock).
        experience.check_trajectories()
        if experience.pk is None and experience.created_by_id is None:
            experience.created_by = user
        experience.save()
        related.append(describe(experience, old and snapshot(old), snapshot(experience)))
    for experience in deleted_experiences:
        old, pk = stored.get(experience.pk, experience), experience.pk
        experience.delete()
        related.append(describe(old, snapshot(old), None, pk=pk))
    related = [change for change in related if change]
    if before is not None and (snapshot(client) != before or related):
        client.save()  # a new `updated_at`, also when only its experiences changed
    # As saved: what the save derives (the birth date from the national number) too.
    record_change(client, before, snapshot(client), user=user, request=request, related=related)
    return client


def _add(client: Client) -> None:
    """Save a new client; a ValidationError, not the database's, when their OCMW has just
    added a client with this national number (the form checked before: the same form sent
    twice, by a double click, passes that check twice)."""
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        if not Client.objects.filter(ocmw_id=client.ocmw_id, insz=client.insz).exists():
            raise
        raise ValidationError({"insz": DUPLICATE_INSZ}, code="duplicate_insz") from None
