"""What the webhooks do when the referral workflow announces something (`referrals.signals`;
referrals never imports webhooks): write the deliveries in the step's own transaction, and
hand them to the worker once it commits."""

from django.dispatch import receiver

from referrals.signals import guidance_note_added, guidance_note_corrected, referral_event

from . import outbox, tasks


@receiver(referral_event, dispatch_uid="webhooks.receivers.on_referral_event")
def on_referral_event(sender, event, **kwargs) -> None:
    tasks.enqueue_on_commit(outbox.write_for_event(event))


@receiver(guidance_note_added, dispatch_uid="webhooks.receivers.on_guidance_note")
def on_guidance_note(sender, note, **kwargs) -> None:
    tasks.enqueue_on_commit(outbox.write_for_note(note))


@receiver(guidance_note_corrected, dispatch_uid="webhooks.receivers.on_note_corrected")
def on_guidance_note_corrected(sender, note, **kwargs) -> None:
    tasks.enqueue_on_commit(outbox.write_for_note(note, corrected=True))
