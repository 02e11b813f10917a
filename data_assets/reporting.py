"""Plain-text reports for the command line: the run summary and a record's trace."""

from __future__ import annotations

import pandas as pd

from data_assets import settings
from data_assets.warehouse import WarehouseResource, read_sql


def summary_text(warehouse: WarehouseResource) -> str:
    """Rows per stage, drops by reason, and where the database, reports and exports are."""
    with warehouse.connect() as con:
        stages = con.execute(read_sql("reports/rows_per_stage")).fetchall()
        drops = con.execute(read_sql("reports/drops_by_reason")).fetchall()
        semantic = con.execute(read_sql("reports/semantic_steps")).fetchall()
        caps = con.execute(read_sql("reports/spend_caps")).fetchall()
    lines = []
    if caps:
        lines.append("SPEND CAP REACHED: these steps are incomplete, and this run replaced no export:")
        lines += [f"  {step:<28} {skipped:>6,} requests not sent ({reason}; ${cost:.4f} spent)"
                  for step, reason, skipped, cost in caps]
        lines.append("  raise the cap (--max-usd, DATA_ASSETS_MAX_USD_PER_RUN) and re-run: answers already paid for come from llm.calls.\n")
    lines.append("rows per stage:")
    lines += [f"  {stage:<36} {rows:>8,}" for _, stage, rows in stages]
    lines.append("\ndrops and rejects by reason (each kept, with its reason, in the table named):")
    lines += [f"  {stage:<11} {reason:<48} {rows:>6,}  {kept_in}" for stage, kept_in, reason, rows in drops]
    if semantic:
        lines.append("\nsemantic layer (last run of each step):")
        lines += [f"  {step:<28} {status:<8} {reason}" for step, status, reason in semantic]
    lines += [
        "",
        f"database: {warehouse.database}",
        f"reports:  {settings.reports_dir()}",
        f"exports:  {settings.exports_dir()}",
        "trace a record: python -m data_assets trace RECORD_ID",
    ]
    return "\n".join(lines)


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
    # A parent reached by two paths (a pair's prompt and its responses share one) is shown once.
    steps = steps.drop_duplicates(subset=["child_id", "parent_id", "stage", "operation"], keep="first")
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
    """Tables keyed by record_id or pair_id that hold this id, with their status-like columns."""
    found = []
    tables = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE column_name IN ('record_id', 'pair_id') AND table_schema <> 'lineage' ORDER BY ALL"
    ).fetchall()
    for schema, table, key in tables:
        columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?", [schema, table]).fetchall()}
        shown = [c for c in ("status", "reasons", "method", "representative_id", "verified", "verdict") if c in columns]
        select = ", ".join(f'"{c}"' for c in shown) or "1"
        row = con.execute(f'SELECT {select} FROM "{schema}"."{table}" WHERE "{key}" = ? LIMIT 1', [record_id]).fetchone()
        if row is not None:
            details = ", ".join(f"{c}={v}" for c, v in zip(shown, row))
            found.append(f"{schema}.{table}" + (f" ({details})" if details else ""))
    return found
