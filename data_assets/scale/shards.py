"""Parquet shards in a run-scoped folder: how data moves between DuckDB and Ray without the driver.

DuckDB writes a stage's input with `COPY ... (FORMAT parquet, PER_THREAD_OUTPUT)`, Ray reads and
writes shards beside it, and DuckDB reads the results back with `read_parquet`. The root is a local
path (default `.data/shards`) or any URI pyarrow's filesystems open (`s3://bucket/prefix`,
`gs://...`), set by `DATA_ASSETS_SHARDS`; on a cluster it must be a place every node can read.
For a URI, DuckDB would need its httpfs extension (a download), so pyarrow moves those shards instead.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.fs as pafs

DEFAULT_ROOT = ".data/shards"


def shards_root() -> str:
    return os.environ.get("DATA_ASSETS_SHARDS") or DEFAULT_ROOT


@dataclass
class ShardStore:
    """The folder `<root>/<run_id>/<stage>/` and the named shard sets in it."""

    root: str
    run_id: str
    stage: str
    filesystem: pafs.FileSystem = field(init=False, repr=False)
    base: str = field(init=False)

    def __post_init__(self) -> None:
        if "://" in self.root:
            self.filesystem, path = pafs.FileSystem.from_uri(self.root)
        else:
            self.filesystem, path = pafs.LocalFileSystem(), os.path.abspath(self.root)
        self.base = posixpath.join(path, _safe(self.run_id), _safe(self.stage))

    @property
    def local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    def path(self, name: str) -> str:
        return posixpath.join(self.base, name)

    def clear(self) -> None:
        """Remove this stage's folder: a re-executed run starts clean, a finished one leaves nothing."""
        info = self.filesystem.get_file_info(self.base)
        if info.type != pafs.FileType.NotFound:
            self.filesystem.delete_dir(self.base)

    def export_query(self, con: duckdb.DuckDBPyConnection, query: str, name: str) -> tuple[str, int]:
        """The rows of `query` as shards `name`; returns their folder and the row count."""
        path = self.path(name)
        if self.local:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            rows = con.execute(f"COPY ({query}) TO '{_quote(path)}' (FORMAT parquet, PER_THREAD_OUTPUT, OVERWRITE)").fetchone()[0]
            return path, int(rows)
        return self.export_arrow(con.execute(query).to_arrow_table(), name)

    def export_arrow(self, table: pa.Table, name: str) -> tuple[str, int]:
        path = self.path(name)
        if self.local:
            with duckdb.connect() as con:
                con.register("_shard_input", table)
                return self.export_query(con, "SELECT * FROM _shard_input", name)
        pds.write_dataset(table, path, format="parquet", filesystem=self.filesystem, max_rows_per_file=1 << 16,
                          max_rows_per_group=1 << 16, existing_data_behavior="delete_matching")
        return path, table.num_rows

    def load(self, name: str, order_by: str | None = None) -> pa.Table:
        """Every shard of `name` as one Arrow table (DuckDB's read_parquet for a local root)."""
        path = self.path(name)
        if self.local:
            with duckdb.connect() as con:
                con.execute("SET enable_progress_bar = false")
                order = f" ORDER BY {order_by}" if order_by else ""
                return con.sql(f"SELECT * FROM read_parquet('{_quote(path)}/*.parquet'){order}").to_arrow_table()
        table = pds.dataset(path, format="parquet", filesystem=self.filesystem).to_table()
        return table.sort_by(order_by) if order_by else table

    def files(self, name: str) -> int:
        selector = pafs.FileSelector(self.path(name), allow_not_found=True)
        return sum(1 for f in self.filesystem.get_file_info(selector) if f.path.endswith(".parquet"))


def _safe(part: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in part)


def _quote(path: str) -> str:
    return path.replace("'", "''")
