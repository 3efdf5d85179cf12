"""Files attached to a referral: the signed formal agreement, the training contract,
attendance certificates, the diploma. Both sides of the referral see them, nobody else
(`DocumentQuerySet.visible_to`); the file is kept in the private `documents` storage
(`referrals.storage`) under a random name and served only through the app.

Added by `services.document_add`, removed by `services.document_remove` (who added it,
shortly after, or the administrator): the OCMW keeps them as proof for the integration
income and the GPMI, so that a document stays once its window for a mistake has passed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..enums import DocumentKind
from ..storage import document_storage

DESCRIPTION = 200


def document_path(instance, filename: str) -> str:
    """A random name in a folder per month: nothing of the person nor of the name typed
    (the original name is `Document.original_name`)."""
    return f"{instance.added_at:%Y/%m}/{uuid.uuid4().hex}"


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DocumentQuerySet":
        """The documents of the referrals `user` sees: both sides, and the administrator;
        VDAB's side only while the client consents to share data with VDAB (after a
        withdrawal VDAB keeps only the name: `access.may_see_documents`)."""
        from .referral import Referral

        referrals = Referral.objects.visible_to(user)
        if user.is_authenticated and user.is_counsellor and not user.is_administrator:
            referrals = referrals.filter(
                client__consent_vdab=True, client__consent_date__isnull=False
            )
        return self.filter(referral__in=referrals)


class Document(models.Model):
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind of document"), max_length=30, choices=DocumentKind.choices)
    description = models.CharField(
        _("description"),
        max_length=DESCRIPTION,
        blank=True,
        help_text=_("For instance the period an attendance certificate covers."),
    )
    file = models.FileField(
        _("file"), storage=document_storage, upload_to=document_path, max_length=100
    )
    original_name = models.CharField(_("file name"), max_length=150, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("type of file"), max_length=100)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"))

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="document_not_empty",
                violation_error_message=_("The file is empty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.added_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("referrals:document_download", args=[self.pk])
