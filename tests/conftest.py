"""Fixtures shared by every test folder.

Each app keeps its factories and fixtures in tests/<app>/ (factories.py, conftest.py). Put a
fixture here only when two apps need it, or when it is machinery for tests of any app.

The cast, for the referrals, the notifications and the browser tests: the Gent caseworker
and the Oost-Vlaanderen counsellor who act on a referral of OCMW Gent for a training in
Oost-Vlaanderen, the people who must not see it (OCMW Aalst, VDAB Limburg, the network
manager) and the functional administrator. A module whose people differ on purpose (a
training with a contact counsellor, a login through the form) says so in its own fixture."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test.client import ClientHandler
from django.utils import translation
from pytest_django.fixtures import validate_django_db

from accounts.models import Province
from referrals.enums import OkotType
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    VdabOrganisationFactory,
)
from tests.accounts.two_factor import Client
from tests.clock import (  # noqa: F401 - `pytest --clock MOMENT`
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_report_header,
)
from tests.integration import (  # noqa: F401 - the integration tests' shared real parts
    celery_on_redis,
    integration_dir,
    redis_server,
    smtp_server,
    worker_env,
)
from tests.migrating import latest, migrate
from tests.referrals.factories import TrainingFactory


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A transactional test (`django_db(transaction=True)`, or `reset_sequences`) needs
    `serialized_rollback=True`: without it, this hook fails the test before any of its
    fixtures is set up.

    pytest-django runs the transactional tests after the others. Each empties the database
    as it ends, and each with `serialized_rollback` loads the migrations' rows again as it
    starts. One without it breaks the next one's start: its emptying sends post_migrate,
    which makes the content types again, and the next test's load of them then breaks
    their unique constraint. (Django sends no post_migrate after a test with
    `serialized_rollback`.)"""
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return
    transactional, reset_sequences, _databases, serialized_rollback, _apps = validate_django_db(
        marker
    )
    if (transactional or reset_sequences) and not serialized_rollback:
        pytest.fail("A transactional test needs django_db(serialized_rollback=True).")


@pytest.fixture(autouse=True)
def close_streamed_responses(monkeypatch):
    """A streamed response (a document, a workbook, a static file) holds its file until it
    is closed: a WSGI server closes it after sending it, Django's test client only once a
    test has read it to its end. Those of `Client` and DRF's `APIClient` that a test did not
    read are closed as it ends, rather than by the garbage collector, with a ResourceWarning,
    at some later point, often in another test. Closed as the test client closes the others:
    with `close_old_connections` disconnected from `request_finished`, so that closing does
    not close the test's database connection. (For a test that asks for `db` itself rather
    than by its mark, this runs after the database's rollback: the files these responses
    hold are not in the database.) `ClientHandler` is not Django's public API:
    tests/referrals/test_documents.py pins it. The responses kept, for that test."""
    streamed = []
    original_call = ClientHandler.__call__

    def kept(handler, environ):
        response = original_call(handler, environ)
        if response.streaming:
            streamed.append(response)
        return response

    monkeypatch.setattr(ClientHandler, "__call__", kept)
    yield streamed
    request_finished.disconnect(close_old_connections)
    try:
        for response in streamed:
            if not response.closed:  # else read to its end, and closed then
                response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def client():
    """pytest-django's `client`, except that force_login() also passes the second factor
    for those who need one (tests/accounts/two_factor.py): the admin and the administrators'
    pages ask for it, and a test logging in there is not about it."""
    return Client()


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's superuser client, through the same Client."""
    client = Client()
    client.force_login(admin_user)
    return client


# --- the cast -------------------------------------------------------------------------------


@pytest.fixture
def ocmw_gent(db):
    return OrganisationFactory()


@pytest.fixture
def caseworker(ocmw_gent):
    return CaseworkerFactory(
        organisation=ocmw_gent, first_name="Sofie", last_name="Claes", work_phone="09 266 12 34"
    )


@pytest.fixture
def caseworker_of_other_ocmw(db):
    return CaseworkerFactory(organisation=OcmwFactory(municipality="Aalst"))


@pytest.fixture
def counsellor(db):
    return CounsellorFactory(
        organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN),
        first_name="Jan",
        last_name="Peeters",
    )


@pytest.fixture
def counsellor_of_other_region(db):
    return CounsellorFactory(organisation=VdabOrganisationFactory(province=Province.LIMBURG))


@pytest.fixture
def network_manager(db):
    return NetworkManagerFactory(
        organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    )


@pytest.fixture
def administrator(db):
    """The functional administrator: staff in the Administrator group, not a superuser."""
    return AdministratorFactory()


@pytest.fixture
def training(db):
    """An HBO5 training in Gent (Oost-Vlaanderen), without a contact counsellor."""
    return TrainingFactory(
        title="Verpleegkunde HBO5",
        okot_type=OkotType.HBO,
        province=Province.OOST_VLAANDEREN,
        location="Gent",
    )


@pytest.fixture
def in_english():
    """Messages checked in English (the code's own strings), whatever translations exist."""
    with translation.override("en"):
        yield


# --- rows shared by the tests of a module ------------------------------------------------------


class SharedRows:
    """Rows that many tests of a module only read, made once for them rather than per test.

    They are written in a transaction of their own around the tests' (pytest-django's `db`
    opens a savepoint inside it, so what a test changes is undone after it as usual), kept
    for the next test that asks for them, and rolled back before a test that does not and at
    the end of the module: none of them reaches another test, whatever order tests run in.

    A module that uses them asks for `db` with `pytestmark = pytest.mark.usefixtures("db")`,
    not the django_db mark (which opens the test's transaction before any fixture of the
    module runs), and makes or rolls back the rows in an autouse fixture, which runs before
    `db`:

        @pytest.fixture(autouse=True)
        def world_where_asked(request, shared_rows):
            if "world" in request.fixturenames:
                shared_rows.make(make_world)
            else:
                shared_rows.roll_back()
    """

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.atomic = None
        self.rows = None

    def make(self, make_rows):
        """What `make_rows()` returns, made now unless it still is there (one maker a module)."""
        if self.atomic is None:
            with self.blocker.unblock():
                # Inside a test's transaction the rows would go with it at the end of the test.
                assert transaction.get_autocommit(), "shared rows before `db`"
                self.atomic = transaction.atomic()
                self.atomic.__enter__()
                try:
                    self.rows = make_rows()
                except BaseException:
                    self.roll_back()
                    raise
        return self.rows

    def roll_back(self) -> None:
        if self.atomic is not None:
            with self.blocker.unblock():
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)
            self.atomic = None
            self.rows = None


@pytest.fixture(scope="module")
def shared_rows(django_db_setup, django_db_blocker):
    """The module's `SharedRows`, rolled back at the end of the module."""
    rows = SharedRows(django_db_blocker)
    yield rows
    rows.roll_back()


@pytest.fixture
def back_to_latest():
    """Whatever the test migrated to (`tests.migrating.migrate`), the database ends at the
    latest migrations again."""
    yield
    migrate(latest())
