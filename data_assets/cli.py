"""Command line: `python -m data_assets run | summary | trace RECORD_ID`.

`run` prints the run's progress lines (INFO and above) and the summary; on failure one line per
failed step with its cause, and where the full log is. `--verbose` prints every Dagster event and
the stack traces. Runs are recorded in `DAGSTER_HOME`, by default the project's `dagster_home/`
(the instance `make ui` shows), so a CLI run appears in the UI and shares its `duckdb` pool.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from data_assets import settings

PROJECT_DAGSTER_HOME = Path(__file__).resolve().parents[1] / "dagster_home"
from data_assets.llm.spend import MAX_USD_ENV  # noqa: E402 - one name for the variable


def dagster_home() -> Path:
    """DAGSTER_HOME when set, else the project's `dagster_home/` (set in the environment, as `make ui` does)."""
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_DAGSTER_HOME)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _no_failure_traces(record: logging.LogRecord) -> bool:
    """Drop Dagster's step-failure events (message and stack trace) from the console: the run's
    verdict prints one line per failed step instead, and the full log keeps the traces."""
    meta = getattr(record, "dagster_meta", {})
    if str(meta.get("orig_message", "")).startswith("Dependencies for step"):
        return False  # one line per downstream step of a failure: the verdict counts them
    event = meta.get("dagster_event")
    return getattr(event, "event_type_value", None) not in ("STEP_FAILURE", "PIPELINE_FAILURE", "RUN_FAILURE")


class _CompactConsoleLogger(logging.Logger):
    """The class Dagster's console logger is built from during a non-verbose run (it builds a
    fresh `logging.getLoggerClass()` instance per run, so a filter on a named logger cannot reach it)."""

    def __init__(self, name: str, level: int | str = logging.NOTSET) -> None:
        super().__init__(name, level)
        self.addFilter(_no_failure_traces)


def _failures(result) -> list[tuple[str, str, str]]:
    """(step, one-line cause, full text) per failed step."""
    failures = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        data = event.step_failure_data
        if data.user_failure_data and data.user_failure_data.description:
            # A dg.Failure is a message for the user (a wrong sources file): it is the cause.
            cause = data.user_failure_data.description
            full = cause
        elif data.error:
            error = data.error.cause or data.error if data.error.cls_name == "DagsterExecutionStepExecutionError" else data.error
            first = error.message.strip().splitlines()[0] if error.message.strip() else ""
            # The message starts with the qualified class name: show the short one, once.
            head, _, rest = first.partition(": ")
            cause = f"{error.cls_name}: {rest if head.endswith(error.cls_name) else first}"
            full = data.error.to_string()
        else:
            cause = full = "failed (no error recorded)"
        failures.append((event.step_key or "?", cause, full))
    return failures


def _write_log(instance, run_id: str, home: Path) -> Path:
    """Every event of the run, with stack traces, in one file a person can open."""
    path = home / "logs" / f"{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for entry in instance.all_logs(run_id):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.timestamp))
            event = entry.dagster_event
            kind = event.event_type_value if event is not None else "LOG"
            out.write(f"{stamp} {entry.step_key or '-'} {kind}: {entry.user_message}\n")
            if event is not None and event.event_type_value == "STEP_FAILURE" and event.step_failure_data.error:
                out.write(event.step_failure_data.error.to_string() + "\n")
    return path


def run_all(selection: str | None = None, *, verbose: bool = False) -> int:
    """Materialize the whole graph (or a selection) once, recorded in DAGSTER_HOME's run history."""
    home = dagster_home()
    import dagster as dg
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    job = ReconstructableRepository.for_module("data_assets.definitions", "defs").get_reconstructable_job("nightly_job")
    started = time.perf_counter()
    print(f"materializing {'every asset' if not selection else selection} into {settings.database_path()} "
          f"(runs recorded in {home}) ...", flush=True)
    kwargs = {"asset_selection": [dg.AssetKey(k.strip()) for k in selection.split(",")]} if selection else {}
    run_config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "INFO"}}}}
    previous_class = logging.getLoggerClass()
    if not verbose:
        logging.setLoggerClass(_CompactConsoleLogger)
    with dg.DagsterInstance.get() as instance:
        try:
            result = dg.execute_job(job, instance=instance, run_config=run_config, raise_on_error=False, **kwargs)
        except Exception as error:  # noqa: BLE001 - a configuration error: one message, the trace only on --verbose
            if verbose:
                raise
            print(f"run not started: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        finally:
            logging.setLoggerClass(previous_class)
        elapsed = time.perf_counter() - started
        if not result.success:
            failures = _failures(result)
            log_path = _write_log(instance, result.run_id, home)
            print(f"run {result.run_id} FAILED after {elapsed:.1f}s; failed steps: "
                  f"{', '.join(step for step, _, _ in failures) or 'none (the run itself failed)'}", file=sys.stderr)
            shown: set[str] = set()
            for step, cause, full in failures:
                if verbose:
                    print(f"{step}: {full}", file=sys.stderr)
                elif cause in shown:
                    # One cause behind many steps (a configuration error): said once.
                    print(f"{step}: same cause as above", file=sys.stderr)
                else:
                    shown.add(cause)
                    print(f"{step}: {cause}", file=sys.stderr)
            print(f"full log: {log_path} (and the run's page in `make ui`)", file=sys.stderr)
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
    parser = argparse.ArgumentParser(prog="python -m data_assets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="materialize every asset on the configured sources and print a summary")
    run.add_argument("--select", help="comma-separated asset names instead of the whole graph")
    run.add_argument("--verbose", action="store_true", help="print every Dagster event and full stack traces")
    run.add_argument("--max-usd", type=float, metavar="USD",
                     help=f"dollar cap of the run's model calls (same as env {MAX_USD_ENV}; default 10)")
    commands.add_parser("summary", help="rows per stage and drops by reason of the last run")
    trace = commands.add_parser("trace", help="a record's ancestry back to its source file and row")
    trace.add_argument("record_id")
    args = parser.parse_args(argv)
    if args.command == "run":
        if args.max_usd is not None:
            if args.max_usd < 0:
                parser.error("--max-usd must be 0 or more")
            os.environ[MAX_USD_ENV] = repr(args.max_usd)
        return run_all(args.select, verbose=args.verbose)
    if args.command == "summary":
        print_summary()
        return 0
    return trace_record(args.record_id)
