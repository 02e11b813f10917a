"""Loading the SQL files in `sql/`.

Layout: `sql/<schema>/<name>.sql` holds the DDL of table `<schema>.<name>`; `sql/views/<schema>.<name>.sql`
holds a view or macro, created after every table exists; `sql/reports/<name>.sql` holds a reporting query,
read by name and never run at start-up.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from data_assets.settings import SQL_DIR


@cache
def read_sql(name: str) -> str:
    """Text of `sql/<name>.sql`; `name` may contain a folder, e.g. `reports/rows_per_stage`."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


def schema_statements() -> list[str]:
    """Every DDL statement, in an order that creates schemas, then tables, then views and macros."""
    statements: list[str] = []
    table_files = sorted(
        p for p in SQL_DIR.glob("*/*.sql") if p.parent.name not in {"views", "reports"}
    )
    for schema in sorted({p.parent.name for p in table_files}):
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    statements.extend(p.read_text(encoding="utf-8") for p in table_files)
    statements.extend(p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "views").glob("*.sql")))
    return statements


def ddl_fingerprint() -> tuple[tuple[str, float], ...]:
    """Changes when any SQL file changes, so a long-lived process re-applies new DDL."""
    return tuple(sorted((str(p), p.stat().st_mtime) for p in Path(SQL_DIR).glob("**/*.sql")))
