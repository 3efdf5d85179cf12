"""Photograph the main pages of each role, in every language and at a desktop's and a
phone's width (`make screenshots`), so that the application can be judged without running it.

Works on a throwaway SQLite database in a temporary folder (never the dev database): it is
migrated and loaded with the demo (`seed_demo`, fictitious people only), served by
`runserver` on a free port as `make demo` serves it, and visited by Debian's Chromium driven
by Playwright (SCREENSHOTS_CHROMIUM, or --chromium, names another binary). Each demo user
logs in through the login page; the administrator enters a backup code, as the demo allows.
The pages are `referrals.management.screenshots.PAGES`; the files
`<out>/<language>/<viewport>/<role>-<page>.png`, full-page, reduced to 256 colours."""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts import two_factor
from referrals.management.screenshots import (
    BROWSER_LOCALES,
    ROLES,
    VIEWPORTS,
    Shot,
    demo_username,
    paths,
)

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_SECONDS = 60
PAGE_TIMEOUT_MS = 30_000


class Command(BaseCommand):
    help = (
        "Save full-page PNGs of the main pages of each role, in every language, at desktop "
        "and phone width, from the demo data in a throwaway SQLite database "
        "(`make screenshots`)."
    )

    def add_arguments(self, parser):
        languages = [code for code, _ in settings.LANGUAGES]
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(os.environ.get("SCREENSHOTS_DIR", settings.BASE_DIR / "docs/screenshots")),
            help="folder to write to (SCREENSHOTS_DIR; default docs/screenshots)",
        )
        parser.add_argument(
            "--role", action="append", choices=list(ROLES), help="only this role (repeatable)"
        )
        parser.add_argument(
            "--language", action="append", choices=languages, help="only this language"
        )
        parser.add_argument(
            "--viewport", action="append", choices=list(VIEWPORTS), help="only this width"
        )
        parser.add_argument(
            "--chromium",
            default=os.environ.get("SCREENSHOTS_CHROMIUM", DEFAULT_CHROMIUM),
            help=f"the Chromium binary (SCREENSHOTS_CHROMIUM; default {DEFAULT_CHROMIUM})",
        )
        parser.add_argument(
            "--full-colour",
            action="store_true",
            help="keep Chromium's PNGs as they are instead of reducing them to 256 colours",
        )

    def handle(self, *args, out, role, language, viewport, chromium, full_colour, **options):
        chromium = self.chromium(chromium)
        if connection.vendor != "sqlite":
            raise CommandError(
                "screenshots makes a throwaway SQLite database; run it with the local "
                "settings and without a PostgreSQL DATABASE_URL (make screenshots does)."
            )
        roles = role or list(ROLES)
        languages = language or [code for code, _ in settings.LANGUAGES]
        viewports = viewport or list(VIEWPORTS)
        out = out.resolve()
        with tempfile.TemporaryDirectory(prefix="okot-screenshots-") as folder:
            database = Path(folder) / "screenshots.sqlite3"
            old_name = self.make_database(database)
            try:
                password = secrets.token_urlsafe(16)
                logins, shots = self.plan(roles, languages, viewports, password)
            finally:
                connection.close()
            try:
                with serve(database, Path(folder) / "runserver.log") as base_url:
                    self.stdout.write(f"serving the demo at {base_url}")
                    written = self.photograph(
                        chromium, base_url, logins, shots, out, reduce=not full_colour
                    )
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
        self.summary(out, written)

    def chromium(self, binary: str) -> Path:
        path = Path(binary)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise CommandError(
                f"No Chromium at {path}: install Debian's (apt-get install chromium) or set "
                "SCREENSHOTS_CHROMIUM to a Chromium binary."
            )
        try:
            import playwright.sync_api  # noqa: F401 - only to tell what is missing
        except ImportError as exc:
            raise CommandError(
                "Playwright is missing: install requirements-dev.txt (make install)."
            ) from exc
        return path

    def make_database(self, database: Path) -> str:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(database)
        started = time.monotonic()
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        self.stdout.write(f"database: {database} (migrated in {time.monotonic() - started:.0f} s)")
        return old_name

    def plan(self, roles, languages, viewports, password):
        """Load the demo; each role's login (user name, password, backup code or None) and
        shots, in the order taken."""
        with translation.override("en"):
            call_command("seed_demo", password=password, stdout=StringIO())
        User = get_user_model()
        logins, shots = {}, []
        for role in roles:
            user = User.objects.get(username=demo_username(role))
            code = None
            if two_factor.second_factor_required(user):
                code = two_factor.new_backup_codes(user)[0]
            logins[role] = (user.username, password, code)
            for page, path in paths(role, user).items():
                shots += [
                    Shot(role, page, lang, width, path) for width in viewports for lang in languages
                ]
        self.stdout.write(f"demo loaded: {len(shots)} shots of {len(roles)} role(s) to take")
        return logins, shots

    def photograph(self, chromium, base_url, logins, shots, out, *, reduce) -> list[Path]:
        from playwright.sync_api import sync_playwright

        written = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            try:
                for role, login in logins.items():
                    state = log_in(browser, base_url, *login)
                    for shot in (shot for shot in shots if shot.role == role):
                        target = out / shot.file
                        width = take(browser, base_url, state, shot, target)
                        if reduce:
                            reduce_colours(target)
                        written.append(target)
                        size = f"{target.stat().st_size // 1024} kB"
                        if width > VIEWPORTS[shot.viewport].width:
                            size += f", {width} px wide: the page scrolls sideways"
                        self.stdout.write(f"  {shot.file}  {size}")
            finally:
                browser.close()
        return written

    def summary(self, out: Path, written: list[Path]) -> None:
        total = sum(path.stat().st_size for path in written)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(written)} screenshots, {total / 2**20:.1f} MB, written to {out}"
            )
        )


@contextlib.contextmanager
def serve(database: Path, log: Path):
    """`runserver` with the local settings on the throwaway database, on a free port of
    127.0.0.1, until the block ends: the address it answers on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "SITE_URL": base_url,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)  # tasks in-process: nothing leaves for a real broker
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py, no shell
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(server, base_url + reverse("login"), log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"runserver stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own http://127.0.0.1
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"runserver did not answer {url} in {SERVER_START_SECONDS} s")


def log_in(browser, base_url: str, username: str, password: str, code: str | None) -> dict:
    """Log in through the login page (and the second factor's, with a backup code): the
    browser's state of the logged-in session, for the contexts that take the shots."""
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(reverse("login"))
        form = page.locator("form", has=page.locator('input[name="password"]'))
        form.locator('input[name="username"]').fill(username)
        form.locator('input[name="password"]').fill(password)
        with page.expect_navigation():
            form.locator('[type="submit"]').click()
        if code is not None and page.url.startswith(base_url + reverse("accounts:verify")):
            form = page.locator("form", has=page.locator('input[name="code"]'))
            form.locator('input[name="code"]').fill(code)
            with page.expect_navigation():
                form.locator('[type="submit"]').click()
        landed = page.url.removeprefix(base_url)
        if landed.startswith((reverse("login"), reverse("accounts:verify"))):
            raise CommandError(f"{username} could not log in (still at {landed})")
        return context.storage_state()
    finally:
        context.close()


def take(browser, base_url: str, state: dict, shot: Shot, target: Path) -> int:
    """Open the shot's page as the logged-in user, in its language and width, and save it
    whole: its width. A page that does not answer 200 at its own address, in its language,
    fails."""
    viewport = VIEWPORTS[shot.viewport]
    context = browser.new_context(
        base_url=base_url,
        storage_state=state,
        viewport={"width": viewport.width, "height": viewport.height},
        is_mobile=viewport.mobile,
        has_touch=viewport.mobile,
        device_scale_factor=1,
        locale=BROWSER_LOCALES.get(shot.language, shot.language),
        timezone_id=settings.TIME_ZONE,
        reduced_motion="reduce",
    )
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": shot.language, "url": base_url}]
    )
    try:
        page = context.new_page()
        response = page.goto(shot.path, wait_until="load")
        landed = page.url.removeprefix(base_url)
        if response is None or response.status != 200 or landed != shot.path:
            status = response.status if response else "no response"
            raise CommandError(f"{shot.file}: {shot.path} answered {status} at {landed}")
        lang = page.evaluate("document.documentElement.lang").lower()
        if not lang.startswith(shot.language[:2]):
            raise CommandError(f"{shot.file}: the page came in {lang!r}, not {shot.language}")
        page.evaluate("document.fonts.ready")
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=target, full_page=True, animations="disabled", caret="hide")
        return page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()


def reduce_colours(target: Path) -> None:
    """Re-save the PNG with a palette of 256 colours: pages of flat colours and text look
    the same at a fraction of the size. Pillow comes with reportlab (the PDFs)."""
    from PIL import Image

    with Image.open(target) as image:
        reduced = image.convert("RGB").quantize(colors=256)
    reduced.save(target, optimize=True)
