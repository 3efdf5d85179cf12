"""Events the referral workflow announces; other apps (notifications, webhooks) listen.

Sent inside the transaction of the step, so a listener that writes rows (the outbox)
commits or rolls back together with the step."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# sender: Referral; kwargs: event (ReferralEvent)
referral_event = Signal()
# sender: GuidanceNote; kwargs: note (GuidanceNote). Shared and internal notes alike: a
# listener tells only whom the note's `visibility` allows (an internal note: its author's
# organisation, never the other side).
guidance_note_added = Signal()
# sender: GuidanceNote; kwargs: note (GuidanceNote, just corrected by its author); as above
guidance_note_corrected = Signal()
# sender: Client; kwargs: client_ids, referral_ids (lists of ids). The retention removed
# those clients' personal data; what others keep about them (messages) must go too.
clients_pseudonymised = Signal()
# sender: Consent; kwargs: consent (Consent, just withdrawn)
consent_withdrawn = Signal()

_replaying: ContextVar[bool] = ContextVar("referrals_replaying_history", default=False)


@contextmanager
def replaying_history() -> Iterator[None]:
    """Mark the events sent inside this block as history being replayed (demo data, an
    import of past trajectories): listeners record them, but tell nobody today."""
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def is_replaying_history() -> bool:
    return _replaying.get()
