"""gunicorn's settings, one file for the Dockerfile and docker compose alike.

gunicorn reads it by path (`gunicorn --config config/gunicorn.conf.py`); nothing imports it.
From the environment: the number of workers, `WEB_CONCURRENCY` (the name gunicorn and
hosting platforms use for it); the format of gunicorn's own log lines, `LOG_FORMAT`; and
where the workers keep their request metrics, `PROMETHEUS_MULTIPROC_DIR`.
"""

import os
import shutil as _shutil
import tempfile as _tempfile
from pathlib import Path as _Path

from gunicorn.glogging import Logger as _Logger

from operations.logs import JsonFormatter as _JsonFormatter

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
# No access log: the app logs each request itself (operations.middleware.RequestLogMiddleware)
# with the route's pattern, never the query string, the client's address or its browser,
# which gunicorn's access log would write. gunicorn's own lines (workers started, killed)
# go to stderr: `docker compose logs web`.
accesslog = None
# gunicorn's own lines as one JSON object each, as the app's (operations.logs), unless
# LOG_FORMAT=text. Its formatter, not logconfig_dict, which would switch the access log on.
if os.environ.get("LOG_FORMAT", "json") == "json":

    class _JsonLines(_Logger):
        def setup(self, cfg):
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(_JsonFormatter())

    logger_class = _JsonLines
# No runtime control socket (gunicornc): nobody uses it, and its default place, the app user's
# home (/app in the image), is not writable.
control_socket_disable = True


# --- a worker's own objects out of the garbage collector's full passes (operations.heap) -----
# Loads the URLconf and its views before the first request: a view that cannot be imported
# stops the worker, and gunicorn with it, at its start rather than on a request.
def post_worker_init(worker):
    from operations.heap import freeze_loaded_app

    freeze_loaded_app()


# --- request metrics of several workers (operations.metrics) -------------------------------
# Each worker is a process with its own counters; prometheus_client's multiprocess mode has
# each write them to a file in PROMETHEUS_MULTIPROC_DIR, and /metrics adds up every worker's,
# whichever answers. The variable must be set before a worker imports prometheus_client, so
# the master sets it (a fresh temporary folder unless given) and empties it at each start.
_made_here = []


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = _tempfile.mkdtemp(prefix="okot-prometheus-")
        _made_here.append(folder)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    _Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in _Path(folder).glob("*.db"):  # a previous run's counts
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    for folder in _made_here:
        _shutil.rmtree(folder, ignore_errors=True)
