"""A run killed with SIGKILL mid-step does not wedge the next one: the next run finds the dead run
(its process is gone), marks it failed, frees its `duckdb` slot, and ends with the same tables as
a clean run. Real processes, the committed dagster.yaml (pool limit 1), a real DuckDB file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

PROJECT = Path(__file__).resolve().parents[1]
SELECTION = "raw_documents,raw_preferences,compliance_documents,dedup_documents,raw_profile"
TABLES = ["raw.documents", "raw.rejects", "compliance.documents", "compliance.findings", "dedup.documents",
          "dedup.clusters", "dedup.contamination", "lineage.edges"]


def _environment(root: Path) -> dict[str, str]:
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PROJECT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "DATA_ASSETS_DB": str(root / "warehouse.duckdb"),
            "DATA_ASSETS_EXPORTS": str(root / "exports"), "DATA_ASSETS_REPORTS": str(root / "reports"),
            "DATA_ASSETS_LLM": "offline", "PYTHONPATH": str(PROJECT)}


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "data_assets", "run", "--select", SELECTION], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _tables(database: str) -> dict[str, list[tuple]]:
    """Every row of the stage tables, without the columns that name the run or the time."""
    out = {}
    with duckdb.connect(database, read_only=True) as con:
        for table in TABLES:
            schema, name = table.split(".")
            columns = [c for c, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, name]).fetchall() if c != "run_id" and kind != "TIMESTAMP"]
            quoted = ", ".join('"' + c + '"' for c in columns)
            out[table] = con.execute(f"SELECT {quoted} FROM {table} ORDER BY ALL").fetchall()
    return out


def _kill_while_holding_a_slot(env: dict[str, str]) -> str:
    run = _start(env)
    deadline = time.monotonic() + 300
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        while time.monotonic() < deadline and run.poll() is None:
            holders = [slot for slot in instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots
                       if slot.step_key == "compliance_documents"]
            if holders:
                run.send_signal(signal.SIGKILL)
                run.wait(timeout=30)
                return holders[0].run_id
            time.sleep(0.02)
    run.kill()
    raise AssertionError(f"the run never held a duckdb slot in compliance_documents: {run.communicate()[0][-2000:]}")


def test_a_run_killed_mid_step_does_not_wedge_the_next_run(tmp_path: Path):
    clean_env = _environment(tmp_path / "clean")
    clean = _start(clean_env)
    assert clean.wait(timeout=600) == 0, clean.communicate()[0][-3000:]

    env = _environment(tmp_path / "killed")
    dead_run_id = _kill_while_holding_a_slot(env)
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert instance.get_run_by_id(dead_run_id).status == dg.DagsterRunStatus.STARTED  # what used to wedge

    rerun = _start(env)
    output = rerun.communicate(timeout=300)[0]
    assert rerun.returncode == 0, output[-3000:]
    assert f"recovered a dead run: run {dead_run_id}" in output
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert instance.get_run_by_id(dead_run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots == []
    assert _tables(env["DATA_ASSETS_DB"]) == _tables(clean_env["DATA_ASSETS_DB"])


def test_a_step_waiting_for_a_live_holder_says_who_holds_the_slot_and_runs_once_it_is_freed(tmp_path: Path):
    from data_assets.runs.recovery import own_tags

    env = _environment(tmp_path / "waiting")
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        # A live run (this test's own process) holds the only slot of the pool.
        holder = instance.add_run(dg.DagsterRun(job_name="nightly_job", run_id="a1b2c3d4-live-holder",
                                                status=dg.DagsterRunStatus.STARTED, tags=own_tags()))
        instance.event_log_storage.initialize_concurrency_limit_to_default("duckdb")
        assert instance.event_log_storage.claim_concurrency_slot("duckdb", holder.run_id, "dedup_documents").is_claimed
        waiting = subprocess.Popen([sys.executable, "-m", "data_assets", "run", "--select", "raw_documents"], cwd=PROJECT,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("for a slot of pool duckdb" in line for line in lines):
            lines.append(waiting.stdout.readline())
        assert any("raw_documents waits" in line and "held by run a1b2c3d4 step dedup_documents (started, pid "
                   f"{os.getpid()} alive)" in line for line in lines), "".join(lines)[-3000:]
        instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
        output = waiting.communicate(timeout=300)[0]
    assert waiting.returncode == 0, output[-3000:]
    assert "got a slot of pool duckdb after waiting" in output
    assert "recovered a dead run" not in "".join(lines) + output  # a live holder is never taken for dead
