"""The in-process executor of every run, with recovery before the first step and while waiting.

It is Dagster's own `InProcessExecutor` (one process, steps in topological order) with two
additions, both through Dagster's instance APIs:
- at start it tags the run with its pid and host, then marks failed the runs whose process is
  gone and frees their slots (`recovery.recover_dead_runs`), logging each one;
- a step that cannot claim a `duckdb` slot checks again for dead holders and logs who holds the
  slot at least every 30 seconds (Dagster's own message repeats every 5 minutes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG, _core_in_process_executor_creation
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.api import ExecuteRunWithPlanIterable
from dagster._core.execution.context.system import PlanExecutionContext, PlanOrchestrationContext
from dagster._core.execution.context_creation_job import PlanExecutionContextManager
from dagster._core.execution.plan.execute_plan import inner_plan_execution_iterator
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.executor.in_process import InProcessExecutor
from dagster_shared.utils.timing import format_duration

from data_assets.runs.recovery import describe_holders, own_tags, recover_dead_runs

# A claim is retried at most every 15 s (Dagster's cap), so a 15 s note interval logs at least every 30 s.
WAIT_NOTE_INTERVAL_S = 15.0


class _WatchfulConcurrencyContext(InstanceConcurrencyContext):
    """Claims slots like Dagster's own context; a failed claim looks for dead holders and says who waits on whom."""

    def __init__(self, instance: dg.DagsterInstance, run: dg.DagsterRun, log) -> None:
        super().__init__(instance, run)
        self._log = log
        self._waiting_since: dict[str, float] = {}
        self._noted_at: dict[str, float] = {}

    def claim(self, concurrency_key: str, step_key: str, step_priority: int = 0) -> bool:
        if super().claim(concurrency_key, step_key, step_priority):
            if step_key in self._waiting_since:
                waited = time.monotonic() - self._waiting_since.pop(step_key)
                self._log.info(f"{step_key}: got a slot of pool {concurrency_key} after waiting {waited:.0f}s")
            return True
        now = time.monotonic()
        since = self._waiting_since.setdefault(step_key, now)
        if now - self._noted_at.get(step_key, float("-inf")) >= WAIT_NOTE_INTERVAL_S:
            self._noted_at[step_key] = now
            mine = frozenset({self._run_id})
            for recovered in recover_dead_runs(self._instance, exclude=mine, pool=concurrency_key):
                self._log.warning(f"recovered a dead run: {recovered.describe()}")
            self._log.info(f"{step_key} waits {now - since:.0f}s for a slot of pool {concurrency_key}: "
                           f"{describe_holders(self._instance, concurrency_key, exclude=mine)}")
        return False


def _watchful_iterator(job_context: PlanExecutionContext, execution_plan: ExecutionPlan,
                       instance_concurrency_context: InstanceConcurrencyContext | None = None) -> Iterator[DagsterEvent]:
    with _WatchfulConcurrencyContext(job_context.instance, job_context.dagster_run, job_context.log) as context:
        yield from inner_plan_execution_iterator(job_context, execution_plan, context)


class RecoveringInProcessExecutor(InProcessExecutor):
    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator[DagsterEvent]:
        instance = plan_context.instance
        run_id = plan_context.dagster_run.run_id
        if not instance.is_ephemeral:
            instance.add_run_tags(run_id, own_tags())
            for recovered in recover_dead_runs(instance, exclude=frozenset({run_id})):
                plan_context.log.warning(f"recovered a dead run: {recovered.describe()}")
        step_keys = execution_plan.step_keys_to_execute
        yield DagsterEvent.engine_event(plan_context, f"Executing steps in process (pid: {os.getpid()})",
                                        event_specific_data=EngineEventData.in_process(os.getpid(), step_keys))
        started = time.perf_counter()
        yield from iter(ExecuteRunWithPlanIterable(
            execution_plan=plan_context.execution_plan,
            iterator=_watchful_iterator,
            execution_context_manager=PlanExecutionContextManager(
                job=plan_context.job, retry_mode=plan_context.retry_mode, execution_plan=plan_context.execution_plan,
                run_config=plan_context.run_config, dagster_run=plan_context.dagster_run, instance=instance,
                raise_on_error=plan_context.raise_on_error, output_capture=plan_context.output_capture,
                step_dependency_config=self.step_dependency_config,
            ),
        ))
        yield DagsterEvent.engine_event(
            plan_context,
            f"Finished steps in process (pid: {os.getpid()}) in {format_duration((time.perf_counter() - started) * 1000)}",
            event_specific_data=EngineEventData.in_process(os.getpid(), step_keys),
        )


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def recovering_in_process_executor(init_context: dg.InitExecutorContext) -> RecoveringInProcessExecutor:
    """Dagster's in-process executor (same config), recovering from dead runs before and while it waits."""
    core = _core_in_process_executor_creation(init_context.executor_config)
    return RecoveringInProcessExecutor(retries=core.retries, step_dependency_config=core.step_dependency_config)
