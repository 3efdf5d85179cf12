"""Reads that know who is asking: every view fetches through `visible_to(user)`."""

import datetime
import functools
import operator

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from ..enums import FINAL_STATES, HANDOVER_DUE_STATES, OverdueReason, State
from ..workdays import working_days_ago
from .visibility import referral_visibility

# The states in which a referral can be overdue for each reason: its condition holds only
# there. A scope in other states needs no flag (Mijn werk's closed referrals: `work.overdue_in`).
OVERDUE_STATES = {
    OverdueReason.NO_AGREEMENT: (State.CANDIDATE,),
    OverdueReason.NO_INTAKE: (State.AGREED,),
    OverdueReason.NO_START: (State.ADMITTED,),
    OverdueReason.NO_SCREENING: (State.INTAKE_PLANNED,),
    OverdueReason.NO_HANDOVER: HANDOVER_DUE_STATES,
    OverdueReason.NO_END: (State.IN_TRAINING,),
}
# Every state a referral can be overdue in.
OVERDUE_STATES_ALL = tuple(
    dict.fromkeys(state for states in OVERDUE_STATES.values() for state in states)
)


def overdue_reasons(today: datetime.date | None = None) -> dict[str, Q]:
    """Why a referral is overdue (`OverdueReason`), each with the condition it meets: its
    next step, or the warm handover, has waited longer than agreed (in its OVERDUE_STATES)."""
    today = today or timezone.localdate()
    now = timezone.now()
    waited = {
        OverdueReason.NO_AGREEMENT: Q(
            state_changed_at__lt=now - datetime.timedelta(days=settings.OKOT_AGREE_OVERDUE_DAYS)
        ),
        OverdueReason.NO_INTAKE: Q(
            state_changed_at__lt=now - datetime.timedelta(days=settings.OKOT_INTAKE_OVERDUE_DAYS)
        ),
        OverdueReason.NO_START: Q(
            probable_start_date__lt=today
            - datetime.timedelta(days=settings.OKOT_START_OVERDUE_DAYS)
        ),
        OverdueReason.NO_SCREENING: Q(intake_at__lt=now - datetime.timedelta(days=1)),
        OverdueReason.NO_HANDOVER: Q(
            handover_at__isnull=True,
            agreed_on__lte=working_days_ago(today, settings.OKOT_HANDOVER_OVERDUE_WORKING_DAYS),
        ),
        # The expected end moves on by the days interrupted; none while interrupted now.
        OverdueReason.NO_END: Q(
            expected_end_date__lt=today - datetime.timedelta(days=settings.OKOT_END_OVERDUE_DAYS)
        )
        & ~interrupted_now(),
    }
    return {
        reason: Q(state__in=OVERDUE_STATES[reason]) & condition
        for reason, condition in waited.items()
    }


def interrupted_now() -> Exists:
    """A referral whose training is interrupted now: an interruption with no last day."""
    from .interruptions import Interruption  # the models import this module

    return Exists(Interruption.objects.running().filter(referral=OuterRef("pk")))


def intake_day_has_come(today: datetime.date | None = None) -> Q:
    """A referral whose intake's day (in Brussels) has come, or without an intake moment:
    as the guard `guards.intake_day_has_come`."""
    return Q(intake_at__isnull=True) | on_days("intake_at", None, today or timezone.localdate())


def on_days(field: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """The moments of `field` on the days from `first` to `last` in Brussels (None: that
    side open; both None: every row)."""
    # From the midnight that begins the first day to the one that ends the last: a range of
    # the field's index, where a day converted from each row's moment (`__date`) is a
    # filter on every row the index walks (docs/performance.md). The first and last days a
    # date can hold bound no moment (nor convert to UTC): there only an empty one is left out.
    some = Q(**{f"{field}__isnull": False})
    condition = Q()
    if first is not None:
        condition &= Q(**{f"{field}__gte": midnight(first)}) if first > datetime.date.min else some
    if last is not None:
        day_after = last + datetime.timedelta(days=1) if last < datetime.date.max else None
        condition &= Q(**{f"{field}__lt": midnight(day_after)}) if day_after else some
    return condition


def midnight(day: datetime.date) -> datetime.datetime:
    """Return the moment `day` begins in the current time zone (Brussels)."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def overdue_condition(today: datetime.date | None = None) -> Q:
    """A referral whose next step has waited longer than agreed (see `overdue`)."""
    return functools.reduce(operator.or_, overdue_reasons(today).values())


# A word this long or longer is found anywhere in a name or text; a shorter one only where
# a part of it starts (`word_in`). Trigram indexes (migration 0028 and the admin's, 0042 and
# on) find three letters anywhere, and one or two at the start of a part; "an" anywhere
# would match most names, and "x" anywhere, through no index, read every row to find none.
NAME_ANYWHERE = 3
# Where a part of a name starts: after a space or a hyphen.
NAME_PARTS = " -"


def client_search(text: str, prefix: str = "", numbers_if: Q | None = None) -> Q:
    """Clients (through `prefix`, e.g. "client__" from a referral) with every word of `text`
    in their name, at the start of their national number, or as their VDAB client number.
    A word of one or two letters is looked for at the start of the first or last name or
    of one of its parts ("de" finds "De Smet" and "Van de Velde", not "Vandenberghe").
    `numbers_if`: where the numbers may be searched at all (VDAB: while the client consents;
    otherwise a search would tell a number, digit by digit, that the page no longer shows)."""
    query = Q()
    for word in text.split():
        numbers = Q(**{f"{prefix}insz__startswith": word.replace(".", "").replace("-", "")}) | Q(
            **{f"{prefix}vdab_client_number__iexact": word}
        )
        if numbers_if is not None:
            numbers &= numbers_if
        query &= (
            word_in(f"{prefix}first_name", word) | word_in(f"{prefix}last_name", word) | numbers
        )
    return query


def word_in(field: str, word: str, parts: str = NAME_PARTS) -> Q:
    """`field` (a lookup path) holds `word`, case ignored: anywhere if it has `NAME_ANYWHERE`
    letters or more, else at the start of the field or of one of its parts (after one of
    the characters `parts`). The app's searches of names and the admin's of names and
    texts."""
    if len(word) >= NAME_ANYWHERE:
        return Q(**{f"{field}__icontains": word})
    found = Q(**{f"{field}__istartswith": word})
    for mark in parts:
        found |= Q(**{f"{field}__icontains": f"{mark}{word}"})
    return found


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClientQuerySet":
        """Clients are the OCMW's: only its caseworkers (and administrators) see them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_caseworker:
            return self.filter(ocmw_id=user.organisation_id)
        return self.none()

    def not_pseudonymised(self) -> "ClientQuerySet":
        """The clients whose data the retention has not removed (`services.retention`)."""
        return self.filter(pseudonymised_at__isnull=True)

    def search(self, text: str) -> "ClientQuerySet":
        return self.filter(client_search(text))


class TrainingQuerySet(models.QuerySet):
    def active(self) -> "TrainingQuerySet":
        return self.filter(active=True)

    def offered(self, today: datetime.date | None = None) -> "TrainingQuerySet":
        """What may be chosen for a new referral or candidacy: an active training that
        starts today or later. One past its last start moment is no longer offered; one
        without any start moments (entered before they were kept) still is, until an
        administrator adds them or makes it inactive. Imports of earlier referrals look
        trainings up without this: history names trainings no longer offered."""
        today = today or timezone.localdate()
        start_moments = self.model._meta.get_field("start_moments").related_model.objects
        of_training = start_moments.filter(training=OuterRef("pk"))
        return self.filter(
            Q(Exists(of_training.filter(starts_on__gte=today))) | ~Q(Exists(of_training)),
            active=True,
        )

    def responsible(self, user) -> "TrainingQuerySet":
        """The trainings a counsellor acts for: their region's, or theirs as contact."""
        if user.is_administrator:
            return self.all()
        if user.is_counsellor:
            return self.filter(Q(contact_counsellor=user) | Q(province=user.organisation.province))
        return self.none()


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReferralQuerySet":
        """A caseworker sees their OCMW's referrals, a counsellor those of their trainings
        or region once the OCMW formally agreed (`access.is_agreed`), an administrator all;
        everyone else (the network manager) none."""
        condition = referral_visibility(user)
        if condition is None:
            return self.all()
        if condition == Q(pk__in=[]):
            return self.none()
        return self.filter(condition)

    def reportable_to(self, user) -> "ReferralQuerySet":
        """Referrals whose figures (never their personal data) this user may see: a
        counsellor's VDAB region once formally agreed (as `visible_to`: a candidacy must not
        show in VDAB's figures either, or comparing them before and after one would tell
        whether the OCMW knew the number), the network manager's province, otherwise what
        the user sees anyway (a caseworker's OCMW, everything for an administrator)."""
        if user.is_authenticated and user.is_active and not user.is_administrator:
            if user.is_counsellor:
                return self.filter(region=user.organisation.province, agreed_on__isnull=False)
            if user.is_network_manager:
                return self.filter(ocmw__province=user.organisation.province)
        return self.visible_to(user)

    def count_by_state(self) -> dict[str, int]:
        # COUNT(*), not of the key, which no index of the states holds beside them: counted
        # by its key, a network manager's province (168,000 referrals) was read from the
        # table, every referral of Flanders (177 ms), rather than from the OCMWs' index of
        # their states (41-49 ms).
        return dict(self.order_by().values_list("state").annotate(total=Count("*")))

    def with_related(self) -> "ReferralQuerySet":
        """What a list's rows show: the client, their OCMW and the training (whose contact
        counsellor a row asks only by key: `access.is_counsellor_for`)."""
        return self.select_related("client", "client__ocmw", "training")

    def with_page_related(self) -> "ReferralQuerySet":
        """`with_related` and the people the referral's page and its steps show and tell."""
        return self.with_related().select_related(
            "caseworker__organisation",
            "counsellor__organisation",
            "training__contact_counsellor__organisation",
            "handover_counsellor",
            "handover_recorded_by",
        )

    def with_interrupted(self) -> "ReferralQuerySet":
        """Each referral with `interrupted`: whether its training is interrupted now (one
        subquery in the same query, for the lists' marker)."""
        return self.annotate(interrupted=interrupted_now())

    def open(self) -> "ReferralQuerySet":
        return self.exclude(state__in=FINAL_STATES)

    def overdue(self, today: datetime.date | None = None) -> "ReferralQuerySet":
        """Steps that have waited longer than agreed: no agreement, no intake, no start,
        no warm handover, no end after the expected end; each row says why in
        `overdue_reasons` (its reason codes)."""
        reasons = overdue_reasons(today)
        flags = {
            f"overdue_{code}": ExpressionWrapper(condition, output_field=BooleanField())
            for code, condition in reasons.items()
        }
        return self.filter(functools.reduce(operator.or_, reasons.values())).annotate(**flags)
