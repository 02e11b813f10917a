"""The Ray path against a real local cluster: every table equal to an in-process run.

The cluster is started by the test (`ray start --head` on 127.0.0.1, free ports, 2 CPUs, its own
temporary folder, no dashboard, no usage stats) and stopped by it; see data_assets.scale.local.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from data_assets.compliance.assets import compliance_documents
from data_assets.dedup.assets import dedup_documents
from data_assets.definitions import all_assets, all_checks, build_resources
from data_assets.ingest.assets import raw_documents
from data_assets.profile.assets import raw_profile
from data_assets.scale import RayResource
from data_assets.scale.local import LocalRayCluster
from data_assets_tests.benchmarks.ray_overhead import alpaca_corpus, point_at

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# Columns that differ between any two runs: ids of the run and wall-clock times.
VOLATILE_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE")
VOLATILE_NAMES = {"run_id", "seconds", "latency_ms", "duration_s", "elapsed_s"}


@pytest.fixture(scope="module")
def cluster():
    with LocalRayCluster(num_cpus=2) as address:
        yield address


def _tables(path: str) -> dict[str, pd.DataFrame]:
    """Every table of the warehouse, volatile columns left out, rows in a canonical order."""
    out = {}
    with duckdb.connect(path, read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall()
        for schema, name in tables:
            columns = [c for c, t in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", [schema, name]).fetchall()
                if c not in VOLATILE_NAMES and t not in VOLATILE_TYPES]
            if not columns:
                continue
            listed = ", ".join(f'"{c}"' for c in columns)
            frame = con.execute(f'SELECT {listed} FROM "{schema}"."{name}"').df()
            frame = frame.astype(str).sort_values(columns).reset_index(drop=True)
            out[f"{schema}.{name}"] = frame
    return out


def _run(root: Path, name: str, assets: list, address: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dg.ExecuteInProcessResult, dict]:
    path = point_at(monkeypatch, root, name, address)
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, resources=build_resources(), instance=instance, raise_on_error=False)
        ray_metadata = {key.to_user_string(): m.asset_materialization.metadata["ray"].value
                        for asset in assets if isinstance(asset, dg.AssetsDefinition) for key in asset.keys
                        for m in instance.fetch_materializations(key, limit=1).records
                        if "ray" in m.asset_materialization.metadata}
    return path, result, ray_metadata


def _assert_same_tables(in_process: str, on_ray: str) -> None:
    expected, got = _tables(in_process), _tables(on_ray)
    assert sorted(got) == sorted(expected)
    different = [t for t in expected if not expected[t].equals(got[t])]
    assert different == [], f"tables that differ between the in-process and the Ray run: {different}"


def test_whole_graph_on_ray_equals_in_process(cluster, tmp_path, monkeypatch):
    local_path, local, local_ray = _run(tmp_path, "local", all_assets + all_checks, "", monkeypatch)
    ray_path, on_ray, ray_metadata = _run(tmp_path, "ray", all_assets + all_checks, cluster, monkeypatch)
    assert local.success and on_ray.success
    assert local_ray == {}
    # Every stage that can use Ray did, and says so.
    assert sorted(ray_metadata) == ["compliance_documents", "compliance_preferences", "curated_profile", "dedup_documents", "raw_profile"]
    assert ray_metadata["dedup_documents"]["tasks"]["verify"] >= 1 and ray_metadata["dedup_documents"]["workers"] == 2
    _assert_same_tables(local_path, ray_path)
    # Nothing is left in the shard folder once the stages finished.
    assert not any((tmp_path / "shards").rglob("*.parquet"))


def test_alpaca_corpus_on_ray_equals_in_process(cluster, tmp_path, monkeypatch):
    if not SHARED.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED}")
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(alpaca_corpus(tmp_path)))
    assets = [raw_documents, compliance_documents, dedup_documents, raw_profile]
    local_path, local, _ = _run(tmp_path, "local", assets, "", monkeypatch)
    ray_path, on_ray, ray_metadata = _run(tmp_path, "ray", assets, cluster, monkeypatch)
    assert local.success and on_ray.success
    with duckdb.connect(local_path, read_only=True) as con:
        records, near, contaminated = con.execute(
            "SELECT (SELECT count(*) FROM raw.documents), (SELECT count(*) FROM dedup.clusters WHERE method = 'minhash'), "
            "(SELECT count(*) FROM dedup.contamination)").fetchone()
    # The corpus is what the test claims: large, with near-duplicates and contamination to find.
    assert records >= 20_000 and near > 1_000 and contaminated > 100
    assert ray_metadata["compliance_documents"]["tasks"]["scan"] >= 2
    _assert_same_tables(local_path, ray_path)


def test_no_address_means_in_process(monkeypatch):
    monkeypatch.delenv("DATA_ASSETS_RAY_ADDRESS", raising=False)
    assert not RayResource().enabled
    monkeypatch.setenv("DATA_ASSETS_RAY_ADDRESS", "ray://head:10001")
    assert RayResource().resolved_address == "ray://head:10001"
    # An explicit empty address (the Launchpad) keeps a run in-process whatever the environment says.
    assert not RayResource(address="").enabled
