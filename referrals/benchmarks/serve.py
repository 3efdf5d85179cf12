"""gunicorn serving this project for the benchmarks that go over HTTP (`bench_api`, `bench`,
`bench_load`): a free port of 127.0.0.1, the project's own config/gunicorn.conf.py, stopped on
leaving; and a request to it, timed (`send`)."""

import http.client
import os
import socket
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


class Gunicorn:
    """gunicorn serving this project on a free port of 127.0.0.1, stopped on leaving."""

    def __init__(self, workers: int, stderr):
        self.workers = workers
        self.stderr = stderr

    def __enter__(self) -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        argv = command(self.port, self.workers)  # before the log: it may refuse
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 (this environment's gunicorn, fixed arguments)
            argv,
            cwd=settings.BASE_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self.port
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise CommandError("gunicorn did not come up within 60 s.")

    def worker_memory(self) -> list[int]:
        """The resident memory of each of gunicorn's workers now, in bytes (Linux's /proc)."""
        return [_rss(pid) for pid in _children(self.process.pid)]

    def worker_cpu(self) -> float:
        """The CPU time gunicorn's workers have used so far, together, in seconds."""
        return sum(cpu_seconds(pid) for pid in _children(self.process.pid))

    def __exit__(self, exc_type, exc, tb) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if exc_type is not None or self.process.returncode not in (0, -15):
            self.log.seek(0)
            self.stderr.write("gunicorn's log:\n" + self.log.read()[-5000:])
        self.log.close()


def send(port: int, method: str, path: str, body: str | None, headers: dict) -> tuple[int, float]:
    """One request to gunicorn on `port`, on a connection of its own (sync workers do not
    keep one alive): its status, and how long it took to its last byte in ms. A body is a
    form's unless `headers` say otherwise."""
    if body is not None:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        took = (time.perf_counter() - started) * 1000
    finally:  # closed too when there was no answer (bench-load counts it an error, goes on)
        conn.close()
    return response.status, took


def command(port: int, workers: int) -> list[str]:
    """gunicorn as the image starts it (the Dockerfile's CMD: the `gunicorn` script of this
    environment and the config file), on `port` of 127.0.0.1 with `workers`. Started as
    `python -m gunicorn` instead, the admin's changelists, the benchmark's yardstick, took
    10 ms less or more than this way, every other page the same (docs/performance.md)."""
    program = Path(sysconfig.get_path("scripts"), "gunicorn")
    if not program.is_file():
        raise CommandError(f"No gunicorn script at {program}: `make install` puts it there.")
    return [
        str(program),
        *("--config", "config/gunicorn.conf.py"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--access-logfile", os.devnull),
    ]


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """The CPU time process `pid` has used so far, in user and kernel mode, in seconds."""
    # After the command's name, which is in brackets and may hold spaces: the state first,
    # then utime and stime as the 12th and 13th fields (proc(5) numbers them 14 and 15).
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
