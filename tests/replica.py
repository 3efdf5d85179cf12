"""The figures' replica in the tests: the test database itself, read through a second
connection (Django's test mirror, `config/settings/test.py`)."""

import pytest
from django.db import DEFAULT_DB_ALIAS

# For a test that reads the replica. Transactional: the replica sees only committed rows,
# and its connection, which pytest-django never closes after a test in a transaction of its
# own, would keep the database from being dropped at the end of the run (Django's
# transactional test closes every connection as it ends).
reads_the_replica = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, "replica"]
)
