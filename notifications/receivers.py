"""What the notifications do when the referral workflow announces something
(`referrals.signals`; referrals never imports notifications): write the outbox rows in the
step's own transaction, and hand the e-mails to delivery once it commits."""

from django.dispatch import receiver

from referrals.enums import NoteVisibility
from referrals.signals import (
    clients_pseudonymised,
    consent_withdrawn,
    guidance_note_added,
    guidance_note_corrected,
    referral_event,
)

from . import outbox, tasks
from .models import Notification


@receiver(referral_event, dispatch_uid="notifications.receivers.on_referral_event")
def on_referral_event(sender, event, **kwargs) -> None:
    tasks.enqueue_on_commit(outbox.write_for_event(event))


@receiver(guidance_note_added, dispatch_uid="notifications.receivers.on_guidance_note")
def on_guidance_note(sender, note, **kwargs) -> None:
    if note.visibility == NoteVisibility.SHARED:  # an internal note tells the other side nothing
        tasks.enqueue_on_commit(outbox.write_for_note(note))


@receiver(guidance_note_corrected, dispatch_uid="notifications.receivers.on_note_corrected")
def on_guidance_note_corrected(sender, note, **kwargs) -> None:
    if note.visibility == NoteVisibility.SHARED:  # the other side's messages show it
        outbox.rewrite_for_note(note)


@receiver(clients_pseudonymised, dispatch_uid="notifications.receivers.on_pseudonymised")
def on_clients_pseudonymised(sender, referral_ids, **kwargs) -> None:
    Notification.objects.filter(referral_id__in=referral_ids).pseudonymise()


@receiver(consent_withdrawn, dispatch_uid="notifications.receivers.on_consent_withdrawn")
def on_consent_withdrawn(sender, consent, **kwargs) -> None:
    tasks.enqueue_on_commit(outbox.write_for_consent_withdrawal(consent))
