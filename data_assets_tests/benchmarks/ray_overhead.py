"""The Ray path on this machine (a local 2-worker cluster) against the in-process path, same corpus.

On 2 cores Ray cannot be faster: it adds shard I/O, task scheduling and serialization to the same
work. This measures that overhead per stage (compliance, dedup, the raw profile) as a ratio of wall
times in the same run; `_ray_scaling.py` measures how the Ray path scales where more cores exist.

    .venv/bin/python -m data_assets_tests.benchmarks ray_overhead            # 20k records
    RAY_BENCH_RECORDS=5000 .venv/bin/python -m data_assets_tests.benchmarks ray_overhead
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def alpaca_corpus(root: Path, n: int = 20_000, seed: int = 15) -> Path:
    """A sources file of `n` train records from Alpaca, most of them planted near-duplicates (edited
    copies), and an eval source some of whose items were copied into train; returns its path."""
    from data_assets_tests.benchmarks.dedup import _mutate

    rows = json.loads((SHARED / "alpaca" / "alpaca_data_random5000.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)
    evals, base = rows[:300], rows[300:]
    train = [dict(r) for r in base[:n]]
    while len(train) < n:
        source = dict(rng.choice(base if rng.random() < 0.9 else evals))
        source["output"] = _mutate(source["output"], rng, rng.choice(["typos", "insert", "delete", "truncate", "case"]))
        train.append(source)
    rng.shuffle(train)
    (root / "train.jsonl").write_text("\n".join(json.dumps(r) for r in train), encoding="utf-8")
    (root / "eval.jsonl").write_text("\n".join(json.dumps(r) for r in evals), encoding="utf-8")
    fields = {"instruction": "instruction", "input": "input", "response": "output"}
    sources = {"sources": [
        {"name": "alpaca", "path": "train.jsonl", "role": "train", "origin": "human", "license": "CC-BY-NC-4.0", "fields": fields},
        {"name": "alpaca_eval", "path": "eval.jsonl", "role": "eval", "origin": "human", "license": "CC-BY-NC-4.0", "fields": fields},
    ]}
    path = root / "sources.yaml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    return path


def point_at(env: pytest.MonkeyPatch, root: Path, name: str, address: str) -> str:
    """A run's own warehouse, exports and reports under `root`, on the Ray cluster at `address` (empty:
    in-process); returns the warehouse path."""
    path = str(root / f"{name}.duckdb")
    env.setenv("DATA_ASSETS_DB", path)
    env.setenv("DATA_ASSETS_EXPORTS", str(root / f"{name}_exports"))
    env.setenv("DATA_ASSETS_REPORTS", str(root / f"{name}_reports"))
    env.setenv("DATA_ASSETS_SHARDS", str(root / "shards"))
    if address:
        env.setenv("DATA_ASSETS_RAY_ADDRESS", address)
    else:
        env.delenv("DATA_ASSETS_RAY_ADDRESS", raising=False)
    return path


def _timed_stages(env: pytest.MonkeyPatch, root: Path, name: str, address: str) -> dict[str, float]:
    from data_assets.compliance.assets import compliance_documents
    from data_assets.dedup.assets import dedup_documents
    from data_assets.ingest.assets import raw_documents
    from data_assets.profile.assets import raw_profile
    from data_assets.warehouse import WarehouseResource

    point_at(env, root, name, address)
    resources = {"warehouse": WarehouseResource()}
    seconds = {}
    with dg.instance_for_test() as instance:
        assert dg.materialize([raw_documents], resources=resources, instance=instance).success
        for asset in (compliance_documents, dedup_documents, raw_profile):
            started = time.perf_counter()
            assert dg.materialize([asset], resources=resources, instance=instance).success
            seconds[asset.key.to_user_string()] = time.perf_counter() - started
    return seconds


def main() -> dict:
    from data_assets.scale.local import LocalRayCluster

    records = int(os.environ.get("RAY_BENCH_RECORDS", "20000"))
    repeats = int(os.environ.get("RAY_BENCH_REPEATS", "1"))
    with pytest.MonkeyPatch.context() as env, tempfile.TemporaryDirectory() as tmp, LocalRayCluster(num_cpus=2) as address:
        root = Path(tmp)
        env.setenv("DATA_ASSETS_SOURCES", str(alpaca_corpus(root, records)))
        runs: dict[str, list[dict]] = {"in_process": [], "ray": []}
        for i in range(repeats):
            # Alternating, so both paths see the same background load on the shared machine.
            runs["in_process"].append(_timed_stages(env, root, f"local{i}", ""))
            runs["ray"].append(_timed_stages(env, root, f"ray{i}", address))
    rows = []
    for stage in runs["in_process"][0]:
        local = statistics.median(r[stage] for r in runs["in_process"])
        ray = statistics.median(r[stage] for r in runs["ray"])
        rows.append({"stage": stage, "in_process_s": round(local, 2), "ray_2_workers_s": round(ray, 2),
                     "overhead_ratio": round(ray / local, 2)})
    total_local = sum(r["in_process_s"] for r in rows)
    total_ray = sum(r["ray_2_workers_s"] for r in rows)
    rows.append({"stage": "total", "in_process_s": round(total_local, 2), "ray_2_workers_s": round(total_ray, 2),
                 "overhead_ratio": round(total_ray / total_local, 2)})
    print(f"Ray (local cluster, 2 workers) vs in-process, {records} records, median of {repeats} run(s):")
    for row in rows:
        print(f"  {row['stage']:<22} in-process {row['in_process_s']:>7.2f}s   ray {row['ray_2_workers_s']:>7.2f}s   "
              f"ratio {row['overhead_ratio']:.2f}")
    return {"records": records, "repeats": repeats, "stages": rows}


if __name__ == "__main__":
    main()
