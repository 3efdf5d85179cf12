"""Migrating the test database back and forth, for the tests of what a migration does (each
with `transaction=True, serialized_rollback=True`, and the `back_to_latest` fixture, which
leaves the database at the latest migrations whatever happened)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """The database migrated to `targets`; the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """The latest migration of every app."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
