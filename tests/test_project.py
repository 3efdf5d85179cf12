"""Project-wide invariants: the migrations match the models, production passes Django's
deploy checks."""

import os
import secrets
import string
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_models_have_no_unmigrated_changes():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models have changes without a migration:\n{out.getvalue()}")


def run_deploy_check(
    secret_key: str, site_url: str = "https://example.org"
) -> subprocess.CompletedProcess:
    """Run `check --deploy` on the production settings in a fresh interpreter."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "example.org",
        "SITE_URL": site_url,
        "DATABASE_URL": "sqlite:///:memory:",
    }
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_production_settings_pass_deploy_checks():
    result = run_deploy_check(random_secret_key())

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_deploy_check_fails_on_a_weak_secret_key():
    """The check above would catch a warning: a short key is security.W009."""
    result = run_deploy_check("too-short")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_deploy_check_fails_when_e_mail_links_would_point_to_localhost():
    result = run_deploy_check(random_secret_key(), site_url="http://127.0.0.1:8000")

    assert result.returncode != 0
    assert "notifications.W001" in result.stderr
