from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import IMPORT_JOB_ENDED, ImportJobStatus


class ImportJobQuerySet(models.QuerySet):
    def end(self, status: str, **fields) -> int:
        """End these jobs in `status`, dropping their files (they hold national numbers)."""
        return self.update(status=status, content=b"", finished_at=timezone.now(), **fields)


class ImportJob(models.Model):
    """An administrator's upload of existing trajectories, checked and imported by a Celery
    task (`referrals.tasks.run_import`) so that no web request waits for it.

    The file's bytes are kept only until the job ends (they hold national numbers); its
    name and checksum stay, to tell which file it was. `result` holds the ImportResult's
    counts and the file's errors (`imports.ImportResult.as_json`)."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    # When its task was last handed to the broker: a job not ended whose task has waited
    # longer than NOTIFY_QUEUE_PATIENCE is presumed lost and queued again
    # (`imports.jobs.stranded`, `tasks.relay_imports`).
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    content = models.BinaryField(_("file content"), blank=True, default=b"")
    language = models.CharField(_("language"), max_length=10)  # of its messages
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportJobStatus.choices,
        default=ImportJobStatus.QUEUED,
    )
    # How many times a worker took it up: more than one only when a worker was lost.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    failure = models.CharField(_("failure"), max_length=500, blank=True)  # our own message
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def ended(self) -> bool:
        return self.status in IMPORT_JOB_ENDED
