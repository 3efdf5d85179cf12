from django.conf import settings
from django.db import connections, models, router
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from referrals.models.choices import ChoiceLabels
from referrals.models.visibility import referral_visibility

from .deliverable import Deliverable, DeliveryStatus


class Kind(models.TextChoices):
    """What a message is about; users may switch e-mail off per kind."""

    CANDIDACY_REGISTERED = "candidacy_registered", _("Candidacy registered by VDAB")
    WARM_HANDOVER = "warm_handover", _("Warm handover after the formal agreement")
    CALL_COUNSELLOR = "call_counsellor", _("Call the counsellor for the warm handover")
    DECLINED = "declined", _("No formal agreement")
    WITHDRAWN = "withdrawn", _("Referral withdrawn")
    INTAKE_PLANNED = "intake_planned", _("Intake planned")
    ADMITTED = "admitted", _("Admitted after the screening")
    NOT_ADMITTED = "not_admitted", _("Not admitted after the screening")
    STARTED = "started", _("Training started")
    ENDED = "ended", _("Training ended")
    CONTINUED_GUIDANCE = "continued_guidance", _("Agree who continues the guidance to work")
    GUIDANCE_NOTE = "guidance_note", _("Guidance note from the other side")
    INTERRUPTION = "interruption", _("Training interrupted or resumed")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent to share data withdrawn")
    VDAB_REGISTERED = "vdab_registered", _("Registration with VDAB recorded")
    SCHOOL_YEAR_RECORDED = "school_year_recorded", _("School year recorded")
    HANDOVER_RECORDED = "handover_recorded", _("Warm handover recorded")
    DOCUMENT_ADDED = "document_added", _("Document added to a referral")
    MADE_RESPONSIBLE = "made_responsible", _("Made responsible for a referral")
    REMINDER_NO_INTAKE = "reminder_no_intake", _("Reminder: no intake planned yet")
    REMINDER_NO_START = "reminder_no_start", _("Reminder: training not started yet")
    REMINDER_OUTCOME_DUE = "reminder_outcome_due", _("Reminder: outflow check-up due")
    REMINDER_NO_HANDOVER = "reminder_no_handover", _("Reminder: no warm handover recorded")
    REMINDER_END_EXPECTED = "reminder_end_expected", _("Reminder: the expected end has passed")


# What must reach its reader at once, even one who chose the daily digest: the warm handover
# is to be passed on "preferably by phone" right after the formal agreement (DOMAIN.md), so
# the counsellor is to expect the call and the caseworker is asked to make it.
AT_ONCE = frozenset({Kind.WARM_HANDOVER, Kind.CALL_COUNSELLOR})

# The daily digest is an outbox row of its own, about no one thing: a kind of row, not a kind
# of message (nobody switches it off per kind, the inbox does not list it).
DAILY_DIGEST = "daily_digest"
ROW_KINDS = [*Kind.choices, (DAILY_DIGEST, _("Daily digest"))]


class EmailFrequency(models.TextChoices):
    """How a user gets their messages by e-mail (the in-app message comes either way)."""

    EACH = "each", _("An e-mail per message")
    DAILY = "daily", _("One e-mail a day with everything of that day")


class NotificationQuerySet(models.QuerySet):
    def inbox_of(self, user) -> "NotificationQuerySet":
        """The user's in-app messages about what they may still see: a message about a
        referral outside `Referral.objects.visible_to(user)` (they moved to another OCMW or
        region, or lost their role) is no longer theirs to read, count or open. One query
        still: what the user sees is a condition on each message's referral."""
        mine = self.filter(recipient=user, channel=Notification.Channel.IN_APP)
        visible = referral_visibility(user, prefix="referral__")
        return mine if visible is None else mine.filter(Q(referral__isnull=True) | visible)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def pseudonymise(self) -> None:
        """Empty these messages: the retention pseudonymised their referral's client, whom
        subject and text name. The subject becomes the message's kind, in the recipient's
        language; an e-mail not sent yet is not sent any more."""
        found = self.order_by().values_list("recipient__language", "kind").distinct()
        for language, kind in found:
            with translation.override(language or settings.LANGUAGE_CODE):
                subject = str(Kind(kind).label) if kind in Kind.values else kind
            self.filter(recipient__language=language, kind=kind).update(
                subject=subject, body="", body_html=""
            )
        self.filter(status__in=[Notification.Status.PENDING, Notification.Status.SENDING]).update(
            status=Notification.Status.FAILED,
            last_error="Not sent: the client was pseudonymised (retention).",
        )


class Notification(ChoiceLabels, Deliverable):
    """One message to one person on one channel: the outbox row, written in the same
    transaction as the step that causes it, delivered after commit."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        IN_APP = "in_app", _("in the app")

    # The delivery state (status, attempts, claim, queue) is the engine's (`Deliverable`).
    Status = DeliveryStatus

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=ROW_KINDS)
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML text"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # An in-app message whose e-mail goes in its reader's daily digest instead of its own,
    # and the digest that carried it (empty while it waits).
    in_digest = models.BooleanField(_("in the daily digest"), default=False)
    digest = models.ForeignKey(
        "self",
        verbose_name=_("daily digest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="digested",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["channel", "status", "created_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(
                fields=["recipient"],
                condition=Q(in_digest=True, digest__isnull=True),
                name="notification_awaits_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_channel_display()})"

    def get_absolute_url(self) -> str:
        if self.referral_id:
            return reverse("referrals:referral_detail", args=[self.referral_id])
        return reverse("notifications:inbox")

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = timezone.now()
            self.save(update_fields=["read_at"])


class EmailOptOut(models.Model):
    """A user who does not want e-mail for one kind of message (the in-app message stays)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)

    class Meta:
        verbose_name = _("e-mail switched off")
        verbose_name_plural = _("e-mails switched off")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class EmailPreference(models.Model):
    """How often a user gets e-mail; without a row, an e-mail per message."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="email_preference",
    )
    frequency = models.CharField(
        _("how often"),
        max_length=10,
        choices=EmailFrequency.choices,
        default=EmailFrequency.EACH,
    )

    class Meta:
        verbose_name = _("e-mail frequency")
        verbose_name_plural = _("e-mail frequencies")

    def __str__(self) -> str:
        return f"{self.user}: {self.get_frequency_display()}"


def email_choices(users, kinds) -> tuple[set[tuple[int, str]], set[int]]:
    """What the users `users` (ids) chose for their e-mail: which of `kinds` each switched
    off, as (user id, kind), and who reads the daily digest (ids). One query: the opt-outs,
    and the daily readers as rows of no kind, in one UNION ALL (cheaper than two queries
    and than the users with a subquery each), written from the models' tables: Django took
    longer building it as a union of querysets than the database answering it, in every
    step that tells someone."""
    users, kinds = list(users), [str(kind) for kind in kinds]
    connection = connections[router.db_for_read(EmailOptOut)]
    qn = connection.ops.quote_name

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    def among(values: list) -> str:
        return ", ".join(["%s"] * len(values)) or "NULL"  # none: a list that matches nothing

    opt_outs, preferences = EmailOptOut._meta.db_table, EmailPreference._meta.db_table
    # Names from the models, values as parameters.
    statement = (
        f"SELECT {column(EmailOptOut, 'user')}, {column(EmailOptOut, 'kind')}"  # noqa: S608
        f" FROM {qn(opt_outs)} WHERE {column(EmailOptOut, 'user')} IN ({among(users)})"
        f" AND {column(EmailOptOut, 'kind')} IN ({among(kinds)})"
        f" UNION ALL SELECT {column(EmailPreference, 'user')}, ''"
        f" FROM {qn(preferences)} WHERE {column(EmailPreference, 'user')} IN ({among(users)})"
        f" AND {column(EmailPreference, 'frequency')} = %s"
    )
    switched_off, readers = set(), set()
    with connection.cursor() as cursor:
        cursor.execute(statement, [*users, *kinds, *users, EmailFrequency.DAILY.value])
        for user_id, kind in cursor.fetchall():
            if kind:
                switched_off.add((user_id, kind))
            else:
                readers.add(user_id)
    return switched_off, readers
