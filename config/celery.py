"""The Celery application; tasks are discovered in every installed app."""

import logging
import logging.config
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("okot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def log_as_the_web_app(loglevel=None, **kwargs):
    """The worker and beat log as the web app does (settings.LOGGING: JSON in production,
    without personal data) instead of Celery's own format; at `--loglevel`, as before."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
