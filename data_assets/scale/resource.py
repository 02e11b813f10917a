"""`RayResource`: the cluster the heavy stages use, or none (in-process, exactly as without Ray)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from data_assets.scale.shards import ShardStore, shards_root

ADDRESS_ENV = "DATA_ASSETS_RAY_ADDRESS"


class RayResource(dg.ConfigurableResource):
    """Where compliance, dedup and the profiles run their per-record work and dedup its pair search.

    With no address they run in this process; with one (`ray://head:10001` for Ray Client, `auto` or
    `host:6379` for a cluster this machine belongs to) they run on that Ray cluster, whose workers
    must be able to import `data_assets` (install the package in the cluster's image) and read the
    shard folder. The Launchpad can change every field per run.
    """

    address: str | None = None
    """Ray cluster address; unset reads DATA_ASSETS_RAY_ADDRESS; empty (or unset variable): in-process."""
    batch_size: int = Field(2048, ge=1, le=1_000_000)
    """Records per Arrow batch of `map_batches` (one task's unit of work)."""
    shards: str | None = None
    """Root of the run-scoped Parquet shard folders; unset reads DATA_ASSETS_SHARDS (default `.data/shards`).
    A local path, or a pyarrow filesystem URI (`s3://bucket/prefix`) every node can read."""

    @property
    def resolved_address(self) -> str:
        address = self.address if self.address is not None else os.environ.get(ADDRESS_ENV, "")
        return address.strip()

    @property
    def enabled(self) -> bool:
        return bool(self.resolved_address)

    @contextmanager
    def session(self, stage: str, run_id: str, log: logging.Logger | None = None) -> Iterator:
        """A `RaySession` for one stage of one run, or None in-process. The shard folder is cleared
        before (a re-executed run starts clean) and after (a finished stage leaves nothing)."""
        if not self.enabled:
            yield None
            return
        from data_assets.scale.session import RaySession

        store = ShardStore(self.shards or shards_root(), run_id, stage)
        store.clear()
        session = RaySession(address=self.resolved_address, batch_size=self.batch_size, shards=store, log=log)
        if log:
            log.info(f"{stage}: on Ray at {session.address} ({session.workers} workers), shards in {store.base}")
        try:
            yield session
        finally:
            store.clear()


# One instance for every asset that can use Ray (Dagster takes one definition per resource key).
# Assets carry it as their own default, so a materialize() that passes only the warehouse still
# runs in-process; DATA_ASSETS_RAY_ADDRESS or the Launchpad's `resources.ray.config` picks a cluster.
DEFAULT_RAY = RayResource()
