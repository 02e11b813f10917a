"""The DDL files are the table contract: what the parser reads from them is what DuckDB creates."""

from __future__ import annotations

from data_assets.settings import SQL_DIR
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.sql import table_columns


def test_every_table_file_parses_to_the_columns_duckdb_creates(warehouse: WarehouseResource):
    tables = sorted(f"{p.parent.name}.{p.stem}" for p in SQL_DIR.glob("*/*.sql") if p.parent.name not in {"views", "reports"})
    assert len(tables) >= 20
    with warehouse.connect() as con:
        for table in tables:
            schema, name = table.split(".")
            actual = con.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name]).fetchall()
            parsed = [(n, t, "NO" if required else "YES") for n, t, required, _ in table_columns(table)]
            assert parsed == actual, table


def test_shared_columns_mean_the_same_everywhere():
    described = {name: text for name, _, _, text in table_columns("compliance.documents")}
    assert described["record_id"] == dict((n, d) for n, _, _, d in table_columns("raw.documents"))["record_id"]
    assert described["status"].startswith("pass | redacted | dropped")
