"""The DuckDB warehouse: one resource, the DDL from `sql/`, and small write helpers."""

from data_assets.warehouse.resource import WarehouseResource
from data_assets.warehouse.sql import read_sql

__all__ = ["WarehouseResource", "read_sql"]
