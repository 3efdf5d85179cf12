# When an import job's task was last handed to the broker, for the relay that queues again
# the task of a job whose task is lost (`referrals.imports.jobs.relay`). Jobs before this
# migration get the moment it ran: every one of them is ended, or is queued again by the
# first relay after NOTIFY_QUEUE_PATIENCE.

import django.utils.timezone
from django.db import migrations, models


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
    ]
