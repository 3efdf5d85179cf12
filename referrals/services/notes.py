"""Guidance notes: written from the formal agreement until the end of the training, shared
with the other side (who is told) or internal to the author's organisation, and corrected
by their author for a short time."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..enums import GUIDANCE_NOTE_STATES, NoteVisibility
from ..models import GuidanceNote, Referral
from ..signals import guidance_note_added, guidance_note_corrected
from ..textlimits import within_limit
from .locks import lock_referral
from .steps import TransitionRefused

# A note the same as one its author added to the referral this shortly before is that one
# sent again (a double click, a page sent again), not a second note.
SENT_AGAIN_WITHIN = datetime.timedelta(minutes=10)


@transaction.atomic
def guidance_note_add(
    *,
    referral: Referral,
    user,
    topic: str,
    note: str,
    written_on: datetime.date,
    visibility: str = NoteVisibility.SHARED,
) -> GuidanceNote:
    """Add a note to `referral`, and tell whom it concerns. The same note sent again by its
    author (`SENT_AGAIN_WITHIN`) is the one added already: returned, nobody told twice.
    Checked under the referral's lock, on its state as it is then."""
    lock_referral(referral.pk)  # the same note sent twice at once: the second sees the first
    referral.refresh_from_db(fields=["state"])
    if referral.state not in GUIDANCE_NOTE_STATES:
        raise TransitionRefused(
            [_("Guidance notes are kept from the formal agreement until the end of the training.")]
        )
    if not access.may_add_guidance_note(referral, user):
        raise TransitionRefused([_("You may not add notes to this referral.")])
    within_limit(GuidanceNote, "note", note)
    fields = {"topic": topic, "note": note, "written_on": written_on, "visibility": visibility}
    sent_before = GuidanceNote.objects.filter(
        referral=referral,
        author=user,
        created_at__gte=timezone.now() - SENT_AGAIN_WITHIN,
        **fields,
    ).first()
    if sent_before is not None:
        return sent_before
    guidance_note = GuidanceNote.objects.create(
        referral=referral, author=user, organisation_id=user.organisation_id, **fields
    )
    # Internal notes too: their organisation's own systems hear of them (webhooks); who
    # listens tells only whom `note.visibility` allows.
    guidance_note_added.send(sender=GuidanceNote, note=guidance_note)
    return guidance_note


@transaction.atomic
def guidance_note_edit(
    *, note: GuidanceNote, user, topic: str, text: str, written_on: datetime.date
) -> bool:
    """Correct a note: its author only, for `settings.OKOT_NOTE_EDIT_MINUTES` after writing
    it. Who reads it stays as chosen (the other side may have been told already). Whether
    anything changed."""
    note = GuidanceNote.objects.select_for_update().get(pk=note.pk)
    if not note.may_be_edited_by(user):
        raise TransitionRefused(
            [_("Only its author corrects a note, and only shortly after writing it.")]
        )
    within_limit(GuidanceNote, "note", text)
    if (note.topic, note.note, note.written_on) == (topic, text, written_on):
        return False
    note.topic, note.note, note.written_on = topic, text, written_on
    note.edited_at = timezone.now()
    note.save(update_fields=["topic", "note", "written_on", "edited_at"])
    guidance_note_corrected.send(sender=GuidanceNote, note=note)
    return True
