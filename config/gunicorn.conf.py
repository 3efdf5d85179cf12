"""gunicorn's settings, one file for the Dockerfile and docker compose alike.

gunicorn reads it by path (`gunicorn --config config/gunicorn.conf.py`); nothing imports it.
Only the number of workers comes from the environment: `WEB_CONCURRENCY`, the name gunicorn
and hosting platforms use for it.
"""

import os

wsgi_app = "config.wsgi:application"
# Every interface of the container; compose publishes the port on 127.0.0.1 only.
bind = "0.0.0.0:8000"  # noqa: S104
# Sync workers, one request at a time each; gunicorn advises two to four per core.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A worker silent this long is killed and replaced. The largest page, the reports workbook,
# takes a few seconds on a million referrals; a minute leaves room without hiding a hang.
timeout = 60
# On SIGTERM, requests in flight get this long to finish (the web service's
# stop_grace_period in docker-compose.yml is longer).
graceful_timeout = 25
accesslog = "-"  # stdout, with the error log (stderr): `docker compose logs web`
# No runtime control socket (gunicornc): nobody uses it, and its default place, the app user's
# home (/app in the image), is not writable.
control_socket_disable = True
