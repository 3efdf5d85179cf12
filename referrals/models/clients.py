import contextlib
import datetime
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import ssn

from ..enums import TRAJECTORY_STATES, ConsentScope, Gender
from ..textlimits import NOTE, max_length_check, one_line
from .querysets import ClientQuerySet
from .rules import client_rules, temporary_work_experience_rules

INSZ_ERRORS = {
    stdnum_exceptions.InvalidLength: _("A national number has 11 digits."),
    stdnum_exceptions.InvalidFormat: _("A national number contains only digits."),
    stdnum_exceptions.InvalidChecksum: _("The check digits do not match; look for a typing error."),
    stdnum_exceptions.InvalidComponent: _(
        "The birth date in this number does not exist (check day, month and year)."
    ),
}


def validate_insz(value: str) -> None:
    try:
        ssn.validate(value)
    except stdnum_exceptions.ValidationError as exc:
        reason = INSZ_ERRORS.get(type(exc), _("The number is not valid."))
        raise ValidationError(
            _("This is not a valid national number (INSZ): %(reason)s"),
            code="invalid_insz",
            params={"reason": reason},
        ) from exc


# A VDAB client number as VDAB gives it: digits only (typed with spaces, dots or dashes
# at will), of a length that leaves room for VDAB's older and newer numbers.
VDAB_CLIENT_NUMBER_DIGITS = (6, 12)


def compact_vdab_client_number(value: str) -> str:
    """The number without the spaces, dots, dashes and slashes people type in it."""
    return "".join(ch for ch in value if ch not in " .-/\t")


def validate_vdab_client_number(value: str) -> None:
    shortest, longest = VDAB_CLIENT_NUMBER_DIGITS
    if not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("A VDAB client number contains only digits."), code="invalid_vdab_client_number"
        )
    if not shortest <= len(value) <= longest:
        raise ValidationError(
            _("A VDAB client number has %(shortest)d to %(longest)d digits."),
            code="invalid_vdab_client_number",
            params={"shortest": shortest, "longest": longest},
        )


# A national number once per OCMW (`client_unique_insz_per_ocmw`): the client form's check,
# and the save's when two saves of one new client race past it.
DUPLICATE_INSZ = _("Your OCMW already has a client with this national number.")


class InszField(models.CharField):
    """A Belgian national number, stored compact (11 digits) but accepted with the usual
    dots, dashes and spaces."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 11)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return ssn.compact(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{**kwargs, "max_length": 20})


class Client(models.Model):
    """A person the OCMW guides; belongs to exactly one OCMW."""

    ocmw = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("OCMW"),
        on_delete=models.PROTECT,
        related_name="clients",
        limit_choices_to={"kind": "ocmw"},
    )
    first_name = models.CharField(_("first name"), max_length=100, validators=[one_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[one_line])
    insz = InszField(
        _("INSZ (national register or BIS number)"),
        validators=[validate_insz],
        help_text=_("11 digits; birth date and gender are derived from it."),
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[one_line])
    email = models.EmailField(_("e-mail"), blank=True)
    street = models.CharField(
        _("street and number"), max_length=200, blank=True, validators=[one_line]
    )
    postal_code = models.CharField(
        _("postal code"), max_length=10, blank=True, validators=[one_line]
    )
    municipality = models.CharField(
        _("municipality"), max_length=100, blank=True, validators=[one_line]
    )
    registered_job_seeker = models.BooleanField(
        _("registered with VDAB as job seeker"), default=False
    )
    vdab_client_number = models.CharField(_("VDAB client number"), max_length=20, blank=True)
    # The open consent of the OKOT scope, repeated from the history (`Consent`) so that
    # guards, pages and lists read it without a query: written only by
    # `referrals.services.consents`, in the transaction that writes the history row.
    consent_vdab = models.BooleanField(
        _("consents to share data with VDAB"), default=False, editable=False
    )
    consent_date = models.DateField(_("date of consent"), null=True, blank=True, editable=False)
    gpmi = models.BooleanField(_("has a GPMI"), default=False)
    gpmi_date = models.DateField(_("GPMI date"), null=True, blank=True)
    notes = models.TextField(
        _("OCMW notes"), max_length=NOTE, blank=True, help_text=_("Only visible within your OCMW.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set by the retention (`services.retention`): the person's data are gone, the figures'
    # stay, and nothing edits the row any more.
    pseudonymised_at = models.DateTimeField(
        _("pseudonymised on"), null=True, blank=True, editable=False
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["ocmw", "insz"], name="client_unique_insz_per_ocmw"),
            max_length_check("client", "notes", NOTE),
            *client_rules(),
        ]
        indexes = [
            models.Index(fields=["ocmw", "last_name", "first_name"]),
            # The administrator's client list (every OCMW) in its default order.
            models.Index(fields=["last_name", "first_name", "id"], name="client_name_order"),
            # The search (`querysets.client_search`): a national number by its first digits
            # (`LIKE 'x%'`, which a plain index serves only under the C collation; the
            # opclass is PostgreSQL's, ignored elsewhere) and a VDAB client number as
            # `iexact` compares it. The names are searched anywhere in them, which only
            # trigram indexes serve: PostgreSQL's alone, made by migration 0028 and not
            # listed here (see `migrations/_postgres.py`).
            models.Index(
                fields=["insz"], opclasses=["varchar_pattern_ops"], name="client_insz_prefix"
            ),
            models.Index(Upper("vdab_client_number"), name="client_vdab_number_upper"),
        ]

    def __str__(self) -> str:
        if self.is_pseudonymised:
            return _("Pseudonymised client %(number)d") % {"number": self.pk}
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs) -> None:
        # A pseudonymised client's INSZ is a marker: deriving from it would erase the gender.
        if not self.is_pseudonymised:
            self.derive_from_insz()
        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            super().save(*args, **kwargs)
            if update_fields is None or "ocmw" in update_fields or "ocmw_id" in update_fields:
                # Its referrals keep the OCMW this row now has (Referral.ocmw), judged in the
                # database: a save from a copy read before someone else's move is one too.
                self.referrals.exclude(ocmw_id=self.ocmw_id).update(ocmw_id=self.ocmw_id)

    def get_absolute_url(self) -> str:
        return reverse("referrals:client_detail", args=[self.pk])

    def derive_from_insz(self) -> None:
        """Store the INSZ compact and take the birth date and gender from it: `save` does,
        and so must whoever adds clients without it (`bulk_create`)."""
        self.insz = ssn.compact(self.insz)
        self.birth_date, derived_gender = insz_birth_date_and_gender(self.insz)
        if derived_gender:
            self.gender = derived_gender

    def clean(self) -> None:
        if self.is_pseudonymised:
            raise ValidationError(
                _("This client was pseudonymised; their details can no longer be changed.")
            )
        if self.consent_vdab and not self.consent_date:
            raise ValidationError(
                {"consent_date": _("Give the date on which the client consented.")}
            )
        if self.gpmi_date and self.gpmi_date > timezone.localdate():
            raise ValidationError({"gpmi_date": _("The GPMI date lies in the future.")})

    @property
    def is_pseudonymised(self) -> bool:
        return self.pseudonymised_at is not None

    @property
    def has_consent(self) -> bool:
        return self.consent_vdab and self.consent_date is not None

    def consent_withdrawn_on(self, consents=None) -> datetime.date | None:
        """When the client withdrew the consent to share data with VDAB, while no new
        consent holds; None otherwise (and without a query while consent holds, or from
        the client's `consents` when the caller has them already)."""
        if self.has_consent:
            return None
        if consents is not None:
            days = (c.withdrawn_on for c in consents if c.scope == ConsentScope.OKOT)
            return max((day for day in days if day), default=None)
        return (
            self.consents.filter(scope=ConsentScope.OKOT)
            .withdrawn()
            .order_by("-withdrawn_on", "-pk")
            .values_list("withdrawn_on", flat=True)
            .first()
        )

    def has_name(self, first_name: str, last_name: str) -> bool:
        """Whether this is the client's name, regardless of case and spaces. Whoever finds a
        client by national number checks the name too: a typing error in the number would
        otherwise link a stranger's file."""
        return name_key(self.first_name, self.last_name) == name_key(first_name, last_name)

    def temporary_work_experiences_from(
        self, start: datetime.date, end: datetime.date | None = None
    ) -> models.QuerySet:
        """The client's temporary work experiences that run on a day from `start` to `end`
        (None: any day from `start` on), earliest first."""
        found = self.temporary_work_experiences.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=start)
        )
        if end is not None:
            found = found.filter(start_date__lte=end)
        return found.order_by("start_date", "pk")

    def temporary_work_experience_from(self, start: datetime.date):
        """The earliest of `temporary_work_experiences_from(start)`, or None: from those the
        caller read already, inside `temporary_work_experiences_read`."""
        read = getattr(self, "_experiences_read", None)
        if read is None:
            return self.temporary_work_experiences_from(start).first()
        return next((e for e in read if e.end_date is None or e.end_date >= start), None)

    @contextlib.contextmanager
    def temporary_work_experiences_read(self, experiences: list) -> Iterator[None]:
        """Answer every check inside the block (`temporary_work_experience_from`) from
        `experiences`, all the client's temporary work experiences, earliest first, as the
        caller read them once it held the client's row (`services.locks.client_locked`): the
        formal agreement asks in its guard before the step, again when the transition runs,
        and for its date; the start asks in its transition. Outside the block each check
        reads them again."""
        self._experiences_read = experiences
        try:
            yield
        finally:
            del self._experiences_read

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_date:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


def name_key(first_name: str, last_name: str) -> tuple[str, str]:
    """A name as `Client.has_name` compares it: case folded, spaces collapsed."""
    return (" ".join(first_name.casefold().split()), " ".join(last_name.casefold().split()))


def insz_birth_date_and_gender(insz: str) -> tuple[datetime.date | None, str]:
    """Read birth date and gender from a valid INSZ (gender only when it is not a BIS number
    with unknown gender)."""
    try:
        birth_date = ssn.get_birth_date(insz)
    except (stdnum_exceptions.ValidationError, ValueError):
        birth_date = None
    try:
        gender = ssn.get_gender(insz)
    except (stdnum_exceptions.ValidationError, ValueError):
        gender = None
    return birth_date, {"M": Gender.MALE, "F": Gender.FEMALE}.get(gender or "", "")


class TemporaryWorkExperience(models.Model):
    """A 'tijdelijke werkervaring' (former article 60) period. An OKOT cannot run alongside
    one: it blocks the formal agreement and the start (`guards`), and one that would overlap
    a trajectory in progress is refused (`check_trajectories`)."""

    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="temporary_work_experiences",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    employer = models.CharField(_("workplace"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("temporary work experience")
        verbose_name_plural = _("temporary work experiences")
        ordering = ["-start_date"]
        constraints = temporary_work_experience_rules()

    def __str__(self) -> str:
        return f"{self.client}: {self.start_date} – {self.end_date or '…'}"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        self.check_trajectories()

    def period_text(self) -> str:
        """Its days and workplace, as a message names them (the OCMW's side only: VDAB
        does not see a client's temporary work experiences)."""
        values = {
            "start": formats.date_format(self.start_date, "SHORT_DATE_FORMAT"),
            "end": self.end_date and formats.date_format(self.end_date, "SHORT_DATE_FORMAT"),
            "workplace": self.employer or _("a workplace not named"),
        }
        if self.end_date is None:
            return _("at %(workplace)s from %(start)s, without an end date") % values
        return _("at %(workplace)s from %(start)s to %(end)s") % values

    def check_trajectories(self) -> None:
        """Refuse a period that overlaps an OKOT trajectory of the client in progress
        (`Referral.trajectory_period`), naming it.

        Refused rather than let in with a warning to both sides: the OCMW is the employer of
        a temporary work experience and decides on it, VDAB cannot see it (a warning could
        only tell VDAB what is not theirs to know), and a record of both at once would be
        contradictory data in the figures. The caseworker first withdraws the referral or
        has VDAB record the end of the training; a period after the trajectory is fine, and
        so is a change that only shortens a period already recorded (ending it)."""
        if self.client_id is None or self.start_date is None or self._only_shortens():
            return
        referrals = self.client.referrals.filter(state__in=TRAJECTORY_STATES).select_related(
            "training"
        )
        for referral in referrals.order_by("agreed_on", "pk"):
            first, last = referral.trajectory_period()
            if self.end_date is not None and self.end_date < first:
                continue
            if last is not None and self.start_date > last:
                continue
            raise ValidationError(
                referral.temporary_work_experience_conflict(self), code="okot_trajectory"
            )

    def _only_shortens(self) -> bool:
        stored = (
            TemporaryWorkExperience.objects.filter(pk=self.pk)
            .values_list("start_date", "end_date")
            .first()
            if self.pk is not None
            else None
        )
        if stored is None:
            return False
        start, end = stored
        return self.start_date >= start and (
            end is None or (self.end_date is not None and self.end_date <= end)
        )
