"""How the Ray path scales with workers: records/s per phase on a synthetic corpus this script builds.

For each worker count it starts a local Ray cluster of that many CPUs (data_assets.scale.local), runs
the Ray path's phases on the same corpus, and prints records/s per phase:
  scan     - compliance scan and redaction (`scan_batch` via map_batches)
  hash     - dedup featurizing and MinHash signatures (`hash_batch` via map_batches)
  pairs    - band keys shuffled by key into candidate pairs, then true-Jaccard verification
  profile  - per-record profile statistics (`profile_batch` via map_batches)
It is not part of `make bench` (a 1M-record run takes a big machine); run it where the cores are:

    .venv/bin/python -m data_assets_tests.benchmarks._ray_scaling                       # 1M records, 1..16 workers
    .venv/bin/python -m data_assets_tests.benchmarks._ray_scaling --records 5000 --workers 1,2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa


def synthetic_corpus(n: int, seed: int = 7) -> pa.Table:
    """`n` records in raw.documents' columns: real instructions and sentences, 30% edited copies
    (the dedup benchmark's corpus builder), with the provenance columns compliance passes through."""
    from data_assets_tests.benchmarks.dedup import build_corpus

    frame = build_corpus(n, seed=seed)
    frame = frame.assign(source="synthetic", source_uri="synthetic.jsonl", source_row=np.arange(n, dtype=np.int64),
                         role="train", origin="human", license="CC-BY-4.0")
    return pa.Table.from_pandas(frame[["record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                                       "instruction", "input", "response"]], preserve_index=False)


def measure(corpus: pa.Table, workers: int, root: str, batch_size: int) -> dict:
    from data_assets.compliance.policy import CompliancePolicy
    from data_assets.compliance.scan import TEXT_FIELDS
    from data_assets.dedup.minhash import DEFAULT_SCHEME, choose_banding
    from data_assets.dedup.settings import DedupSettings
    from data_assets.scale.batches import hash_batch, hashed_features, profile_batch, scan_batch
    from data_assets.scale.local import LocalRayCluster
    from data_assets.scale.pairs import RayPairSearch
    from data_assets.scale.session import RaySession
    from data_assets.scale.shards import ShardStore

    n = corpus.num_rows
    out: dict = {"workers": workers}
    with LocalRayCluster(num_cpus=workers, object_store_mb=max(512, 256 * workers)) as address:
        store = ShardStore(root, "scaling", f"workers_{workers}")
        store.clear()
        session = RaySession(address=address, batch_size=batch_size, shards=store)
        session.export_arrow(corpus, "corpus")
        phases = [("scan", scan_batch, {"policy": CompliancePolicy(), "run_id": "scaling", "text_fields": TEXT_FIELDS}),
                  ("hash", hash_batch, {"scheme": DEFAULT_SCHEME}), ("profile", profile_batch, {})]
        for name, fn, kwargs in phases:
            started = time.perf_counter()
            session.map_batches("corpus_in", fn, name, n, **kwargs)
            out[name] = n / (time.perf_counter() - started)
        started = time.perf_counter()
        features, sigs = hashed_features(store.load("hash", order_by="record_id"), DEFAULT_SCHEME)
        bands, rows = choose_banding(DedupSettings.threshold, DEFAULT_SCHEME.num_perm)
        search = RayPairSearch(session)
        candidates = search.candidates(sigs, bands, rows, np.diff(features.shingle_offsets) > 0)
        similarity = search.jaccard(features, candidates)
        out["pairs"] = n / (time.perf_counter() - started)
        out["candidate_pairs"] = int(len(candidates))
        out["verified_pairs"] = int((similarity >= DedupSettings.threshold).sum())
        store.clear()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1,2,4,8,16", help="comma-separated worker counts")
    parser.add_argument("--batch-size", type=int, default=2048)
    parser.add_argument("--shards", default="", help="shard root (default: a temporary folder)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = synthetic_corpus(args.records)
    print(f"corpus: {corpus.num_rows} records built in {time.perf_counter() - started:.1f}s", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in [int(w) for w in args.workers.split(",")]:
            row = measure(corpus, workers, args.shards or tmp, args.batch_size)
            results.append(row)
            print(f"workers {workers:>3}: " + "  ".join(f"{p} {row[p]:>9,.0f} rec/s" for p in ("scan", "hash", "pairs", "profile"))
                  + f"  (candidates {row['candidate_pairs']}, verified {row['verified_pairs']})", flush=True)
    base = results[0]
    for row in results:
        row["speedup_vs_first"] = {p: round(row[p] / base[p], 2) for p in ("scan", "hash", "pairs", "profile")}
    print(json.dumps({"records": args.records, "results": results}, indent=2, default=float))
    return {"records": args.records, "results": results}


if __name__ == "__main__":
    main(sys.argv[1:])
