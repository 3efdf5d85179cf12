"""Project-wide invariants: the migrations match the models, production passes Django's
deploy checks, the image and compose run gunicorn from its one configuration file."""

import json
import os
import re
import runpy
import secrets
import string
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from gunicorn.config import Config

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_models_have_no_unmigrated_changes():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models have changes without a migration:\n{out.getvalue()}")


def run_deploy_check(
    secret_key: str, site_url: str = "https://example.org", environ: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `check --deploy` on the production settings in a fresh interpreter."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "example.org",
        "SITE_URL": site_url,
        "DATABASE_URL": "sqlite:///:memory:",
        **(environ or {}),
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


def production_settings(**environ: str | None) -> dict:
    """Some production settings, loaded in a fresh interpreter with `environ` added (None:
    that variable unset)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": random_secret_key(),
        "ALLOWED_HOSTS": "example.org",
        **environ,
    }
    env = {name: value for name, value in env.items() if value is not None}
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'SECURE_HSTS_PRELOAD': s.SECURE_HSTS_PRELOAD, "
        "'CONN_HEALTH_CHECKS': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE']}))"
    )
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_hsts_preload_is_opt_in():
    assert production_settings()["SECURE_HSTS_PRELOAD"] is False
    assert production_settings(SECURE_HSTS_PRELOAD="true")["SECURE_HSTS_PRELOAD"] is True


def test_production_passes_the_deploy_checks_with_hsts_preload_opted_in_too():
    env = {"SECURE_HSTS_PRELOAD": "true"}
    result = run_deploy_check(random_secret_key(), environ=env)

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.mark.parametrize("database_url", [None, "postgres://okot@db.example.org:5432/okot"])
def test_persistent_database_connections_are_health_checked(database_url):
    databases = production_settings(DATABASE_URL=database_url)

    assert databases["CONN_MAX_AGE"] > 0
    assert databases["CONN_HEALTH_CHECKS"] is True


def test_deploy_check_fails_when_e_mail_links_would_point_to_localhost():
    result = run_deploy_check(random_secret_key(), site_url="http://127.0.0.1:8000")

    assert result.returncode != 0
    assert "notifications.W001" in result.stderr


# --- gunicorn ----------------------------------------------------------------------------------

GUNICORN_CONF = "config/gunicorn.conf.py"


def gunicorn_settings() -> dict:
    """The names config/gunicorn.conf.py defines, read as gunicorn reads it: run as a file."""
    namespace = runpy.run_path(str(BASE_DIR / GUNICORN_CONF))
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and not callable(value) and name != "os"
    }


def test_gunicorn_takes_its_workers_from_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    assert gunicorn_settings()["workers"] == 5

    monkeypatch.delenv("WEB_CONCURRENCY")
    assert gunicorn_settings()["workers"] == 3


def test_every_name_in_the_gunicorn_config_is_a_valid_gunicorn_setting(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    settings = gunicorn_settings()
    config = Config()

    for name, value in settings.items():
        assert name in config.settings, f"{name} is not a gunicorn setting"
        config.set(name, value)  # gunicorn's own validation: raises on a bad value

    assert config.workers == 4
    assert config.address == [("0.0.0.0", 8000)]  # noqa: S104 - the container's interfaces
    assert config.accesslog == "-"
    assert config.wsgi_app == "config.wsgi:application"
    assert config.graceful_timeout < config.timeout


def test_the_image_and_compose_run_gunicorn_from_its_config_file_only():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    (cmd,) = re.findall(r"^CMD (.*)$", dockerfile, re.M)
    compose_runs = re.findall(r"exec (gunicorn[^\"\n]*)", compose)

    assert json.loads(cmd) == ["gunicorn", "--config", GUNICORN_CONF]
    assert compose_runs == [f"gunicorn --config {GUNICORN_CONF}"]
    for text in (dockerfile, compose):
        assert not re.search(r"--workers\b|\s-w\s*\d", text)
