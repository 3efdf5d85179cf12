"""In the database itself: no row of the trail is updated and, on PostgreSQL, a row is
deleted only when a purge with a later cutoff was recorded first (`trail.purge_before`).

TRUNCATE is left alone (the test suite's flush uses it). SQLite, the embedded default for the
demo and quick tests, refuses updates too, but deletes only through the model and the
queryset, which refuse them: its test flush deletes row by row."""

from django.db import migrations

CREATE = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND EXISTS (SELECT 1 FROM audit_purge WHERE cutoff > OLD.at) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'The audit trail is append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();

CREATE FUNCTION audit_purge_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The record of audit trail purges is append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_purge_append_only
    BEFORE UPDATE OR DELETE ON audit_purge
    FOR EACH ROW EXECUTE FUNCTION audit_purge_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_purge_append_only ON audit_purge;
DROP FUNCTION IF EXISTS audit_purge_append_only();
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


SQLITE_CREATE = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only (UPDATE refused)'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_entry_no_update;"


def run(postgresql, sqlite):
    def apply(apps, schema_editor):
        sql = {"postgresql": postgresql, "sqlite": sqlite}.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(run(CREATE, SQLITE_CREATE), run(DROP, SQLITE_DROP)),
    ]
