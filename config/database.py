"""`settings.DATABASES` from DATABASE_URL."""

from pathlib import Path

import dj_database_url

LOCAL_SQLITE = Path(__file__).resolve().parent.parent / "db.sqlite3"


def database(url: str | None) -> dict:
    """The database of DATABASE_URL (SQLite's file by default). On PostgreSQL without JIT:
    a query the planner thinks costly (Mijn werk's counts at a million referrals) spent a
    few hundred milliseconds compiling before reading a few thousand rows."""
    config = dj_database_url.parse(
        url or f"sqlite:///{LOCAL_SQLITE}", conn_max_age=60, conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config
