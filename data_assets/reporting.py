"""Plain-text reports for the command line: the run summary and a record's trace."""

from __future__ import annotations

import pandas as pd

from data_assets import settings
from data_assets.warehouse import WarehouseResource, read_sql

# Tables whose rows say why something was dropped, and the column that says it.
REASON_COLUMNS = ("reason", "reasons", "error", "status", "method", "verdict")


def summary_text(warehouse: WarehouseResource) -> str:
    lines: list[str] = []
    with warehouse.connect() as con:
        tables = con.execute(read_sql("reports/rows_per_table")).fetchall()
        lines.append("rows per table:")
        for schema, table in tables:
            count = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            lines.append(f"  {schema + '.' + table:<32} {count:>9,}")
        rejects = con.execute(read_sql("reports/raw_rejects_by_reason")).df()
        lines.append("\ndrops and rejects by reason:")
        if len(rejects):
            for row in rejects.itertuples(index=False):
                lines.append(f"  {'raw.rejects':<24} {row.source}: {row.reason}: {row.rows}")
        for schema, table in tables:
            if (schema, table) in {("raw", "rejects"), ("raw", "documents"), ("raw", "preferences"), ("raw", "files"), ("lineage", "edges")}:
                continue
            for line in _reason_lines(con, schema, table):
                lines.append(line)
    lines.append("")
    lines.append(f"database: {warehouse.database}")
    lines.append(f"reports:  {settings.reports_dir()}")
    lines.append(f"exports:  {settings.exports_dir()}")
    lines.append("trace a record: python -m data_assets trace RECORD_ID")
    return "\n".join(lines)


def _reason_lines(con, schema: str, table: str) -> list[str]:
    columns = {r[0]: r[1] for r in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchall()}
    for column in REASON_COLUMNS:
        if column not in columns:
            continue
        expression = f'unnest("{column}")' if columns[column].endswith("[]") else f'"{column}"'
        if column in ("status", "method", "verdict"):
            # Only a breakdown of the table's own categories; not reasons of a drop.
            rows = con.execute(f'SELECT {expression} AS k, count(*) FROM "{schema}"."{table}" GROUP BY ALL ORDER BY 2 DESC LIMIT 8').fetchall()
        else:
            rows = con.execute(
                f'SELECT regexp_replace(CAST({expression} AS VARCHAR), \'(:| \\(| at ).*$\', \'\') AS k, count(*) '
                f'FROM "{schema}"."{table}" GROUP BY ALL ORDER BY 2 DESC LIMIT 8').fetchall()
        rows = [(k, n) for k, n in rows if k is not None]
        return [f"  {schema + '.' + table:<24} {column}={k}: {n}" for k, n in rows]
    return []


def trace_text(warehouse: WarehouseResource, record_id: str) -> tuple[str, bool]:
    """A record's ancestry, one step per line, ending at the source file and row it came from.

    Only ids, places, steps and reasons are printed: never the raw text, which may hold PII.
    """
    with warehouse.connect() as con:
        steps = con.execute("SELECT * FROM lineage.trace(?) ORDER BY depth, stage, parent_id", [record_id]).df()
        ids = {record_id, *steps.get("parent_id", pd.Series(dtype=str)).tolist()}
        placeholders = ", ".join("?" for _ in ids)
        roots = con.execute(
            f"""SELECT record_id, source, source_uri, source_row, role, origin, 'raw.documents' AS tbl FROM raw.documents WHERE record_id IN ({placeholders})
                UNION ALL
                SELECT record_id, source, source_uri, source_row, role, origin, 'raw.preferences' FROM raw.preferences WHERE record_id IN ({placeholders})""",
            [*ids, *ids],
        ).df()
        appears = _tables_holding(con, record_id)
    if steps.empty and roots.empty and not appears:
        return f"record {record_id} not found in the warehouse {warehouse.database}", False
    lines = [f"record {record_id}"]
    if appears:
        lines.append("  appears in: " + "; ".join(appears))
    for step in steps.itertuples(index=False):
        indent = "  " * (int(step.depth) + 1)
        if step.child_id == step.parent_id:
            lines.append(f"{indent}{step.stage}: {step.operation} ({step.detail or 'no detail'})")
        else:
            lines.append(f"{indent}{step.stage}: {step.child_id} <- {step.operation} of {step.parent_id}" + (f" ({step.detail})" if step.detail else ""))
    for root in roots.itertuples(index=False):
        lines.append(f"  source: {root.record_id} is row {root.source_row} of {root.source_uri} "
                     f"(source {root.source}, {root.role}, {root.origin}, {root.tbl})")
    return "\n".join(lines), True


def _tables_holding(con, record_id: str) -> list[str]:
    """Tables with a record_id column that hold this id, with their status-like columns."""
    found = []
    tables = con.execute(
        "SELECT table_schema, table_name FROM information_schema.columns WHERE column_name = 'record_id' ORDER BY ALL"
    ).fetchall()
    for schema, table in tables:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()}
        shown = [c for c in ("status", "reasons", "method", "cluster_id", "representative_id", "verified") if c in columns]
        select = ", ".join(f'"{c}"' for c in shown) or "1"
        row = con.execute(f'SELECT {select} FROM "{schema}"."{table}" WHERE record_id = ? LIMIT 1', [record_id]).fetchone()
        if row is not None:
            details = ", ".join(f"{c}={v}" for c, v in zip(shown, row))
            found.append(f"{schema}.{table}" + (f" ({details})" if details else ""))
    return found
