"""Fixtures shared by every test folder.

Each app keeps its factories and fixtures in tests/<app>/ (factories.py, conftest.py). Put a
fixture here only when two apps need it, or when it is machinery for tests of any app."""

import pytest
from django.db import transaction


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
            # Inside a test's transaction the rows would go with it at the end of the test.
            assert not transaction.get_connection().in_atomic_block, "shared rows before `db`"
            with self.blocker.unblock():
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
