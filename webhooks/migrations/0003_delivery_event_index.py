# The admin's search of the webhook deliveries by an event id (`admin.DeliveryAdmin`): an
# index of its own, as the unique key `webhook_delivery_once` leads with the subscription.
# Without it, PostgreSQL read every delivery (one per event and subscription) for each
# search.
#
# Built concurrently on PostgreSQL (`atomic = False`): if it stops halfway, drop the index
# (left invalid), then migrate again.

from django.db import migrations, models

from referrals.migrations._postgres import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("webhooks", "0002_administrator_permissions"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="delivery",
            index=models.Index(fields=["event_id"], name="webhook_delivery_event"),
        ),
    ]
