"""The Celery application; tasks are discovered in every installed app."""

import logging
import logging.config
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("okot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def publish_once(task, args: tuple = (), **options):
    """`task.apply_async(args, **options)`, trying the broker once. If it is down, kombu's
    OperationalError (which it raises for the transport's connection errors) comes after one
    connection attempt (at most the 5 s socket timeouts of CELERY_BROKER_TRANSPORT_OPTIONS),
    for the caller to leave the work to whatever picks it up later, rather than after
    kombu's retries of the connection (some 6 s against a stopped Redis) while a request
    or a task waits. `retry_policy={"max_retries": 0}` rather than `retry=False`: without a
    policy kombu retries the connection by itself."""
    return task.apply_async(args, retry_policy={"max_retries": 0}, **options)


@signals.setup_logging.connect
def log_as_the_web_app(loglevel=None, **kwargs):
    """The worker and beat log as the web app does (settings.LOGGING: JSON in production,
    without personal data) instead of Celery's own format; at `--loglevel`, as before."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
