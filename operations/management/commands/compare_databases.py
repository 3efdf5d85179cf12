"""Compare two PostgreSQL databases, a backup's source and its restore: every table's rows
(their number and a checksum of their contents) and every sequence's position, so that a
restore that lost rows, changed one, or would hand out ids already taken shows. Exits 1 on
any difference. `make backup-check` runs it (docs/operations.md)."""

import psycopg
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql

TABLES = """
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name
"""
# The rows as text, each hashed and the hashes sorted: the same rows in any physical order
# give the same checksum; one changed value, one row more or less, another.
TABLE_FIGURES = """
    SELECT count(*), md5(coalesce(string_agg(row_hash, '' ORDER BY row_hash), ''))
    FROM (SELECT md5(t::text) AS row_hash FROM {table} AS t) AS rows
"""
SEQUENCES = """
    SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences
    WHERE schemaname = 'public' ORDER BY sequencename
"""


def snapshot(url: str) -> dict[str, tuple]:
    """{"table name": (rows, checksum), "sequence name": (last value,)} of the database."""
    found = {}
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")  # timestamps as text the same on both sides
        tables = [name for (name,) in cursor.execute(TABLES).fetchall()]
        for table in tables:
            query = sql.SQL(TABLE_FIGURES).format(table=sql.Identifier(table))
            found[f"table {table}"] = tuple(cursor.execute(query).fetchone())
        for name, last_value in cursor.execute(SEQUENCES).fetchall():
            found[f"sequence {name}"] = (last_value,)
    return found


class Command(BaseCommand):
    help = (
        "Compare two PostgreSQL databases table by table (rows, checksum) and sequence by sequence."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="URL of the database backed up")
        parser.add_argument("restored", help="URL of the database restored from the backup")

    def handle(self, *args, source: str, restored: str, **options):
        before, after = snapshot(source), snapshot(restored)
        differences = [
            f"{name}: {before.get(name, 'missing')} before, {after.get(name, 'missing')} after"
            for name in sorted(before.keys() | after.keys())
            if before.get(name) != after.get(name)
        ]
        tables = [name for name in before if name.startswith("table ")]
        rows = sum(before[name][0] for name in tables)
        self.stdout.write(
            f"{len(tables)} tables, {rows} rows and {len(before) - len(tables)} sequences compared."
        )
        if "table referrals_referral" in before:
            count, checksum = before["table referrals_referral"]
            self.stdout.write(f"referrals_referral: {count} rows, checksum {checksum}")
        if differences:
            raise CommandError("The restore differs:\n" + "\n".join(differences))
        self.stdout.write("The restore holds the same rows and sequences.")
