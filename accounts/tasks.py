"""The Celery tasks of the accounts: deleting the sessions that have expired (beat, hourly).

Django leaves an expired session in the database until something deletes it; its
documentation asks that `clearsessions` be run regularly. A session holds who is logged in
and the searches last posted on each list, which may be a client's name or national number
(searches are posted and kept in the session, never in a URL: docs/security.md), so an
expired one goes within the hour. Logging out deletes a session at once; one left idle
expires OKOT_SESSION_MAX_HOURS after it was last saved."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Delete the expired sessions (Django's `clearsessions`); run again, it does nothing."""
    call_command("clearsessions")
