"""What only PostgreSQL has, for the migrations (the loader skips modules starting with `_`).
The audit trail's, the messages' and the webhooks' migrations use it too (`audit` 0005,
`notifications` 0011, `webhooks` 0003): keep its names when reorganising.

The trigram indexes of the client search cannot be `Meta.indexes`: a GIN index with an
operator class is PostgreSQL's alone, and SQLite (the quick start's database) would fail on
it, when the migration runs and again whenever SQLite rebuilds the table from the model
(it recreates every index the model lists). So they are SQL that runs on PostgreSQL only,
and the model's state never knows them.

Their extension, pg_trgm, comes with PostgreSQL's contrib (in Debian's and the Docker image's
PostgreSQL); it is trusted, so the database's owner may create it."""

from django.contrib.postgres import operations as postgres
from django.db import migrations
from django.db.migrations.operations.base import Operation


class TrigramExtension(postgres.TrigramExtension):
    """Django's, which does nothing off PostgreSQL on the way forward, and now on the way
    back too (Django's asks SQLite for `pg_extension` there)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class RunSQLOnPostgres(migrations.RunSQL):
    """`RunSQL` that does nothing off PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_index(
    table: str, column: str, name: str, *, concurrently: bool = False
) -> RunSQLOnPostgres:
    """A GIN trigram index on UPPER(column), the expression Django's `icontains` compares on
    PostgreSQL (`UPPER("column"::text) LIKE UPPER('%word%')`): the planner uses an index for
    an expression only when it is the same expression. Of every row, blank texts too: the
    planner knows how often a word is found from the statistics of such an index, and not
    from those of a partial one (of the rows with a text), with which it guessed 300 lines
    of the history where 70,000 held the word. `concurrently` (in a migration with `atomic
    = False`): built without locking out the table's writes."""
    how = "CONCURRENTLY " if concurrently else ""
    return RunSQLOnPostgres(
        f'CREATE INDEX {how}"{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
        reverse_sql=f'DROP INDEX {how}IF EXISTS "{name}"',
    )


class AddIndexOnPostgres(migrations.AddIndex):
    """`AddIndex` that does nothing off PostgreSQL, for an expression only PostgreSQL can
    index without Django's own SQL functions (a timestamp's day in a time zone): the model's
    state is never told of it, so SQLite never recreates it either; removing it takes the
    reverse of this operation, not a `RemoveIndex` (which would look for it in the state).
    Django writes its SQL, so it is the expression the queries compare on."""

    concurrently = False

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self._on_postgres(schema_editor, model):
            schema_editor.add_index(model, self.index, concurrently=self.concurrently)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self._on_postgres(schema_editor, model):
            schema_editor.remove_index(model, self.index, concurrently=self.concurrently)

    def _on_postgres(self, schema_editor, model) -> bool:
        connection = schema_editor.connection
        return connection.vendor == "postgresql" and self.allow_migrate_model(
            connection.alias, model
        )

    def describe(self):
        return f"{super().describe()} (PostgreSQL only)"


class AddIndexConcurrentlyOnPostgres(AddIndexOnPostgres):
    """`AddIndexOnPostgres` built without locking out writes (`CREATE INDEX CONCURRENTLY`, in
    a migration with `atomic = False`): a big table's steps go on while it is built."""

    concurrently = True


class RemoveIndexConcurrentlyOnPostgres(AddIndexConcurrentlyOnPostgres):
    """The reverse of `AddIndexConcurrentlyOnPostgres`: its index dropped without holding
    back the table's reads and writes (`DROP INDEX CONCURRENTLY IF EXISTS`), built again
    the same way on the way back; nothing off PostgreSQL, and the model's state never knew
    it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Remove index {self.index.name} on {self.model_name} (PostgreSQL only)"


class AddIndexConcurrently(migrations.AddIndex):
    """`AddIndex` of an index the model lists, built without locking out writes on
    PostgreSQL (`CREATE INDEX CONCURRENTLY`, in a migration with `atomic = False`) and as
    usual elsewhere (Django's own `AddIndexConcurrently` is PostgreSQL's alone)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


class RemoveIndexConcurrently(migrations.RemoveIndex):
    """`RemoveIndex` of an index the model listed, dropped without waiting for every read
    of the table to end and holding back the ones that come after (`DROP INDEX
    CONCURRENTLY`, in a migration with `atomic = False`) on PostgreSQL, as usual elsewhere;
    built again the same way on the way back."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **_concurrently(schema_editor))


class DropFieldIndex(Operation):
    """Drop the index Django made for a foreign key (`db_index`, named `name`), concurrently
    on PostgreSQL (in a migration with `atomic = False`); made again on the way back. The
    database's half of a `SeparateDatabaseAndState` whose state's half is the `AlterField`
    to `db_index=False`: that `AlterField` alone drops the foreign key's constraint and adds
    it again around the index, which checks every row under a lock on both tables.

    Dropped `IF EXISTS`, so that a migration stopped halfway runs again; made again without
    `IF NOT EXISTS`, so that one left invalid says so (docs/operations.md). A test holds the
    database to having no index of the column alone (a wrong name would leave it there)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, column: str, name: str):
        self.model_name = model_name
        self.column = column
        self.name = name

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.execute(
                f"DROP INDEX {_concurrent(schema_editor)}IF EXISTS "
                f"{schema_editor.quote_name(self.name)}"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            quote = schema_editor.quote_name
            schema_editor.execute(
                f"CREATE INDEX {_concurrent(schema_editor)}{quote(self.name)} "
                f"ON {quote(model._meta.db_table)} ({quote(self.column)})"
            )

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "column": self.column, "name": self.name}
        return self.__class__.__qualname__, [], kwargs

    def describe(self):
        return f"Drop the index {self.name} of {self.model_name}.{self.column}"


def _concurrent(schema_editor) -> str:
    return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""


def _concurrently(schema_editor) -> dict:
    """`_concurrent` as the schema editor's keyword (SQLite's methods take none)."""
    return {"concurrently": True} if _concurrent(schema_editor) else {}


class AddConstraintNotValidOnPostgres(postgres.AddConstraintNotValid):
    """A check constraint added on PostgreSQL without reading the rows already there (`NOT
    VALID`: a moment's lock, however big the table; new and changed rows are checked at
    once), which `ValidateConstraintOnPostgres` then checks without holding back writes;
    Django's `AddConstraint` elsewhere (SQLite rebuilds the table)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddConstraint.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )


class ValidateConstraintOnPostgres(postgres.ValidateConstraint):
    """Django's `ValidateConstraint` (PostgreSQL checks the rows already there under a lock
    that lets reads and writes go on), nothing elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)


def lock_timeout(duration: str) -> RunSQLOnPostgres:
    """The migration's transaction gives up on a lock it waited `duration` for, rather than
    hold up every query that queues behind it (a table's ALTER waiting for a long read);
    run it again at a quieter moment."""
    return RunSQLOnPostgres(f"SET LOCAL lock_timeout = '{duration}'", migrations.RunSQL.noop)
