"""`make bench-load`: its people each take a step of their own, count the requests that did
not answer as they should, and the machine's CPU and PostgreSQL's queries are read as they
are."""

import http.server
import os
import queue
import threading
import time

import psycopg
import pytest
from django.db import connection

from operations.benchmarks.flanders_cases import STEP, Case
from operations.management.commands.bench_load import (
    PostgresSampler,
    machine_busy,
    run,
    working_day,
)
from referrals.benchmarks.serve import cpu_seconds


class Answers(http.server.BaseHTTPRequestHandler):
    """200 to a GET, 500 to one of /broken and no answer to one of /cut, 302 to a POST;
    keeps the paths it was asked."""

    asked: list[tuple[str, str]] = []

    def do_GET(self):
        self.asked.append(("GET", self.path))
        if self.path == "/cut":
            self.close_connection = True  # the connection closed, nothing said
            return
        self.answer(500 if self.path == "/broken" else 200)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.asked.append(("POST", self.path))
        self.answer(302)

    def answer(self, status: int):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Answers.asked = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def test_each_step_is_taken_once_and_a_wrong_answer_or_none_is_an_error(server):
    pages = [
        Case("caseworker", "list", "/list"),
        Case("caseworker", STEP, "", ok=302),  # on the referrals of `steps`
        Case("counsellor", "broken", "/broken"),
        Case("counsellor", "cut", "/cut"),
    ]
    steps = queue.SimpleQueue()
    for n in range(5):
        steps.put((f"/step/{n}/", "x=1"))
    headers = [{("caseworker", ""): {}, ("counsellor", ""): {}} for _ in range(3)]

    done = run(server, pages, headers, steps, clients=3, seconds=0.5)

    posted = [path for method, path in Answers.asked if method == "POST"]
    assert sorted(posted) == [f"/step/{n}/" for n in range(5)]  # each once, all taken
    assert done.steps == 5
    failed = [path for method, path in Answers.asked if path in ("/broken", "/cut")]
    assert {"/broken", "/cut"} <= set(failed)
    assert done.errors == len(failed)
    assert len(done.took) == len(Answers.asked) - len(failed)


def test_the_working_day_is_the_caseworkers_and_the_counsellors_pages_but_the_figures():
    every = [
        Case("caseworker", "Mijn werk", "/"),
        Case("caseworker", "step: apply", "", ok=302, posts=[("/step/", "")]),
        Case("caseworker", "figures", "/reports/"),
        Case("counsellor", "inbox", "/notifications/"),
        Case("network manager", "download, starts", "/reports/starts.xlsx"),
        Case("administrator", "Mijn werk", "/"),
    ]
    assert [(case.role, case.label) for case in working_day(every)] == [
        ("caseworker", "Mijn werk"),
        ("caseworker", "step: apply"),
        ("counsellor", "inbox"),
    ]


def burn(seconds: float) -> None:
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_the_cpu_of_a_process_and_of_the_machine_is_read_from_linux():
    mine, busy, measured = cpu_seconds(os.getpid()), machine_busy(), time.process_time()
    started = time.monotonic()
    burn(0.3)
    mine, busy = cpu_seconds(os.getpid()) - mine, machine_busy() - busy
    measured, wall = time.process_time() - measured, time.monotonic() - started
    assert measured - 0.05 < mine < measured + 0.05  # Linux's clock ticks: 10 ms
    # At least what this process did, at most every core busy all the while.
    assert mine - 0.05 <= busy <= os.cpu_count() * wall + 0.05


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's activity")
def test_the_sampler_sees_a_query_wait_for_a_lock():
    params = connection.get_connection_params()
    with (
        psycopg.connect(**params, autocommit=True) as holder,
        psycopg.connect(**params, autocommit=True) as waiter,
    ):
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE referrals_training IN ACCESS EXCLUSIVE MODE")
        blocked = threading.Thread(
            target=lambda: waiter.execute("SELECT count(*) FROM referrals_training")
        )
        blocked.start()
        while not holder.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = "
            "current_database()"
        ).fetchone():
            time.sleep(0.01)  # until the query waits: the sampler's samples all see it
        sampler = PostgresSampler()
        sampler.start()
        time.sleep(0.5)
        running, waiting = sampler.stop()
        holder.execute("ROLLBACK")
        blocked.join()
    assert running >= 0.9  # the waiting query, in (nearly) every sample
    assert waiting >= 0.9
