"""What `python -m data_assets run` prints: progress lines and the summary by default; on failure
one line per failed step with its cause and the path of the full log; a configuration error once,
without a stack trace; `--verbose` restores Dagster's every event. Real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from data_assets import cli
from data_assets_tests.test_ingest_sources import MAPPING, ROWS, jsonl, source, write_sources

PROJECT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data_assets", "run", *args], cwd=PROJECT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(PROJECT), **env})


def test_by_default_progress_lines_and_the_summary_without_debug_events():
    run = run_cli("--select", "raw_documents")
    assert run.returncode == 0, run.stderr[-2000:]
    output = run.stdout + run.stderr
    assert "311 records from 10 files of 9 sources" in output and "rows per stage:" in output
    assert " - DEBUG - " not in output and "STEP_START" not in output


def test_verbose_prints_every_event():
    run = run_cli("--select", "raw_documents", "--verbose")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "STEP_START" in run.stdout + run.stderr


def test_a_failed_step_is_one_line_with_its_cause_and_the_full_log_path(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    sources_yaml = write_sources(tmp_path, [source("faq", "faq.jsonl", {**MAPPING, "response": "answers"})])
    run = run_cli("--select", "raw_documents", DATA_ASSETS_SOURCES=str(sources_yaml))
    assert run.returncode == 1
    output = run.stdout + run.stderr
    assert "Traceback" not in output and "Stack Trace" not in output
    assert output.count("column 'answers' (fields.response) is not in faq.jsonl") == 1
    [log_line] = [line for line in run.stderr.splitlines() if line.startswith("full log: ")]
    log = Path(log_line.removeprefix("full log: ").split(" (")[0])
    full = log.read_text(encoding="utf-8")
    assert "raw_documents STEP_FAILURE" in full and "column 'answers'" in full


def test_a_configuration_error_is_printed_once_without_a_stack_trace():
    run = run_cli("--select", "raw_documents", DATA_ASSETS_MAX_USD_PER_RUN="ten")
    assert run.returncode == 1
    output = run.stdout + run.stderr
    assert output.count("DATA_ASSETS_MAX_USD_PER_RUN='ten' is not a number of dollars") == 1
    assert "Traceback" not in output


def test_the_max_usd_flag_sets_the_cap_the_resource_reads(monkeypatch):
    monkeypatch.setattr(cli, "run_all", lambda selection, verbose: 0)
    monkeypatch.delenv(cli.MAX_USD_ENV, raising=False)
    assert cli.main(["run", "--max-usd", "0.05"]) == 0
    from data_assets.llm.resource import LLMResource

    assert LLMResource.from_env().max_usd_per_run == 0.05


def test_without_dagster_home_runs_are_recorded_in_the_project_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME")
    assert cli.dagster_home() == PROJECT / "dagster_home"
    assert os.environ["DAGSTER_HOME"] == str(PROJECT / "dagster_home")
