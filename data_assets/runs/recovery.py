"""Find runs whose process is gone, mark them failed and free their concurrency slots.

A run killed with SIGKILL never writes its failure: Dagster keeps it `STARTED` and its claimed
slot in the `duckdb` pool stays taken, so every later run waits for it forever. The daemon's run
monitoring only watches runs it launched; runs started by `python -m data_assets run` or
`dagster asset materialize` execute in their own process, so the next run checks for them.

A run is dead when the process that executes it no longer exists on this machine. The pid and
host come from the tags our executor writes at start (`data_assets/pid`, `data_assets/host`,
`data_assets/pid_started`, the process start time that tells a reused pid from the original);
for a run without them, the pid of its `Executing steps in process` event. A run on another host
is never judged from here.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import dagster as dg
from dagster._core.events import DagsterEventType

PID_TAG = "data_assets/pid"
HOST_TAG = "data_assets/host"
PID_STARTED_TAG = "data_assets/pid_started"
POOL = "duckdb"

_LIVE_STATUSES = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class Recovered:
    """A dead run this process marked failed, and the slots it freed."""

    run_id: str
    pid: int | None
    freed_slots: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        slots = f"freed its slots ({', '.join(self.freed_slots)})" if self.freed_slots else "it held no slots"
        return f"run {self.run_id}: {self.reason}; marked it failed and {slots}"


def process_start_ticks(pid: int) -> str | None:
    """The kernel's start time of a process (Linux `/proc/<pid>/stat`, field 22); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The command name (field 2) may hold spaces; the fields after its closing ')' do not.
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def process_alive(pid: int, started: str | None = None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    if started:
        now = process_start_ticks(pid)
        if now is not None and now != started:
            return False  # the pid was reused by a later process
    if os.path.exists(f"/proc/{pid}/stat"):
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False  # a zombie: dead, waiting for its parent to reap it
    return True


def own_tags() -> dict[str, str]:
    pid = os.getpid()
    tags = {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}
    started = process_start_ticks(pid)
    if started:
        tags[PID_STARTED_TAG] = started
    return tags


def _run_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int | None, str | None, str | None]:
    """(pid, host, start ticks) of the process executing `run`; host None means unknown."""
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG]), run.tags.get(HOST_TAG), run.tags.get(PID_STARTED_TAG)
    records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20).records
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is not None and event.pid and (event.message or "").startswith("Executing steps in process"):
            return int(event.pid), None, None
    return None, None, None


def _slot_holders(instance: dg.DagsterInstance, pool: str) -> list[tuple[str, str]]:
    info = instance.event_log_storage.get_concurrency_info(pool)
    return [(slot.run_id, slot.step_key) for slot in info.claimed_slots]


def _free(instance: dg.DagsterInstance, run_id: str, pool: str) -> tuple[str, ...]:
    steps = tuple(sorted(step for holder, step in _slot_holders(instance, pool) if holder == run_id))
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return steps


def recover_dead_runs(instance: dg.DagsterInstance, exclude: frozenset[str] = frozenset(),
                      pool: str = POOL) -> list[Recovered]:
    """Mark failed every live-looking run on this host whose process is gone, free the slots of
    every run that has ended but still holds some, and say what was done."""
    if instance.is_ephemeral:
        return []
    host = socket.gethostname()
    recovered: list[Recovered] = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_LIVE_STATUSES)):
        if run.run_id in exclude:
            continue
        pid, run_host, started = _run_pid(instance, run)
        if pid is None or (run_host is not None and run_host != host) or process_alive(pid, started):
            continue
        reason = f"its process {pid} is gone (killed or crashed while {run.status.value.lower()})"
        instance.report_run_failed(run, message=f"Marked failed by the next run: {reason}. Its pool slots were freed.")
        recovered.append(Recovered(run.run_id, pid, _free(instance, run.run_id, pool), reason))
    # Slots a finished run never gave back (the daemon does this after free_slots_after_run_end_seconds,
    # but a CLI run may have no daemon beside it).
    for run_id in sorted({holder for holder, _ in _slot_holders(instance, pool)} - exclude):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            state = "no longer exists" if run is None else f"ended ({run.status.value.lower()})"
            recovered.append(Recovered(run_id, None, _free(instance, run_id, pool), f"it {state} but still held slots"))
    return recovered


def describe_holders(instance: dg.DagsterInstance, pool: str, exclude: frozenset[str] = frozenset()) -> str:
    """Who holds the slots of `pool`, for a waiting step's log line."""
    holders = [(run_id, step) for run_id, step in _slot_holders(instance, pool) if run_id not in exclude]
    if not holders:
        return "no run holds a slot now; waiting for the next claim check"
    parts = []
    for run_id, step in holders:
        run = instance.get_run_by_id(run_id)
        pid, _, started = _run_pid(instance, run) if run is not None else (None, None, None)
        state = run.status.value.lower() if run is not None else "unknown"
        alive = "" if pid is None else (f", pid {pid} alive" if process_alive(pid, started) else f", pid {pid} gone")
        parts.append(f"run {run_id[:8]} step {step} ({state}{alive})")
    return "held by " + "; ".join(parts)
