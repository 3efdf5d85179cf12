"""The embedded defaults of `make demo`: SQLite, tasks in-process, mail to the console."""

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = True
SECRET_KEY = SECRET_KEY or "django-insecure-local-development-only"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Webhooks: `make demo` may post to a receiver on this machine.
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", True)
