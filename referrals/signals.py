"""Events the referral workflow announces; other apps (notifications) listen.

Sent inside the transaction of the step, so a listener that writes rows (the outbox)
commits or rolls back together with the step."""

from django.dispatch import Signal

# sender: Referral; kwargs: event (ReferralEvent)
referral_event = Signal()
# sender: GuidanceNote; kwargs: note (GuidanceNote)
guidance_note_added = Signal()
