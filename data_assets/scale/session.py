"""One stage's use of a Ray cluster: the connection, its shard folder, and what it did (for metadata)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from data_assets.scale.shards import ShardStore

_connected: dict[str, str] = {}


def connect(address: str):
    """`ray`, connected to `address` (re-connecting when a run names another cluster)."""
    import ray
    import ray.data

    if ray.is_initialized() and _connected.get("address") != address:
        ray.shutdown()
    if not ray.is_initialized():
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False, configure_logging=False)
        _connected["address"] = address
    # Ray Data logs every dataset's progress at INFO; the stage's own metadata says what ran.
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    return ray


@dataclass
class RaySession:
    address: str
    batch_size: int
    shards: ShardStore
    log: logging.Logger | None = None
    tasks: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ray = connect(self.address)
        self.workers = int(self.ray.cluster_resources().get("CPU", 1))
        self.nodes = sum(1 for node in self.ray.nodes() if node.get("Alive"))

    def count(self, phase: str, tasks: int, seconds: float) -> None:
        self.tasks[phase] = self.tasks.get(phase, 0) + int(tasks)
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds

    @contextmanager
    def phase(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def map_batches(self, source: str, fn: Callable[..., pa.Table], target: str, rows: int, **fn_kwargs) -> None:
        """Ray Data: read shards `source`, apply `fn` to every Arrow batch, write shards `target`."""
        started = time.perf_counter()
        filesystem = None if self.shards.local else self.shards.filesystem
        dataset = self.ray.data.read_parquet(self.shards.path(source), filesystem=filesystem)
        dataset = dataset.map_batches(fn, batch_format="pyarrow", batch_size=self.batch_size, fn_kwargs=fn_kwargs)
        dataset.write_parquet(self.shards.path(target), filesystem=filesystem)
        # One map_batches call per batch; the writes are the tasks' output files.
        self.count(target, math.ceil(rows / self.batch_size), time.perf_counter() - started)
        self.rows[target] = rows

    def export_query(self, con: duckdb.DuckDBPyConnection, query: str, name: str) -> int:
        """DuckDB writes `query`'s rows as the input shards of `name`; returns the row count. The
        connection is needed only for this: the cluster's work runs after it is closed."""
        with self.phase(f"{name}_export"):
            return self.shards.export_query(con, query, f"{name}_in")[1]

    def export_arrow(self, table: pa.Table, name: str) -> int:
        with self.phase(f"{name}_export"):
            return self.shards.export_arrow(table, f"{name}_in")[1]

    def transform(self, name: str, rows: int, fn: Callable[..., pa.Table], order_by: str = "record_id", **fn_kwargs) -> pa.Table | None:
        """`fn` over every batch of the input shards of `name`, back as one Arrow table sorted by
        `order_by`; None when there were no rows (nothing to send)."""
        if rows == 0:
            return None
        self.map_batches(f"{name}_in", fn, name, rows, **fn_kwargs)
        with self.phase(f"{name}_load"):
            return self.shards.load(name, order_by=order_by)

    def hasher(self):
        """A `dedup.stage.Hasher` that hashes on the cluster."""
        from data_assets.dedup.stage import hash_texts
        from data_assets.scale.batches import hash_batch, hashed_features

        def hash_on_cluster(texts: pa.Table, scheme):
            table = self.transform("hash", self.export_arrow(texts, "hash"), hash_batch, scheme=scheme)
            if table is None:
                return hash_texts(texts, scheme)
            # Rows back in the order of `texts` (both by record_id; checked, since alignment is everything).
            if table.column("record_id").to_pylist() != texts.column("record_id").to_pylist():
                position = {r: i for i, r in enumerate(table.column("record_id").to_pylist())}
                table = table.take(np.array([position[r] for r in texts.column("record_id").to_pylist()], dtype=np.int64))
            return hashed_features(table, scheme)

        return hash_on_cluster

    def pair_search(self):
        from data_assets.scale.pairs import RayPairSearch

        return RayPairSearch(self)

    def metadata(self) -> dict:
        return {
            "address": self.address, "nodes": self.nodes, "workers": self.workers, "batch_size": self.batch_size,
            "tasks": dict(self.tasks), "tasks_total": int(sum(self.tasks.values())), "rows": dict(self.rows),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()}, "shards": self.shards.base,
        }
