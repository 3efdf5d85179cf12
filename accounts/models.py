from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.TextChoices):
    ANTWERPEN = "antwerpen", _("Antwerpen")
    LIMBURG = "limburg", _("Limburg")
    OOST_VLAANDEREN = "oost_vlaanderen", _("Oost-Vlaanderen")
    VLAAMS_BRABANT = "vlaams_brabant", _("Vlaams-Brabant")
    WEST_VLAANDEREN = "west_vlaanderen", _("West-Vlaanderen")
    BRUSSEL = "brussel", _("Brussel")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        OCMW = "ocmw", _("OCMW")
        VDAB = "vdab", _("VDAB")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices)
    email = models.EmailField(_("general e-mail address"), blank=True)
    phone = models.CharField(_("general phone number"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ocmw(self) -> bool:
        return self.kind == self.Kind.OCMW

    @property
    def is_vdab(self) -> bool:
        return self.kind == self.Kind.VDAB


class User(AbstractUser):
    """A person who logs in; belongs to one organisation (administrators may have none)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    work_phone = models.CharField(
        _("direct work phone"),
        max_length=30,
        blank=True,
        help_text=_("Shown to the other side for the warm handover."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="nl-be",
        help_text=_("Messages and e-mails reach you in this language."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("act_as_caseworker", _("Can act as OCMW caseworker")),
            ("act_as_counsellor", _("Can act as VDAB counsellor")),
            ("view_province_reports", _("Can view the reports of their province")),
            ("administer_referrals", _("Can correct any referral as administrator")),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    # Roles are Groups (see accounts.roles); these read the permissions the groups carry,
    # so an administrator can shape a role in Django admin without touching code.
    @property
    def is_caseworker(self) -> bool:
        return (
            self.organisation_id is not None
            and self.organisation.is_ocmw
            and self.has_perm("accounts.act_as_caseworker")
        )

    @property
    def is_counsellor(self) -> bool:
        return (
            self.organisation_id is not None
            and self.organisation.is_vdab
            and self.has_perm("accounts.act_as_counsellor")
        )

    @property
    def is_network_manager(self) -> bool:
        return (
            self.organisation_id is not None
            and self.organisation.is_vdab
            and self.has_perm("accounts.view_province_reports")
            and not self.has_perm("accounts.act_as_counsellor")
        )

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (
            self.is_superuser or self.has_perm("accounts.administer_referrals")
        )

    @property
    def has_role(self) -> bool:
        """Holds one of the four roles (and may therefore see figures)."""
        return (
            self.is_caseworker
            or self.is_counsellor
            or self.is_network_manager
            or self.is_administrator
        )
