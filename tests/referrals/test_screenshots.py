"""`manage.py screenshots`: its pages are real pages of their role, found in the demo data.

The command itself, with a browser, is tested in tests/browser/test_screenshots.py."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import NoReverseMatch, resolve

from referrals.management.screenshots import (
    PAGES,
    ROLES,
    VIEWPORTS,
    Shot,
    demo_username,
    paths,
    url_for,
)
from tests.accounts.two_factor import Client
from tests.test_url_access import ACCESS, OK

# `db`, not the django_db mark: the demo data's transaction opens first (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("db")

# The roles' names in the access matrix of tests/test_url_access.py.
ACCESS_ROLE = {
    "caseworker": "caseworker",
    "counsellor": "counsellor",
    "network-manager": "network_manager",
    "administrator": "administrator",
}


@pytest.fixture(autouse=True)
def demo_data_where_asked(request, shared_rows) -> None:
    """The demo data, seeded once for the tests that ask for `seeded` (it takes seconds)."""
    if "seeded" in request.fixturenames:
        shared_rows.make(lambda: call_command("seed_demo", stdout=StringIO()))
    else:
        shared_rows.roll_back()


@pytest.fixture
def seeded(shared_rows) -> None:
    return shared_rows.rows


def test_every_role_has_pages_and_a_demo_user():
    assert set(PAGES) == set(ROLES) == set(ACCESS_ROLE)
    for role in ROLES:
        assert PAGES[role], role
        assert demo_username(role)  # a StopIteration when seed_demo has none


@pytest.mark.parametrize(
    ("role", "page"),
    [
        pytest.param(role, page, id=f"{role}-{page.slug}")
        for role, pages in PAGES.items()
        for page in pages
    ],
)
def test_each_page_is_a_url_of_the_site_its_role_may_open(role, page):
    try:
        path = url_for(page, pk=1)
    except NoReverseMatch as exc:
        pytest.fail(f"{role}-{page.slug}: {exc}")
    assert resolve(path).view_name == page.url_name
    if page.url_name.startswith("admin:"):
        assert role == "administrator"
    else:
        assert ACCESS[page.url_name].expected(ACCESS_ROLE[role], "own", "GET") == OK


def test_file_names_are_one_per_shot_and_say_what_is_on_them():
    files = [
        Shot(role, page.slug, language, viewport, "/").file
        for role, pages in PAGES.items()
        for page in pages
        for language in ("nl-be", "en")
        for viewport in VIEWPORTS
    ]
    assert len(files) == len(set(files))
    assert str(files[0]) == "nl-be/desktop/caseworker-dashboard.png"


@pytest.mark.parametrize("role", list(ROLES))
def test_demo_user_of_each_role_opens_each_of_its_pages(seeded, role):
    user = get_user_model().objects.get(username=demo_username(role))
    client = Client()
    client.force_login(user)
    for slug, path in paths(role, user).items():
        assert client.get(path).status_code == 200, f"{role}-{slug}: {path}"


def test_missing_chromium_says_how_to_get_one(tmp_path):
    with pytest.raises(CommandError, match=r"apt-get install chromium.*SCREENSHOTS_CHROMIUM"):
        call_command("screenshots", chromium=str(tmp_path / "no-chromium"), out=tmp_path)
    assert not any(tmp_path.iterdir())
