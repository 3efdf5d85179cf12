"""Code run in a fresh interpreter with a settings module loaded, as a process of the
application starts (gunicorn's workers, the logging set up from the settings)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def printed_after_setup(settings_module: str, code: str, **environ) -> str:
    """What `code` prints with `settings_module` loaded (`django.setup()`) in a fresh
    interpreter; the environment's LOG_FORMAT left out, so that the settings' own shows."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "LOG_FORMAT"},
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:///:memory:",
        **environ,
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()
