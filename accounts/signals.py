"""What a login starts: the session's clocks and whether it owes a second factor."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import ask_second_factor, start_session


@receiver(user_logged_in, dispatch_uid="accounts.login_started")
def login_started(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session(request.session)
        ask_second_factor(request, user)
