"""Smoke test of the dedup benchmark's harness at a tiny size: every peer runs in its own process and
is scored on the same truth, and the ratio is to the fastest peer of the same run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from data_assets_tests.benchmarks import dedup
from data_assets_tests.benchmarks._dedup_peers import PEERS, available

pytestmark = pytest.mark.skipif(not dedup.SHARED.is_dir(), reason="shared datasets not present")


def test_score_counts_pairs_and_all_but_one_per_true_cluster():
    truth = np.array([[0, 1], [1, 2]])
    quality = dedup.score(4, truth, predicted_pairs=np.array([[1, 0], [2, 3]]), removed=np.array([1, 3]))
    assert (quality["pair_precision"], quality["pair_recall"], quality["record_precision"], quality["record_recall"]) == (0.5, 0.5, 0.5, 0.5)


def test_every_peer_is_scored_and_compared_with_the_fastest(tmp_path, monkeypatch):
    for module, _ in PEERS.values():
        if not available(module):
            pytest.skip(f"{module} not installed")
    monkeypatch.setenv("DATA_ASSETS_REPORTS", str(tmp_path))
    result = dedup.main(sizes=[300], stage_on_duckdb=False)
    entry = result["sizes"]["300"]
    peers = [row for row in entry["methods"] if row["method"] != "ours"]
    fastest = min(peers, key=lambda row: row["seconds"])
    ours = entry["methods"][0]
    assert [row["method"] for row in entry["methods"]] == ["ours", *PEERS]
    assert entry["strongest_peer"] == fastest["method"]
    assert entry["ratio_to_strongest"]["wall"] == round(fastest["seconds"] / ours["seconds"], 2)


def test_a_size_not_run_now_is_carried_over_from_the_last_run(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_ASSETS_REPORTS", str(tmp_path))
    earlier = {"records": 100000, "measured_at": "2026-12-02T14:27:14Z"}
    (tmp_path / "benchmarks.json").write_text(json.dumps({"dedup": {"threshold": dedup.THRESHOLD, "sizes": {"100000": earlier}}}))
    assert dedup._earlier_sizes() == {"100000": earlier}
