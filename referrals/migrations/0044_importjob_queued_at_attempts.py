# An import job's task can be lost, and its worker too (`referrals.imports.jobs`): when its
# task was last handed to the broker (`queued_at`), for beat's relay to queue again a job
# whose task is lost (`jobs.stranded`), and how many times a worker took it up (`attempts`),
# to give up after a few lost workers.
#
# Jobs that were stuck before this migration (not ended a day after they started: the
# largest import takes under a minute) end failed, their file dropped, rather than be
# imported now, unasked; a job not ended that started less than a day ago is its task's,
# or the relay's once that task has waited NOTIFY_QUEUE_PATIENCE since the job started.

import datetime

import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone, translation

# `imports.jobs.lost_message`, as it was written (its translations are that function's).
LOST = (
    "The import did not finish: the worker running it was lost. Upload the file again; "
    "rows already imported are skipped."
)


def end_stuck_jobs(apps, schema_editor):
    ImportJob = apps.get_model("referrals", "ImportJob")
    now = timezone.now()
    open_jobs = ImportJob.objects.exclude(status__in=["done", "failed"])
    stuck = open_jobs.filter(created_at__lt=now - datetime.timedelta(days=1))
    for language in set(stuck.values_list("language", flat=True)):
        with translation.override(language or None):
            failure = translation.gettext(LOST)
        stuck.filter(language=language).update(
            status="failed", content=b"", finished_at=now, failure=failure
        )
    open_jobs.update(queued_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0043_candidacy_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="queued_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="queued at"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.RunPython(end_stuck_jobs, migrations.RunPython.noop, elidable=True),
    ]
