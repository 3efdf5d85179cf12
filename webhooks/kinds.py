"""The kinds of event a webhook subscription may ask for: the history lines the referral
workflow announces (`referrals.signals.referral_event`, by their `transition`) and the
guidance notes (`guidance_note_added`, `guidance_note_corrected`).

The codes are the contract with the receivers (docs/webhooks.md): the step names and the
history lines' own codes, named here through `referrals.enums`, never retyped."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from referrals import enums

# `referrals.services.creation` writes this line; it has no constant of its own there.
CREATED = "create"


class EventKind(models.TextChoices):
    CREATED = CREATED, _("Referral registered")
    APPLY = "apply", _("Candidacy registered")
    AGREE = "agree", _("Formal agreement")
    DECLINE = "decline", _("No formal agreement")
    PLAN_INTAKE = "plan_intake", _("Intake planned")
    ADMIT = "admit", _("Admitted after the screening")
    REJECT = "reject", _("Not admitted after the screening")
    START = "start", _("Training started")
    END = "end", _("Training ended")
    CLOSE = "close", _("Referral closed")
    WITHDRAW = "withdraw", _("Referral withdrawn")
    VDAB_REGISTRATION = enums.VDAB_REGISTRATION, _("Registration with VDAB recorded")
    HANDOVER_RECORDED = enums.HANDOVER_RECORDED, _("Warm handover recorded")
    INTERRUPTION_RECORDED = enums.INTERRUPTION_RECORDED, _("Interruption recorded")
    INTERRUPTION_ENDED = enums.INTERRUPTION_ENDED, _("Training resumed after an interruption")
    INTERRUPTION_CORRECTED = enums.INTERRUPTION_CORRECTED, _("Interruption corrected")
    DOCUMENT_ADDED = enums.DOCUMENT_ADDED, _("Document added")
    DOCUMENT_REMOVED = enums.DOCUMENT_REMOVED, _("Document removed")
    RESPONSIBLE_CHANGED = enums.RESPONSIBLE_CHANGED, _("Someone else made responsible")
    SCHOOL_YEAR_RECORDED = enums.SCHOOL_YEAR_RECORDED, _("School year recorded")
    GUIDANCE_NOTE_ADDED = "guidance_note_added", _("Guidance note added")
    GUIDANCE_NOTE_CORRECTED = "guidance_note_corrected", _("Guidance note corrected")


# The history lines whose payload names the record they are about (`payloads.subject`):
# the record's kind in the payload, and the key of its id in the line's data.
SUBJECTS = {
    EventKind.DOCUMENT_ADDED: ("document", "document"),
    EventKind.DOCUMENT_REMOVED: ("document", "document"),
    EventKind.INTERRUPTION_RECORDED: ("interruption", "interruption_id"),
    EventKind.INTERRUPTION_ENDED: ("interruption", "interruption_id"),
    EventKind.INTERRUPTION_CORRECTED: ("interruption", "interruption_id"),
}
NOTE_KINDS = (EventKind.GUIDANCE_NOTE_ADDED, EventKind.GUIDANCE_NOTE_CORRECTED)
