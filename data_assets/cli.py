"""Command line: `python -m data_assets run | summary | trace RECORD_ID`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from data_assets import settings


def run_all(selection: str | None = None) -> int:
    """Materialize the whole graph (or a selection) once, recorded in DAGSTER_HOME's run history."""
    import dagster as dg

    from data_assets.definitions import defs

    home = os.environ.get("DAGSTER_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.get() if home else dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("nightly_job")
    started = time.perf_counter()
    print(f"materializing {'every asset' if not selection else selection} into {settings.database_path()} ...", flush=True)
    kwargs = {"asset_selection": [dg.AssetKey(k.strip()) for k in selection.split(",")]} if selection else {}
    result = job.execute_in_process(instance=instance, raise_on_error=False, **kwargs)
    elapsed = time.perf_counter() - started
    if not result.success:
        failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        print(f"run {result.run_id} FAILED after {elapsed:.1f}s; failed steps: {', '.join(failed) or '?'}", file=sys.stderr)
        for event in result.all_events:
            failure = event.step_failure_data if event.event_type_value == "STEP_FAILURE" else None
            if failure and failure.user_failure_data and failure.user_failure_data.description:
                # A dg.Failure is a message for the user (a wrong sources file): no stack trace.
                print(f"{event.step_key}: {failure.user_failure_data.description}", file=sys.stderr)
            elif failure and failure.error:
                print(failure.error.to_string(), file=sys.stderr)
        return 1
    print(f"run {result.run_id} succeeded in {elapsed:.1f}s\n")
    print_summary()
    return 0


def print_summary() -> None:
    from data_assets.reporting import summary_text
    from data_assets.warehouse import WarehouseResource

    print(summary_text(WarehouseResource()))


def trace_record(record_id: str) -> int:
    from data_assets.reporting import trace_text
    from data_assets.warehouse import WarehouseResource

    text, found = trace_text(WarehouseResource(), record_id)
    print(text)
    return 0 if found else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="materialize every asset on the configured sources and print a summary")
    run.add_argument("--select", help="comma-separated asset names instead of the whole graph")
    commands.add_parser("summary", help="rows per stage and drops by reason of the last run")
    trace = commands.add_parser("trace", help="a record's ancestry back to its source file and row")
    trace.add_argument("record_id")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_all(args.select)
    if args.command == "summary":
        print_summary()
        return 0
    return trace_record(args.record_id)
