"""The static files' storage of production (config.staticfiles): WhiteNoise's hashed and
compressed files, each URL worked out from the manifest once per process and then answered
from memory, as long as the files stay as collectstatic left them."""

from unittest import mock

import pytest
from django.contrib.staticfiles.storage import StaticFilesStorage as SourceStorage
from django.core.files.base import ContentFile
from whitenoise.storage import CompressedManifestStaticFilesStorage

from config.settings import base
from config.staticfiles import StaticFilesStorage


@pytest.fixture
def collected(tmp_path, settings):
    """A STATIC_ROOT after collectstatic of one stylesheet, as production serves it."""
    settings.DEBUG = False
    source = SourceStorage(location=tmp_path / "source", base_url="/source/")
    source.save("app.css", ContentFile(b"body { color: black; }"))
    root = tmp_path / "root"

    def collect(storage):
        """As collectstatic: the file copied over the one before, then hashed."""
        storage.delete("app.css")
        with source.open("app.css") as file:
            storage.save("app.css", file)
        for _name, _hashed, processed in storage.post_process({"app.css": (source, "app.css")}):
            assert not isinstance(processed, Exception), processed

    collect(StaticFilesStorage(location=root, base_url="/static/"))
    return {"root": root, "source": source, "collect": collect}


def test_the_application_serves_its_static_files_through_it():
    """The settings of every environment but the tests' (which collect no files)."""
    assert base.STORAGES["staticfiles"]["BACKEND"] == "config.staticfiles.StaticFilesStorage"


def test_a_url_is_whitenoises_hashed_one(collected):
    ours = StaticFilesStorage(location=collected["root"], base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=collected["root"], base_url="/static/")
    assert ours.url("app.css") == theirs.url("app.css")
    assert (
        ours.url("app.css").startswith("/static/app.") and ours.url("app.css") != "/static/app.css"
    )


def test_the_manifest_is_asked_once_per_name(collected):
    storage = StaticFilesStorage(location=collected["root"], base_url="/static/")
    with mock.patch.object(storage, "stored_name", wraps=storage.stored_name) as looked_up:
        first = storage.url("app.css")
        assert [storage.url("app.css") for _ in range(3)] == [first] * 3
    assert looked_up.call_count == 1


def test_with_debug_on_the_name_is_served_as_it_is_even_after_its_hashed_url(collected, settings):
    storage = StaticFilesStorage(location=collected["root"], base_url="/static/")
    hashed = storage.url("app.css")
    settings.DEBUG = True
    assert storage.url("app.css") == "/static/app.css"
    settings.DEBUG = False
    assert storage.url("app.css") == hashed


def test_collecting_again_forgets_the_urls_of_the_files_before(collected):
    storage = StaticFilesStorage(location=collected["root"], base_url="/static/")
    before = storage.url("app.css")
    collected["source"].delete("app.css")
    collected["source"].save("app.css", ContentFile(b"body { color: navy; }"))
    collected["collect"](storage)
    after = storage.url("app.css")
    assert after != before
    assert after == CompressedManifestStaticFilesStorage(
        location=collected["root"], base_url="/static/"
    ).url("app.css")


def test_a_name_missing_from_the_manifest_is_still_refused(collected):
    storage = StaticFilesStorage(location=collected["root"], base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("missing.css")
