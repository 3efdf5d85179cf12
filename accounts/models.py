import enum

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


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

    # A choice of OCMW lists all 300 of Flanders: read as their names alone
    # (`referrals.formfields.RowChoices`).
    choice_columns = ("name",)

    @staticmethod
    def choice_label(name: str) -> str:
        return name

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
        return self.choice_label(self.first_name, self.last_name, self.username)

    # A choice of colleague lists a region's hundred counsellors or an OCMW's caseworkers
    # (the handover, the responsible person): read as these columns alone, rather than as
    # users with their organisation (`referrals.formfields.RowChoices`).
    choice_columns = ("first_name", "last_name", "username")

    @staticmethod
    def choice_label(first_name: str, last_name: str, username: str) -> str:
        """As `get_full_name() or username`."""
        return f"{first_name} {last_name}".strip() or username

    @property
    def is_caseworker(self) -> bool:
        return self._holds(Role.CASEWORKER)

    @property
    def is_counsellor(self) -> bool:
        return self._holds(Role.COUNSELLOR)

    @property
    def is_network_manager(self) -> bool:
        return self._holds(Role.NETWORK_MANAGER)

    @property
    def is_administrator(self) -> bool:
        return self._holds(Role.ADMINISTRATOR)

    @property
    def has_role(self) -> bool:
        """Holds one of the four roles."""
        return any(self._holds(role) for role in Role)

    def _holds(self, role: "Role") -> bool:
        """`role.held_by(self)`, asked once per user object while it stays active, of the same
        organisation and as much a superuser (a list asks it of every row): its permissions
        are read once per object all the same (Django's `_perm_cache`), so this is as fresh
        as they are; code that drops that cache drops `_roles_held` too."""
        held = self.__dict__.setdefault("_roles_held", {})
        key = (role, self.is_active, self.organisation_id, self.is_superuser)
        if key not in held:
            held[key] = role.held_by(self)
        return held[key]


class Role(enum.StrEnum):
    """A role of the application, defined once: a Group (named by the role's value) grants one
    permission, and the role is held by an active user of one kind of organisation.

    `held_by(user)` answers for one user (`User.is_caseworker` and friends ask it);
    `holders()` is the same rule as a query, to find whom to tell. Both read the permission,
    never the group (`held_by` through Django's own `has_perm`), so that an administrator
    may shape a role in Django admin (or grant its permission to one person) without touching
    code. The groups are made by a data migration (referrals/migrations/0002_roles_...)."""

    CASEWORKER = gettext_noop("OCMW caseworker")
    COUNSELLOR = gettext_noop("VDAB counsellor")
    NETWORK_MANAGER = gettext_noop("Network manager")
    ADMINISTRATOR = gettext_noop("Administrator")

    @property
    def permission(self) -> str:
        return ROLE_GRANTS[self][0]

    @property
    def organisation_kind(self) -> str | None:
        """The kind of organisation the role's holders work for (None: any, or none)."""
        return ROLE_GRANTS[self][1]

    def held_by(self, user) -> bool:
        if not user.is_active or not user.has_perm(self.permission):
            return False
        kind = self.organisation_kind
        if kind is not None and (user.organisation_id is None or user.organisation.kind != kind):
            return False
        # A counsellor who may also see the province's figures is a counsellor.
        return self is not Role.NETWORK_MANAGER or not user.has_perm(Role.COUNSELLOR.permission)

    def holders(self) -> models.QuerySet:
        """The users who hold this role, as `held_by` decides it: active, granted the
        permission by one of their groups, to them alone or as superusers (whom Django's
        `with_perm` finds, and `has_perm` answers for).

        Each grant is an `EXISTS` of its own, which starts from the user's own rows: one
        `EXISTS` over both (`with_perm`'s) joins every holder of a group to the permission
        and tries each for every user, 53 ms for a region's hundred counsellors (the
        choices of a warm handover, the people a step tells) where these take 1."""
        app_label, codename = self.permission.split(".")
        granted = {"content_type__app_label": app_label, "codename": codename}
        by_group = Permission.objects.filter(group__user=models.OuterRef("pk"), **granted)
        to_them = Permission.objects.filter(user=models.OuterRef("pk"), **granted)
        users = User.objects.filter(
            models.Q(is_superuser=True) | models.Exists(by_group) | models.Exists(to_them),
            is_active=True,
        )
        if self.organisation_kind is not None:
            users = users.filter(organisation__kind=self.organisation_kind)
        if self is Role.NETWORK_MANAGER:
            users = users.exclude(pk__in=Role.COUNSELLOR.holders().values("pk"))
        return users


# What each role grants, and to whom: (permission, kind of organisation).
ROLE_GRANTS = {
    Role.CASEWORKER: ("accounts.act_as_caseworker", Organisation.Kind.OCMW),
    Role.COUNSELLOR: ("accounts.act_as_counsellor", Organisation.Kind.VDAB),
    Role.NETWORK_MANAGER: ("accounts.view_province_reports", Organisation.Kind.VDAB),
    Role.ADMINISTRATOR: ("accounts.administer_referrals", None),
}
