"""Loading the SQL files in `sql/`.

Layout: `sql/<schema>/<name>.sql` holds the DDL of table `<schema>.<name>`; `sql/views/<schema>.<name>.sql`
holds a view or macro, created after every table exists; `sql/reports/<name>.sql` holds a reporting query,
read by name and never run at start-up.
"""

from __future__ import annotations

import re
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
        # checks/ and reports/ hold queries, not DDL.
        p for p in SQL_DIR.glob("*/*.sql") if p.parent.name not in {"views", "reports", "checks"}
    )
    for schema in sorted({p.parent.name for p in table_files}):
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    statements.extend(p.read_text(encoding="utf-8") for p in table_files)
    statements.extend(p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "views").glob("*.sql")))
    return statements


def ddl_fingerprint() -> tuple[tuple[str, float], ...]:
    """Changes when any SQL file changes, so a long-lived process re-applies new DDL."""
    return tuple(sorted((str(p), p.stat().st_mtime) for p in Path(SQL_DIR).glob("**/*.sql")))


_COLUMN = re.compile(
    r"^\s*\"?(?P<name>\w+)\"?\s+(?P<type>[A-Z]+(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?)(?P<rest>[^-]*)(?:--\s*(?P<comment>.*))?$"
)
# Column names every record table shares; their meaning is written once, in raw.documents.
_GLOSSARY_TABLE = "raw.documents"


@cache
def table_columns(table: str) -> tuple[tuple[str, str, bool, str], ...]:
    """(name, type, required, description) of each column of `schema.table`, read from its DDL file.

    The DDL's trailing `-- comment` is the description; a column without one borrows the comment
    of the same column in raw.documents, so `record_id` means the same thing in every table.
    """
    schema, name = table.split(".", 1)
    columns = []
    inside = False
    for line in read_sql(f"{schema}/{name}").splitlines():
        if line.lstrip().upper().startswith("CREATE TABLE"):
            inside = True
            continue
        if not inside:
            continue
        if line.strip().startswith(")"):
            break
        match = _COLUMN.match(line)
        if match and match["name"].upper() not in {"PRIMARY", "UNIQUE", "CONSTRAINT", "CHECK"}:
            required = any(word in match["rest"].upper() for word in ("NOT NULL", "PRIMARY KEY"))
            columns.append((match["name"], match["type"], required, (match["comment"] or "").strip()))
    if table != _GLOSSARY_TABLE:
        glossary = {c[0]: c[3] for c in table_columns(_GLOSSARY_TABLE)}
        columns = [(n, t, r, d or glossary.get(n, "")) for n, t, r, d in columns]
    return tuple(columns)
