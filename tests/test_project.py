"""Project-wide invariants: the migrations match the models, production passes Django's
deploy checks (HSTS preload opt-in, database connections health-checked), the image and
compose run gunicorn from its one configuration file, the README and .env.example document
every setting read from the environment, and what the README points at is in the
repository."""

import ast
import json
import re
import runpy
import secrets
import shutil
import string
import subprocess
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from gunicorn.config import Config

import operations.heap
from referrals.benchmarks import serve
from tests.fresh_process import run_fresh

BASE_DIR = Path(__file__).resolve().parent.parent
README = BASE_DIR / "README.md"


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
    environ = {
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "example.org",
        "SITE_URL": site_url,
        "DATABASE_URL": "sqlite:///:memory:",
        **(environ or {}),
    }
    check = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return run_fresh(check, "config.settings.production", timeout=120, **environ)


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
    environ = {"SECRET_KEY": random_secret_key(), "ALLOWED_HOSTS": "example.org", **environ}
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'SECURE_HSTS_PRELOAD': s.SECURE_HSTS_PRELOAD, "
        "'CONN_HEALTH_CHECKS': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'CONN_MAX_AGE': s.DATABASES['default']['CONN_MAX_AGE']}))"
    )
    result = run_fresh(["-c", script], "config.settings.production", check=True, **environ)
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
    assert config.accesslog is None  # the app logs its requests (operations.middleware)
    assert config.wsgi_app == "config.wsgi:application"
    assert config.graceful_timeout < config.timeout


def test_a_gunicorn_worker_freezes_its_loaded_objects_before_its_first_request(monkeypatch):
    """The worker's hook (`post_worker_init`, after it loaded the app) freezes what it
    loaded (`operations.heap`, whose test runs it in a fresh process)."""
    calls = []
    monkeypatch.setattr(operations.heap, "freeze_loaded_app", lambda: calls.append(1))
    hook = runpy.run_path(str(BASE_DIR / GUNICORN_CONF))["post_worker_init"]

    hook(None)

    assert calls == [1]


def test_the_benchmarks_serve_the_app_as_the_image_does():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    (cmd,) = re.findall(r"^CMD (.*)$", dockerfile, re.M)
    program, *arguments = serve.command(8000, 2)

    assert Path(program).is_file()
    assert [Path(program).name, *arguments[:2]] == json.loads(cmd)


def test_the_image_and_compose_run_gunicorn_from_its_config_file_only():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    (cmd,) = re.findall(r"^CMD (.*)$", dockerfile, re.M)
    compose_runs = re.findall(r"exec (gunicorn[^\"\n]*)", compose)

    assert json.loads(cmd) == ["gunicorn", "--config", GUNICORN_CONF]
    assert compose_runs == [f"gunicorn --config {GUNICORN_CONF}"]
    for text in (dockerfile, compose):
        assert not re.search(r"--workers\b|\s-w\s*\d", text)


def test_a_worker_told_to_stop_hands_its_tasks_back_before_it_is_killed(settings):
    """Compose and `make worker` run the worker with Celery's soft shutdown on SIGTERM,
    which ends within the grace period before the kill (tests/referrals/integration)."""
    worker = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]["worker"]
    makefile = (BASE_DIR / "Makefile").read_text()
    [make_worker] = re.findall(r"^worker: .*\n\t(.*)$", makefile, re.M)

    assert worker["environment"]["REMAP_SIGTERM"] == "SIGQUIT"
    assert "REMAP_SIGTERM=SIGQUIT " in make_worker
    grace = int(worker["stop_grace_period"].removesuffix("s"))
    assert 0 < settings.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT <= grace - 10


# --- settings read from the environment, and where they are documented -----------------------

# Where the project reads its environment (manage.py, wsgi.py and celery.py only default
# DJANGO_SETTINGS_MODULE, which the README describes in prose).
ENVIRONMENT_READERS = sorted((BASE_DIR / "config" / "settings").glob("*.py")) + [
    BASE_DIR / GUNICORN_CONF
]
READ_CALLS = {"os.environ.get", "os.getenv", "env_bool", "env_list"}
# The compose stack's own variables, for the PostgreSQL container rather than the app.
COMPOSE_ONLY = {"POSTGRES_PASSWORD", "POSTGRES_SHARED_BUFFERS"}


def nodes_outside_the_env_helpers(tree: ast.AST):
    """ast.walk, skipping the bodies of env_bool and env_list (they read a name given them)."""
    for node in ast.iter_child_nodes(tree):
        if not (isinstance(node, ast.FunctionDef) and node.name in {"env_bool", "env_list"}):
            yield node
            yield from nodes_outside_the_env_helpers(node)


def names_read_from_environment(path: Path) -> set[str]:
    """The variables a module reads: os.environ.get/os.getenv/os.environ[...], the settings'
    env_bool/env_list, and dj_database_url.config (DATABASE_URL), each with a literal name."""
    names = set()
    for node in nodes_outside_the_env_helpers(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in READ_CALLS:
            name = node.args[0]
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "dj_database_url.config":
            env = [k.value for k in node.keywords if k.arg == "env"]
            name = env[0] if env else ast.Constant("DATABASE_URL")
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            name = node.slice
        else:
            continue
        assert isinstance(name, ast.Constant), f"{path.name}:{node.lineno} reads a computed name"
        names.add(name.value)
    return names


def settings_read_from_environment() -> set[str]:
    return set().union(*(names_read_from_environment(path) for path in ENVIRONMENT_READERS))


def readme_section(title: str) -> str:
    return README.read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def readme_settings() -> set[str]:
    """The backticked names in the first column of the README's configuration table."""
    names = set()
    for line in readme_section("Configuration").splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def test_the_settings_reader_finds_what_the_settings_read():
    names = settings_read_from_environment()

    assert {"SECRET_KEY", "DATABASE_URL", "BEHIND_TLS_PROXY", "WEB_CONCURRENCY"} <= names
    assert "NOTIFY_REMINDER_NO_START_DAYS" in names
    assert len(names) > 30


def test_the_readme_documents_every_setting_read_from_the_environment_and_no_other():
    read, documented = settings_read_from_environment(), readme_settings()

    assert sorted(read - documented) == [], "read from the environment, not in the README"
    assert sorted(documented - read) == [], "in the README, read nowhere"


def test_env_example_lists_every_setting_and_every_variable_compose_reads():
    env_example = (BASE_DIR / ".env.example").read_text()
    compose = (BASE_DIR / "docker-compose.yml").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", env_example, re.M))

    assert listed == settings_read_from_environment() | COMPOSE_ONLY
    assert set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose)) <= listed


# --- what the README points at ----------------------------------------------------------------

MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FILE_SUFFIXES = (".md", ".txt", ".py", ".yml", ".toml")


def readme_without_code_blocks() -> str:
    return re.sub(r"^```.*?^```", "", README.read_text(), flags=re.M | re.S)


def repository_paths(text: str) -> list[str]:
    """Backticked names of a file or folder: a known suffix, or a relative path with a slash
    (not a URL, not a page such as /reports/)."""
    return [
        code
        for code in re.findall(r"`([^`\s]+)`", text)
        if "://" not in code
        and not code.startswith("/")
        and (code.endswith(FILE_SUFFIXES) or "/" in code)
    ]


def exists_in_repository(path: str) -> bool:
    return any(BASE_DIR.glob(path)) if "*" in path else (BASE_DIR / path).exists()


def test_every_relative_link_of_the_readme_resolves():
    targets = [
        target.split("#")[0]
        for target in MARKDOWN_LINK.findall(readme_without_code_blocks())
        if not re.match(r"[a-z]+:|#", target)
    ]

    assert "docs/DOMAIN.md" in targets
    assert [t for t in targets if not exists_in_repository(t)] == []


def test_every_path_the_readme_names_in_backticks_exists():
    paths = repository_paths(readme_without_code_blocks())

    assert {"config/gunicorn.conf.py", ".ci/run", "referrals/reports/"} <= set(paths)
    assert [path for path in paths if not exists_in_repository(path)] == []


def test_the_domain_the_conventions_and_the_sources_are_named_only_in_links():
    """Each mention of docs/ in the README is a link a reader can follow."""
    documents = [path.name for path in (BASE_DIR / "docs").rglob("*") if path.is_file()]
    text_outside_links = MARKDOWN_LINK.sub("", readme_without_code_blocks())

    assert {"DOMAIN.md", "CONVENTIONS.md", "okot-parliamentary-answer-2018.txt"} <= set(documents)
    assert [name for name in documents if name in text_outside_links] == []


def test_the_readme_layout_lists_every_folder_of_the_repository_and_nothing_else():
    layout = readme_section("Layout").split("```\n", 1)[1].split("```", 1)[0]
    listed = re.findall(r"^(\S+)\s", layout, re.M)
    tracked = subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["git", "ls-files"],  # noqa: S607 - git from PATH, as everywhere in development
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    folders = {f"{path.split('/')[0]}/" for path in tracked if "/" in path}

    assert [entry for entry in listed if not exists_in_repository(entry)] == []
    assert sorted(folders - {f"{entry.split('/')[0]}/" for entry in listed}) == []
    assert "docs/" in listed


def test_the_demo_links_its_e_mails_to_the_port_it_serves():
    """`PORT=8101 make demo`: links in e-mails point at 8101, not the default 8000."""
    make = shutil.which("make")
    assert make, "make is how the README starts the demo"
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [make, "-n", "demo", "PORT=8101"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    django_lines = [line for line in result.stdout.splitlines() if "manage.py" in line]

    assert len(django_lines) == 3  # migrate, seed_demo, runserver
    assert all('SITE_URL="${SITE_URL:-http://127.0.0.1:8101}"' in line for line in django_lines)


def test_every_task_beat_runs_is_one_the_workers_have():
    """A beat entry names its task by text: a task renamed or moved would be sent on schedule
    to workers that have no such task, and nothing would run."""
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()  # every app's tasks, as a worker loads them
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
