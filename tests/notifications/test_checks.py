"""Mail leaves over TLS in production: STARTTLS by default, implicit TLS if chosen instead,
and the deploy check warns when the SMTP backend would send without either."""

import json
import subprocess

import pytest
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from notifications.checks import check_email_tls
from tests.fresh_process import run_fresh
from tests.test_project import random_secret_key, run_deploy_check

SMTP = "django.core.mail.backends.smtp.EmailBackend"


class RelayBackend(SmtpBackend):
    """A project's own SMTP backend is still SMTP."""


@pytest.mark.parametrize(
    ("backend", "use_tls", "use_ssl", "warned"),
    [
        pytest.param(SMTP, False, False, True, id="smtp-in-clear"),
        pytest.param(SMTP, True, False, False, id="smtp-starttls"),
        pytest.param(SMTP, False, True, False, id="smtp-implicit-tls"),
        pytest.param(f"{__name__}.RelayBackend", False, False, True, id="smtp-subclass"),
        pytest.param("django.core.mail.backends.console.EmailBackend", False, False, False),
        pytest.param("django.core.mail.backends.locmem.EmailBackend", False, False, False),
    ],
)
def test_the_deploy_check_warns_only_when_smtp_goes_without_tls(
    settings, backend, use_tls, use_ssl, warned
):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = use_tls, use_ssl
    settings.EMAIL_HOST, settings.EMAIL_PORT = "mail.example.org", 25

    warnings = check_email_tls(None)

    assert [w.id for w in warnings] == (["notifications.W002"] if warned else [])
    if warned:
        assert "mail.example.org:25" in warnings[0].msg
        assert "EMAIL_USE_TLS=true" in warnings[0].hint
        assert "EMAIL_USE_SSL=true" in warnings[0].hint


def test_a_deploy_without_tls_for_mail_fails_make_check():
    result = run_deploy_check(random_secret_key(), environ={"EMAIL_USE_TLS": "false"})

    assert result.returncode != 0
    assert "notifications.W002" in result.stderr


def test_a_deploy_with_implicit_tls_passes_make_check():
    result = run_deploy_check(random_secret_key(), environ={"EMAIL_USE_SSL": "true"})

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def production_mail_settings(**environ: str) -> subprocess.CompletedProcess:
    """EMAIL_USE_TLS and EMAIL_USE_SSL of the production settings, loaded in a fresh
    interpreter with `environ` (and no EMAIL_* of this one's)."""
    environ = {"SECRET_KEY": random_secret_key(), "ALLOWED_HOSTS": "example.org", **environ}
    script = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.EMAIL_USE_TLS, s.EMAIL_USE_SSL]))"
    )
    return run_fresh(["-c", script], "config.settings.production", without=("EMAIL_",), **environ)


@pytest.mark.parametrize(
    ("environ", "tls_and_ssl"),
    [
        pytest.param({}, [True, False], id="starttls-by-default"),
        pytest.param({"EMAIL_USE_SSL": "true"}, [False, True], id="implicit-tls-instead"),
        pytest.param({"EMAIL_USE_TLS": "false"}, [False, False], id="off-for-a-local-relay"),
        pytest.param(
            {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "false"}, [True, False], id="explicit"
        ),
    ],
)
def test_production_sends_mail_over_tls_unless_told_otherwise(environ, tls_and_ssl):
    result = production_mail_settings(**environ)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == tls_and_ssl


def test_production_refuses_starttls_and_implicit_tls_at_once():
    result = production_mail_settings(EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")

    assert result.returncode != 0
    assert "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS) exclude each other" in (
        result.stderr
    )
