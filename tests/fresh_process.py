"""Code run in a fresh interpreter with a settings module loaded, as a process of the
application starts (gunicorn's workers, `manage.py check --deploy`, the settings read from
the environment)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def run_fresh(
    args: list[str],
    settings_module: str,
    *,
    without: tuple[str, ...] = (),
    timeout: float = 60,
    check: bool = False,
    **environ: str | None,
) -> subprocess.CompletedProcess:
    """`python *args` at the repository's root in a fresh interpreter, with
    `settings_module`: this interpreter's environment less the variables whose names start
    with one of `without`, and `environ` over it (None: that variable unset)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(without)}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **environ)
    return subprocess.run(  # noqa: S603 - our own interpreter, no shell
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={name: value for name, value in env.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def printed_after_setup(settings_module: str, code: str, **environ: str | None) -> str:
    """What `code` prints with `settings_module` loaded (`django.setup()`) in a fresh
    interpreter; the environment's LOG_FORMAT left out, so that the settings' own shows."""
    environ = {
        "LOG_FORMAT": None,
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        **environ,
    }
    code = f"import django; django.setup(); {code}"
    return run_fresh(["-c", code], settings_module, check=True, **environ).stdout.strip()
