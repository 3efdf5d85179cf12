"""What the API keeps of its own: the tokens partner systems authenticate with, and the
answers to POSTs sent with an Idempotency-Key."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.two_factor import second_factor_required

# A token reads `okot_` followed by 43 URL-safe characters (32 random bytes); the prefix
# lets secret scanners (GitHub's, GitLab's) recognise one that leaked into a repository.
TOKEN_PREFIX = "okot_"  # noqa: S105 (a prefix, not a secret)


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256. A token is 256 random bits, so a plain hash
    is enough (no salt or slow hash: nothing to guess), and it can be looked up."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_hold_a_token(user) -> bool:
    """Whom a token may act as: an active user of one organisation who works without a
    second factor (a caseworker, a counsellor). Never an administrator, staff or a
    superuser: a token would be a way around their second factor. Asked when a token is
    made and at every request, for a user who became one of those since."""
    return user.is_active and user.organisation_id is not None and not second_factor_required(user)


def default_expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now: datetime.datetime | None = None) -> "ApiTokenQuerySet":
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A partner system's key to the API, acting as one user of one organisation: it sees
    and does exactly what that user may. Created and revoked by an administrator; the token
    itself is shown once, when it is created, and only its digest is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,  # the trail of what a token did names its user
        related_name="api_tokens",
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("Which system uses it, for example “OCMW Gent: Mens”."),
    )
    key_digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    # The first characters after the prefix, to recognise a token in a list or a log.
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"), default=default_expiry)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def issue(self) -> str:
        """A new secret for this token (not saved): returns it, keeps only its digest."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.key_digest = digest(token)
        self.hint = token[: len(TOKEN_PREFIX) + 6]
        return token

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotentRequest(models.Model):
    """A POST sent with an `Idempotency-Key` that succeeded: a retry with the same key gets
    the same answer again (api.idempotency). Only a reference is kept, never the answer
    itself: a replay reads the record again through the caller's access, as a GET would,
    so no copy of anyone's data lies here. Keys are the caller's own: two users may use
    the same one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # What was asked (method, path and body), so that a key reused for another request is
    # refused instead of answered with the wrong response.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    # The id of what the first answer showed (the referral, the note, the candidacy).
    resource_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return self.key
