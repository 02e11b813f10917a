"""The code location: it loads, validates, and the nightly schedule asks for every asset."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from data_assets.definitions import defs, nightly

PROJECT = Path(__file__).resolve().parents[1]


def test_definitions_validate_from_the_workspace():
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                            cwd=PROJECT, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_is_grouped_described_kinded_and_in_the_duckdb_pool():
    graph = defs.resolve_asset_graph()
    # Every asset in the graph is one of ours: no dependency points at an undefined asset.
    assert graph.get_all_asset_keys() == graph.materializable_asset_keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name and node.group_name != "default", key
        assert node.description, key
        assert "duckdb" in node.kinds, key
        assert "duckdb" in node.pools, key


def test_nightly_tick_requests_a_run_of_every_asset():
    assert nightly.cron_schedule == "0 2 * * *" and nightly.execution_timezone == "UTC"
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 11, 26, 2, tzinfo=timezone.utc))
        data = nightly.evaluate_tick(context)
    assert data.run_requests and len(data.run_requests) == 1
    request = data.run_requests[0]
    job = defs.resolve_job_def(nightly.job_name)
    # Without an explicit selection the request runs the whole job; the job selects every asset.
    selected = set(request.asset_selection) if request.asset_selection else set(job.asset_layer.selected_asset_keys)
    assert selected == set(defs.resolve_asset_graph().get_all_asset_keys())
