"""Asset-check factories for the table contracts every stage shares."""

from __future__ import annotations

import dagster as dg

from data_assets.warehouse import WarehouseResource


def unique_key_check(asset: dg.AssetsDefinition | str, table: str, key: str = "record_id", where: str = "TRUE", blocking: bool = True):
    @dg.asset_check(asset=asset, name=f"unique_{key}", blocking=blocking,
                    description=f"`{key}` is unique in {table}.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            duplicates = con.execute(
                f"SELECT count(*) FROM (SELECT {key} FROM {table} WHERE {where} GROUP BY {key} HAVING count(*) > 1)"
            ).fetchone()[0]
        return dg.AssetCheckResult(passed=duplicates == 0, metadata={"duplicated_keys": duplicates})

    return _check


def not_null_check(asset: dg.AssetsDefinition | str, table: str, columns: list[str], blocking: bool = True):
    @dg.asset_check(asset=asset, name="required_columns_not_null", blocking=blocking,
                    description=f"No nulls in the required columns of {table}: {', '.join(columns)}.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        sums = ", ".join(f"count(*) FILTER (WHERE \"{c}\" IS NULL)" for c in columns)
        with warehouse.connect() as con:
            counts = con.execute(f"SELECT {sums} FROM {table}").fetchone()
        nulls = {c: int(n) for c, n in zip(columns, counts) if n}
        return dg.AssetCheckResult(passed=not nulls, metadata={"null_counts": dg.MetadataValue.json(nulls)})

    return _check


def lineage_check(asset: dg.AssetsDefinition | str, table: str, stage: str, where: str = "TRUE", key: str = "record_id", blocking: bool = True):
    """Every derived row of `table` (rows matching `where`) has at least one edge of `stage`."""

    @dg.asset_check(asset=asset, name="derived_rows_have_lineage", blocking=blocking,
                    description=f"Every derived row of {table} has a lineage edge from stage `{stage}`.")
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            missing, total = con.execute(
                f"""SELECT count(*) FILTER (WHERE e.child_id IS NULL), count(*)
                    FROM (SELECT DISTINCT {key} AS id FROM {table} WHERE {where}) t
                    LEFT JOIN (SELECT DISTINCT child_id FROM lineage.edges WHERE stage = ?) e ON e.child_id = t.id""",
                [stage],
            ).fetchone()
        return dg.AssetCheckResult(passed=missing == 0, metadata={"derived_rows": int(total), "without_edges": int(missing)})

    return _check
