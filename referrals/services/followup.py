"""During and after the training: guidance notes and outflow check-ups."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import access
from ..enums import GUIDANCE_NOTE_STATES
from ..models import (
    GuidanceNote,
    OutcomeCheck,
    Referral,
)
from ..signals import guidance_note_added
from ..textlimits import within_limit
from .steps import TransitionRefused


@transaction.atomic
def guidance_note_add(
    *, referral: Referral, user, topic: str, note: str, written_on: datetime.date
) -> GuidanceNote:
    if referral.state not in GUIDANCE_NOTE_STATES:
        raise TransitionRefused(
            [_("Guidance notes are kept from the admission until the end of the training.")]
        )
    if not access.may_add_guidance_note(referral, user):
        raise TransitionRefused([_("You may not add notes to this referral.")])
    within_limit(GuidanceNote, "note", note)
    guidance_note = GuidanceNote.objects.create(
        referral=referral, author=user, topic=topic, note=note, written_on=written_on
    )
    guidance_note_added.send(sender=GuidanceNote, note=guidance_note)
    return guidance_note


@transaction.atomic
def outcome_check_record(
    *, referral: Referral, user, months: int, at_work: str, checked_on: datetime.date
) -> OutcomeCheck:
    """Record (or correct) whether the former trainee is at work `months` after the end."""
    if not referral.has_positive_end or referral.end_date is None:
        raise TransitionRefused(
            [_("Outflow to work is only followed after a positive end of the training.")]
        )
    if not access.may_record_outcome(referral, user):
        raise TransitionRefused([_("You may not record outcomes for this referral.")])
    due = referral.outcome_due_date(months)
    if checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("This date lies in the future.")})
    if checked_on < due:
        raise ValidationError(
            {
                "checked_on": _("This check-up is only due on %(date)s.")
                % {"date": formats.date_format(due, "SHORT_DATE_FORMAT")}
            }
        )
    check, _created = OutcomeCheck.objects.update_or_create(
        referral=referral,
        months=months,
        defaults={"at_work": at_work, "checked_on": checked_on, "checked_by": user},
    )
    return check
