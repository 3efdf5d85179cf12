"""Real processes for the integration tests and the benchmark: a redis-server and Celery
worker and beat, each in its own process group so that nothing outlives its owner.

Used by the integration tests and by `manage.py bench_notify`."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis

BASE_DIR = Path(__file__).resolve().parents[3]


def wait_for(check: Callable[[], object], timeout: float, interval: float = 0.1, what: str = ""):
    """Poll `check` until it returns something truthy; return it, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what or check}")
        time.sleep(interval)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for another process to reach the database of `settings_dict`."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class Process:
    """A child process in a session (process group) of its own, logging to a file."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log_path: Path, name: str):
        self.argv, self.env, self.log_path, self.name = argv, env, log_path, name
        self.popen: subprocess.Popen | None = None
        self._log_offset = 0

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} is not running"
        return self.popen.pid

    def start(self) -> "Process":
        assert not self.running(), f"{self.name} is already running"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            log.write(f"\n===== {self.name}: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(  # noqa: S603 - our own argv
                self.argv,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        """What this run of the process has logged so far."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, timeout: float) -> None:
        def seen():
            if not self.running():
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            return text in self.log()

        try:
            wait_for(seen, timeout, interval=0.1, what=f"{self.name} logs {text!r}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_tail()}") from None

    def signal_group(self, signum: int) -> None:
        """Send `signum` to the process and everything it started."""
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL the whole group, at once, as a crash would."""
        self.signal_group(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL whatever of the group is left."""
        if self.popen is None:
            return
        if self.running():
            self.signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()  # also the group's leftovers (pool children, an orphaned beat)
        self.popen = None


class RedisServer(Process):
    """A throwaway redis-server on 127.0.0.1: no persistence, so a restart starts empty."""

    def __init__(self, port: int, *, workdir: Path):
        workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            os.environ.get("REDIS_SERVER", "redis-server"),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(workdir),
        ]  # fmt: skip
        super().__init__(argv, env=dict(os.environ), log_path=workdir / "redis.log", name="redis")
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"

    def ping(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> "RedisServer":
        super().start()
        wait_for(self.ping, 10, what=f"redis-server on port {self.port}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        wait_for(lambda: not self.ping(), 10, what=f"redis-server on {self.port} to stop")


def celery_env(
    *,
    database_url: str,
    redis_url: str,
    smtp_port: int,
    smtp_host: str = "127.0.0.1",
    **notify: str,
) -> dict[str, str]:
    """The environment of a worker or beat run as in production: the production settings,
    with SMTP to the local server. `notify` sets NOTIFY_* variables (NOTIFY_RELAY_AFTER=...)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NOTIFY_", "EMAIL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=os.environ.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_HOST=smtp_host,
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="false",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in notify.items()})
    return env


class CeleryWorker(Process):
    """`celery -A config worker` consuming the default queue."""

    def __init__(
        self, *, env: dict[str, str], log_path: Path, pool: str = "prefork", concurrency: int = 1
    ):
        argv = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            f"--pool={pool}", f"--concurrency={concurrency}",
            "--loglevel=INFO", "--queues=celery",
            "--without-gossip", "--without-mingle",
            f"--hostname=okot-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        super().__init__(argv, env=env, log_path=log_path, name="celery worker")

    def start(self, timeout: float = 60.0) -> "CeleryWorker":
        super().start()
        self.wait_for_log(" ready.", timeout)
        return self

    def pool_processes(self) -> list[int]:
        """The pids of the pool's child processes (prefork), which run the tasks."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


class CeleryBeat(Process):
    """`celery -A config beat` with the static beat_schedule of the settings."""

    def __init__(self, *, env: dict[str, str], log_path: Path):
        schedule = log_path.with_name(f"celerybeat-schedule-{uuid.uuid4().hex[:8]}")
        argv = [
            sys.executable, "-m", "celery", "-A", "config", "beat",
            "--loglevel=INFO", f"--schedule={schedule}",
        ]  # fmt: skip
        super().__init__(argv, env=env, log_path=log_path, name="celery beat")

    def start(self, timeout: float = 60.0) -> "CeleryBeat":
        super().start()
        self.wait_for_log("beat: Starting", timeout)
        return self


# A task's id is hex and dashes, but the logs mask eleven digits in a row as a national
# number (operations.logs.redact): about one id in 240 reads "…-f[national number]" there.
_DELIVER_RUN = re.compile(
    r"Task notifications\.tasks\.deliver\[(?:[^]\[]|\[national number\])+\] "
    r"(?:succeeded in [^:]+: '(\w+)'|(retry):|(raised))"
)


def deliver_runs(log: str) -> Counter:
    """How the worker's runs of `deliver` in `log` ended: 'sent', 'failed', 'skipped' (it
    found nothing to do), 'retry' (a temporary failure, retried) or 'raised'."""
    return Counter(next(filter(None, match.groups())) for match in _DELIVER_RUN.finditer(log))


def deliver_lines(worker) -> str:
    """The lines of `worker`'s log about its runs of `deliver`, to say why a count differs."""
    return "\n".join(line for line in worker.log().splitlines() if "tasks.deliver[" in line)


def settled_deliver_runs(
    worker, *, at_least: int = 0, quiet: float = 0.5, timeout: float = 10.0
) -> Counter:
    """`deliver_runs` of `worker`'s log once there are `at_least` of them and they have
    stopped changing for `quiet` seconds (or `timeout` has passed): the worker writes a
    run's line after its row commits and its task returns, so an outbox that has settled can
    still be a line ahead of the log, and on a busy machine longer than `quiet`."""
    deadline = time.monotonic() + timeout
    runs = deliver_runs(worker.log())
    while True:
        time.sleep(quiet)
        again = deliver_runs(worker.log())
        settled = again == runs and again.total() >= at_least
        if settled or time.monotonic() >= deadline:
            return again
        runs = again
