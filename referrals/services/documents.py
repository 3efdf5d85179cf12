"""Documents attached to a referral: added by either side, removed by whoever added one
shortly after (or the administrator).

Each writes, in one transaction, the row, a line in the referral's history (the kind only:
a file's name may hold the client's) and the audit trail's CHANGE row; adding one tells the
other side in the app (`referral_event`, as a step does). The file is written to the
storage before the row, and deleted again when writing the rows fails; a removed document's
file goes once the removal commits. So no row points at a file that is not there; a file
whose row a caller's own outer transaction rolls back afterwards stays in the storage
without a row (the views call these outside any other transaction)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..changes import record_change, snapshot
from ..document_files import check_file
from ..enums import DOCUMENT_ADDED, DOCUMENT_REMOVED, DocumentKind
from ..models import Document, Referral, ReferralEvent
from ..signals import referral_event
from ..textlimits import within_limit
from .steps import TransitionRefused


@transaction.atomic
def document_add(
    *,
    referral: Referral,
    user,
    kind: str,
    file,
    description: str = "",
    at: datetime.datetime | None = None,
    request=None,
) -> Document:
    """Attach `file` (an uploaded file or a django File) to the referral as `kind`, after
    checking its size and type (`document_files.check_file`, whatever the caller checked).
    `at`: when (default now; only demo data passes it)."""
    if not access.may_add_document(referral, user):
        raise TransitionRefused([_("You may not add documents to this referral.")])
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose what kind of document this is.")})
    try:
        checked = check_file(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.error_list}) from None
    description = within_limit(Document, "description", description.strip())
    document = Document(
        referral=referral,
        kind=kind,
        description=description,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        added_by=user,
        added_at=at or timezone.now(),
    )
    document.file.save(checked.name, file, save=False)
    try:
        document.save(force_insert=True)
        _history(referral, user, DOCUMENT_ADDED, document, at=document.added_at)
        record_change(document, None, snapshot(document), user=user, request=request)
    except BaseException:
        _delete_files([document.file.name])
        raise
    return document


@transaction.atomic
def document_remove(*, document: Document, user, request=None) -> None:
    """Remove the document and, once that commits, its file (see `access.may_remove_
    document`); its history line and the trail's row say which kind, who and when."""
    if not access.may_remove_document(document, user):
        raise TransitionRefused(
            [
                _(
                    "Only whoever added a document may remove it, within %(hours)d hours; "
                    "after that it is kept as proof. An administrator can remove it."
                )
                % {"hours": settings.OKOT_DOCUMENT_REMOVAL_HOURS}
            ]
        )
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:
        raise ValidationError(_("This document was removed already."))
    before, pk, stored = snapshot(locked), locked.pk, locked.file.name
    locked.delete()
    _history(document.referral, user, DOCUMENT_REMOVED, document, pk=pk)
    record_change(document, before, None, user=user, request=request, pk=pk)
    delete_files_on_commit([stored])


def delete_files_on_commit(names: list[str]) -> None:
    """Delete these files from the documents' storage once the transaction commits."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    storage = Document._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _history(referral, user, transition: str, document: Document, *, at=None, pk=None) -> None:
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        at=at or timezone.now(),
        transition=transition,
        from_state="",
        to_state=referral.state,
        data={"document": pk or document.pk, "kind": document.kind},
    )
    referral_event.send(sender=Referral, event=event)
