"""Log lines without personal data: a line per request with its route's pattern, never its
path, query string or body; one JSON object a line in production (gunicorn's own lines and
the Celery worker's too), text in development; addresses and national numbers masked
wherever they come from."""

import io
import json
import logging
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import reverse

from operations.logs import JsonFormatter, TextFormatter, request_id
from operations.middleware import RequestLogMiddleware
from tests.fresh_process import printed_after_setup
from tests.referrals.factories import ClientFactory

BASE_DIR = Path(__file__).resolve().parent.parent.parent
INSZ = "85073003328"


def json_lines(caplog, logger: str = "operations.requests") -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]


@pytest.fixture
def person(caseworker):
    return ClientFactory(
        ocmw=caseworker.organisation,
        first_name="Mieke",
        last_name="Vandermeulen",
        insz=INSZ,
        email="mieke.vandermeulen@example.be",
    )


@pytest.mark.django_db
def test_a_request_line_has_the_route_and_no_personal_data(client, caseworker, person, caplog):
    client.force_login(caseworker)
    caplog.set_level(logging.INFO, logger="operations.requests")

    client.post(reverse("referrals:client_list"), {"q": INSZ})  # a search, by its body
    client.get(reverse("referrals:client_list"), {"q": "Vandermeulen", "email": person.email})
    response = client.get(reverse("referrals:client_detail", args=[person.pk]))

    lines = json_lines(caplog)
    assert [line["method"] for line in lines] == ["POST", "GET", "GET"]
    assert lines[2]["route"] == "clients/<int:pk>/"
    assert lines[2]["view"] == "referrals:client_detail"
    assert lines[2]["status"] == 200
    assert lines[2]["duration_ms"] > 0
    assert lines[2]["request_id"] == response["X-Request-ID"]
    assert set(lines[2]) == {
        *("time", "level", "logger", "message", "request_id"),
        *("method", "route", "view", "status", "duration_ms"),
    }
    written = "\n".join(json.dumps(line) for line in lines)
    for personal in [INSZ, "Vandermeulen", "Mieke", "mieke.vandermeulen", "example.be"]:
        assert personal not in written
    assert "?" not in written and "q=" not in written
    assert f"/{person.pk}/" not in written  # the pattern, not the path


@pytest.mark.django_db
def test_a_request_without_a_route_says_so(client, caplog):
    caplog.set_level(logging.INFO, logger="operations.requests")

    client.get("/no/such/page/?insz=" + INSZ)

    (line,) = json_lines(caplog)
    assert (line["route"], line["view"], line["status"]) == (None, None, 404)
    assert INSZ not in json.dumps(line)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-1234abcd", True), ("x" * 129, False), ("has spaces and <tags>", False), ("", False)],
)
def test_the_proxy_s_request_id_is_kept_when_it_is_one(client, caplog, given, kept):
    caplog.set_level(logging.INFO, logger="operations.requests")

    response = client.get(reverse("login"), headers={"x-request-id": given} if given else {})

    (line,) = json_lines(caplog)
    assert (line["request_id"] == given) is kept
    assert response["X-Request-ID"] == line["request_id"]


@pytest.mark.django_db
def test_lines_logged_during_a_request_carry_its_id(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    caplog.set_level(logging.INFO, logger="operations.requests")

    response = client.get("/no/such/page/")  # django.request warns: Not Found

    (warning,) = json_lines(caplog, "django.request")
    assert warning["request_id"] == response["X-Request-ID"]
    assert request_id.get() == ""  # and none after it


def test_lines_a_view_logs_carry_the_request_s_id(rf):
    def view(request):
        logging.getLogger("referrals.imports.jobs").warning("Import job 7 failed")
        return HttpResponse()

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("referrals.imports.jobs")
    logger.addHandler(handler)
    try:
        response = RequestLogMiddleware(view)(rf.get("/", headers={"x-request-id": "lb-trace-42"}))
    finally:
        logger.removeHandler(handler)

    line = json.loads(stream.getvalue())
    assert line["message"] == "Import job 7 failed"
    assert line["request_id"] == response["X-Request-ID"] == "lb-trace-42"


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord(
        "notifications.engine", logging.ERROR, __file__, 1, message, args, exc_info
    )
    made.__dict__.update(extra)
    return made


REFUSED = (
    "E-mail %s failed (attempt %s): SMTPRecipientsRefused: {'mieke.vandermeulen@example.be': "
    "(550, b'5.1.1 <mieke.vandermeulen@example.be>: Recipient address rejected')}"
)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_addresses_and_national_numbers_are_masked_wherever_they_come_from(formatter):
    try:
        raise ValueError("duplicate key value: Key (insz)=(85.07.30-033.28) already exists")
    except ValueError:
        failure = sys.exc_info()

    out = formatter.format(record(REFUSED, 17, 8)) + formatter.format(
        record("Import failed for %s", INSZ, exc_info=failure)
    )

    assert "mieke" not in out and "example.be" not in out
    assert INSZ not in out and "85.07.30-033.28" not in out
    assert "[e-mail]" in out and "[national number]" in out
    assert "E-mail 17 failed (attempt 8)" in out  # what operators need stays


def test_a_json_line_is_one_object_with_only_the_listed_fields():
    line = JsonFormatter().format(
        record("Line\nbreak", status=200, client="Mieke Vandermeulen", request_id="abc123456")
    )

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR"
    assert parsed["logger"] == "notifications.engine"
    assert parsed["message"] == "Line\nbreak"
    assert parsed["time"].endswith("+00:00")
    assert parsed["status"] == 200 and parsed["request_id"] == "abc123456"
    assert "client" not in parsed  # an `extra` nobody listed stays out


ROOT_FORMATTER = "import logging; print(type(logging.getLogger().handlers[0].formatter).__name__)"


@pytest.mark.parametrize(
    ("settings_module", "environ", "expected"),
    [
        ("config.settings.production", {}, "JsonFormatter"),
        ("config.settings.production", {"LOG_FORMAT": "text"}, "TextFormatter"),
        ("config.settings.local", {}, "TextFormatter"),
    ],
)
def test_production_logs_json_and_development_text(settings_module, environ, expected):
    assert printed_after_setup(settings_module, ROOT_FORMATTER, **environ) == expected


def test_the_celery_worker_and_beat_log_as_the_web_app():
    code = "from config.celery import log_as_the_web_app as setup; setup(loglevel='INFO'); " + (
        ROOT_FORMATTER + "; print(logging.getLogger().level)"
    )

    printed = printed_after_setup("config.settings.production", code)
    assert printed.split() == ["JsonFormatter", "20"]


def test_gunicorn_s_own_lines_are_json_too():
    from gunicorn.config import Config

    namespace = {"__file__": str(BASE_DIR / "config" / "gunicorn.conf.py")}
    exec((BASE_DIR / "config" / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102
    config = Config()
    config.set("logger_class", namespace["logger_class"])
    stream = io.StringIO()
    logger = config.logger_class(config)
    for handler in logger.error_log.handlers:
        handler.setStream(stream)

    logger.info("Booting worker with pid: %s", 42)

    assert json.loads(stream.getvalue())["message"] == "Booting worker with pid: 42"
    assert config.accesslog is None  # the app's request lines instead (no query strings)
