"""How long a session lives, and the second factor before anything else."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.translation import ngettext_lazy

from .two_factor import has_second_factor, second_factor_required, second_factor_step

LOGGED_IN_AT = "okot_logged_in_at"
LAST_SEEN_AT = "okot_last_seen_at"
# Whether this login asks for the second factor, decided once at login (see signals.py).
SECOND_FACTOR_ASKED = "okot_second_factor_asked"
# The last request is written into the session at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60  # seconds

# The numbers are settings: one of them may be 1.
IDLE_MESSAGE = ngettext_lazy(
    "You were logged out after %(minutes)s minute without activity. Log in again.",
    "You were logged out after %(minutes)s minutes without activity. Log in again.",
    "minutes",
)
EXPIRED_MESSAGE = ngettext_lazy(
    "You were logged out %(hours)s hour after logging in. Log in again.",
    "You were logged out %(hours)s hours after logging in. Log in again.",
    "hours",
)


def start_session(session) -> None:
    """Stamp a new login: the clocks of SessionLifetimeMiddleware start now."""
    now = time.time()
    session[LOGGED_IN_AT] = now
    session[LAST_SEEN_AT] = now


class UserObjectMiddleware:
    """`request.user` as the user object itself, in place of the lazy proxies that Django's
    and django-otp's middleware leave there (django-otp's around Django's).

    Read here once: every request that gets this far reads its user anyway (the session's
    lifetime, the login required). A page then reads it hundreds of times, in each row's
    access checks and in its templates (a counsellor's Mijn werk about 500 times, a list
    200), and each read through the two proxies took 2.5 µs against 0.13 µs on the object.
    What django-otp sets on the user (`otp_device`, `is_verified`) is on the object;
    `logout` replaces `request.user` as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = user_object(request.user)
        return self.get_response(request)


def user_object(user):
    """`user` with the lazy proxies around it evaluated and taken off: through Django's
    private `_wrapped` and `_setup`, on purpose, as nothing public hands out the object
    (tests/accounts/test_user_object.py holds a view to reading the object itself)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


class SessionLifetimeMiddleware:
    """Log out a session idle for OKOT_SESSION_IDLE_MINUTES or older than
    OKOT_SESSION_MAX_HOURS, with a message the login page shows; and drop a session whose
    user no longer logs in (deactivated or deleted) instead of keeping it for a reactivation.

    After the logout the request goes on as anonymous, so that LoginRequiredMiddleware
    sends it to the login page with `next` set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self.check_lifetime(request)
        elif SESSION_KEY in request.session:
            request.session.flush()
        return self.get_response(request)

    def check_lifetime(self, request) -> None:
        session, now = request.session, time.time()
        logged_in_at = session.get(LOGGED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT, logged_in_at)
        max_hours, idle_minutes = (
            settings.OKOT_SESSION_MAX_HOURS,
            settings.OKOT_SESSION_IDLE_MINUTES,
        )
        if logged_in_at is None or now - logged_in_at > max_hours * 3600:
            message = EXPIRED_MESSAGE % {"hours": max_hours}
        elif now - last_seen_at > idle_minutes * 60:
            message = IDLE_MESSAGE % {"minutes": idle_minutes}
        else:
            if now - last_seen_at >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_AT] = now
            return
        logout(request)
        messages.info(request, message)


def second_factor_exempt(view):
    """Mark a view that a user who still owes the second factor may reach (its own pages,
    logging out)."""
    view.second_factor_exempt = True
    return view


class SecondFactorMiddleware:
    """Until the second factor is passed, a user who owes it reaches only the public pages
    and those marked `second_factor_exempt`; everything else sends them to enter a code, or
    to enrol when they have no device yet. (The admin checks the same by itself too.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if not getattr(view_func, "login_required", True):
            return None  # a public page
        if getattr(view_func, "second_factor_exempt", False):
            return None
        if not (second_factor_owed(request, user)):
            return None
        return redirect_to_login(request.get_full_path(), reverse(second_factor_step(user)))


def second_factor_owed(request, user) -> bool:
    """Whether this session must pass the second factor: asked at login (an enrolled user),
    or required now (a role given during the session counts at once)."""
    return request.session.get(SECOND_FACTOR_ASKED, False) or second_factor_required(user)


def ask_second_factor(request, user) -> None:
    """At login: will this session have to pass a second factor?"""
    request.session[SECOND_FACTOR_ASKED] = second_factor_required(user) or has_second_factor(user)
