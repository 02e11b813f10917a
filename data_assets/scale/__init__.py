"""Scaling out on Ray: the same stage functions over Arrow batches across a cluster.

`RayResource` decides where the heavy stages run: with no address (the default, and
`DATA_ASSETS_RAY_ADDRESS` unset) everything stays in this process exactly as without Ray; with one,
compliance, dedup and the profiles send their per-record work to the cluster as Ray Data
`map_batches` over Parquet shards, and dedup's global step shuffles band keys across it.
Results are the same either way (tests/test_ray.py holds every table equal).
"""

import warnings  # noqa: I001

# The assets that can use Ray carry it through `resource_defs` (beta in Dagster 1.13); say it once, here.
warnings.filterwarnings("ignore", message="Parameter `resource_defs` of function `asset`")

from data_assets.scale.resource import DEFAULT_RAY, RayResource

__all__ = ["DEFAULT_RAY", "RayResource"]
