"""Reads that know who is asking: every view fetches through `visible_to(user)`."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ..enums import FINAL_STATES, State


def interrupted_now() -> Exists:
    """A referral whose training is interrupted now: an interruption with no last day."""
    from .interruptions import Interruption  # the models import this module

    return Exists(Interruption.objects.running().filter(referral=OuterRef("pk")))


def overdue_condition(today: datetime.date | None = None) -> Q:
    """A referral whose next step has waited longer than agreed (see `overdue`); a training
    past its expected end (moved on by the days interrupted) is, unless interrupted now."""
    today = today or timezone.localdate()
    now = timezone.now()
    end_overdue = (
        Q(
            state=State.IN_TRAINING,
            expected_end_date__lt=today - datetime.timedelta(days=settings.OKOT_END_OVERDUE_DAYS),
        )
        & ~interrupted_now()
    )
    return (
        Q(
            state=State.CANDIDATE,
            state_changed_at__lt=now - datetime.timedelta(days=settings.OKOT_AGREE_OVERDUE_DAYS),
        )
        | Q(
            state=State.AGREED,
            state_changed_at__lt=now - datetime.timedelta(days=settings.OKOT_INTAKE_OVERDUE_DAYS),
        )
        | Q(
            state=State.ADMITTED,
            probable_start_date__lt=today
            - datetime.timedelta(days=settings.OKOT_START_OVERDUE_DAYS),
        )
        | Q(state=State.INTAKE_PLANNED, intake_at__lt=now - datetime.timedelta(days=1))
        | end_overdue
    )


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
        query = Q()
        for word in text.split():
            query &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(insz__startswith=word.replace(".", "").replace("-", ""))
                | Q(vdab_client_number__iexact=word)
            )
        return self.filter(query)


class TrainingQuerySet(models.QuerySet):
    def active(self) -> "TrainingQuerySet":
        return self.filter(active=True)

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
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_administrator:
            return self.all()
        if user.is_caseworker:
            return self.filter(client__ocmw_id=user.organisation_id)
        if user.is_counsellor:
            return self.filter(
                Q(training__contact_counsellor=user)
                | Q(training__province=user.organisation.province),
                agreed_on__isnull=False,
            )
        return self.none()

    def reportable_to(self, user) -> "ReferralQuerySet":
        """Referrals whose figures (never their personal data) this user may see: a
        counsellor's VDAB region once formally agreed (as `visible_to`: a candidacy must not
        show in VDAB's figures either, or comparing them before and after one would tell
        whether the OCMW knew the number), the network manager's province, otherwise what
        the user sees anyway (a caseworker's OCMW, everything for an administrator)."""
        if user.is_authenticated and user.is_active and not user.is_administrator:
            if user.is_counsellor:
                return self.filter(
                    training__province=user.organisation.province, agreed_on__isnull=False
                )
            if user.is_network_manager:
                return self.filter(client__ocmw__province=user.organisation.province)
        return self.visible_to(user)

    def count_by_state(self) -> dict[str, int]:
        return dict(self.order_by().values_list("state").annotate(total=Count("pk")))

    def with_related(self) -> "ReferralQuerySet":
        return self.select_related(
            "client", "client__ocmw", "training", "training__contact_counsellor"
        )

    def with_interrupted(self) -> "ReferralQuerySet":
        """Each referral with `interrupted`: whether its training is interrupted now (one
        subquery in the same query, for the lists' marker)."""
        return self.annotate(interrupted=interrupted_now())

    def open(self) -> "ReferralQuerySet":
        return self.exclude(state__in=FINAL_STATES)

    def overdue(self, today: datetime.date | None = None) -> "ReferralQuerySet":
        """Steps that have waited longer than agreed: no agreement, no intake, no start, no
        end after the expected end."""
        return self.filter(overdue_condition(today))

    def waiting_for(self, user) -> dict[str, "ReferralQuerySet"]:
        """What waits for this user's action, per kind of work: the referrals in the source
        states of the work's steps (`screen` is admit or reject after the intake)."""
        if user.is_caseworker:
            work = CASEWORKER_WORK
        elif user.is_counsellor:
            work = COUNSELLOR_WORK
        elif user.is_administrator:
            work = ADMINISTRATOR_WORK
        else:
            work = {}
        return {
            kind: self.filter(state__in=source_states(self.model, steps))
            for kind, steps in work.items()
        }


# The work that waits for each role, by kind of work: the steps it takes there.
CASEWORKER_WORK = {"apply": ["apply"], "agree": ["agree"], "close": ["close"]}
COUNSELLOR_WORK = {
    "plan_intake": ["plan_intake"],
    "screen": ["admit", "reject"],
    "start": ["start"],
    "end": ["end"],
    "close": ["close"],
}
ADMINISTRATOR_WORK = {"agree": ["agree"], "plan_intake": ["plan_intake"]}


def source_states(model, steps: list[str]) -> list[str]:
    """The states from which any of `steps` (transition names of `model.state`) can be taken."""
    transitions = model._meta.get_field("state").get_all_transitions(model)
    return sorted({t.source for t in transitions if t.name in steps})
