"""The audit trail: who read or changed which person's data, when and from where.

Append-only: a row is only ever added. `Entry.save` refuses an update, the queryset refuses
`update()` and `delete()`, the admin is read-only, and on PostgreSQL a trigger refuses
UPDATE and DELETE in the database itself (migration 0001), except the deletion of rows older
than a recorded `Purge`, which is how the trail's own retention (`OKOT_AUDIT_RETENTION_DAYS`)
removes them: the purge leaves its own row.

A row names the client and the referral by their ids, not by a foreign key: the trail
outlives what it recorded (a deleted client, an import rolled back), and nothing that
happens to a client may change it. A row about one client and/or referral names them in
`client_id` and `referral_id`; a read that shows several (a list, a search, a download) is
one row that names them all in `client_ids` and `referral_ids`. `Entry.objects.about_client`
and `about_referrals` find a person's rows in either. Rows written before the lists existed
(a row per client shown, up to migration 0006) stay as they were: the same queries find them."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Someone tried to change or delete a row of the audit trail."""


class Kind(models.TextChoices):
    # Accounts
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    LOCKOUT = "lockout", _("Locked out")
    UNLOCK = "unlock", _("Unlocked")
    SECOND_FACTOR = "second_factor", _("Second factor")
    # Reads of personal data
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    PRINT = "print", _("Printed")
    EXPORT = "export", _("Exported or downloaded")
    # Changes
    CHANGE = "change", _("Changed")
    IMPORT = "import", _("Imported")
    USER_CHANGE = "user_change", _("User or role changed")
    RETENTION = "retention", _("Retention applied")


class IdList(models.JSONField):
    """The ids of the clients (or referrals) a read showed, as a JSON list of numbers; NULL
    on a row about one or none. `field__holds=n`: the rows whose list has `n`."""


@IdList.register_lookup
class Holds(models.Lookup):
    """`ids__holds=n`: the list holds the number `n`. On PostgreSQL `ids @> '[n]'`, which a
    GIN index answers (migrations 0007, 0008); elsewhere SQLite's `json_each`, row by row."""

    lookup_name = "holds"
    prepare_rhs = False

    def get_prep_lookup(self):
        if type(self.rhs) is not int:
            raise TypeError(f"ids__holds takes a number, not {self.rhs!r}.")
        return self.rhs

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            # The column from the compiler, the number a parameter.
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",  # noqa: S608
            [*lhs_params, self.rhs],
        )

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @> %s::jsonb", [*lhs_params, json.dumps([self.rhs])]


class EntryQuerySet(models.QuerySet):
    def about_client(self, client_id: int):
        """The rows about this client: the one it is the subject of, and the reads of
        several that showed it."""
        return self.filter(models.Q(client_id=client_id) | models.Q(client_ids__holds=client_id))

    def about_referrals(self, referral_ids):
        """The rows about any of these referrals, alone or among others."""
        referral_ids = list(referral_ids)
        about = models.Q(referral_id__in=referral_ids)
        for referral_id in referral_ids:
            about |= models.Q(referral_ids__holds=referral_id)
        return self.filter(about)

    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only.")


class Entry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Who: the user (kept as the id they had, whatever happens to the account later), their
    # user name and organisation at that moment.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        # The index (actor, at) below finds a user's rows: no second index to keep up on
        # every row the trail writes.
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # (organisation, at) below
        null=True,
        blank=True,
        related_name="+",
    )
    # About whom.
    client_id = models.PositiveBigIntegerField(_("client number"), null=True, blank=True)
    referral_id = models.PositiveBigIntegerField(_("referral number"), null=True, blank=True)
    # About whom, when a read showed several: one row for the page, not one per client.
    client_ids = IdList(_("client numbers"), null=True, blank=True)
    referral_ids = IdList(_("referral numbers"), null=True, blank=True)
    # From where: the page (URLs carry no personal data) and the address.
    path = models.CharField(_("page"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # What: the fields before and after a change, the hits of a search, an import's
    # checksum... never a national number in clear.
    detail = models.JSONField(_("detail"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit trail entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["client_id", "at"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["organisation", "at"]),
            models.Index(fields=["kind", "at"]),
            # The admin's search by user name (also a failed login's name tried).
            models.Index(fields=["actor_name", "at"]),
            # A referral's rows: the admin's filter, and a client's subject access (their
            # referrals' rows beside their own). Only the rows about a referral.
            models.Index(
                fields=["referral_id", "at"],
                name="audit_entry_referral_at",
                condition=models.Q(referral_id__isnull=False),
            ),
        ]
        constraints = [
            # A row names its subject in one shape: one client and/or referral, or lists.
            models.CheckConstraint(
                condition=models.Q(client_ids__isnull=True, referral_ids__isnull=True)
                | models.Q(client_id__isnull=True, referral_id__isnull=True),
                name="audit_entry_one_subject_or_lists",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '—'}: {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    @property
    def clients(self) -> list[int]:
        """The clients the row is about: its client, or those a read of several showed."""
        return [self.client_id] if self.client_id is not None else self.client_ids or []

    @property
    def referrals(self) -> list[int]:
        """The referrals the row is about, in the same way."""
        return [self.referral_id] if self.referral_id is not None else self.referral_ids or []


class Purge(models.Model):
    """One application of the trail's retention: the rows before `cutoff` were deleted.

    The database lets a row of the trail be deleted only when a purge with a later cutoff
    was recorded first (PostgreSQL's trigger), so that no deletion leaves no trace."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    cutoff = models.DateTimeField(_("rows before"))
    deleted = models.PositiveBigIntegerField(_("rows deleted"), default=0)

    class Meta:
        verbose_name = _("audit trail purge")
        verbose_name_plural = _("audit trail purges")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d}: < {self.cutoff:%Y-%m-%d}"
