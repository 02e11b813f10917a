"""Everything Dagster loads: assets per stage, their checks, the resources and the nightly schedule.

Read this file to see the whole system; each stage's work lives in `data_assets/<stage>/`.
"""

from __future__ import annotations

import dagster as dg

from data_assets.augment import assets as augment
from data_assets.compliance import assets as compliance
from data_assets.conversations import assets as conversations
from data_assets.curves import assets as curves
from data_assets.dedup import assets as dedup
from data_assets.export import assets as export
from data_assets.ingest import assets as ingest
from data_assets.llm.resource import LLMResource
from data_assets.prefs import assets as prefs
from data_assets.runs.executor import recovering_in_process_executor
from data_assets.profile import assets as profile
from data_assets.publish import assets as publish
from data_assets.semantic import assets as semantic
from data_assets.semantic.model import EmbeddingsResource
from data_assets.synth import assets as synth
from data_assets.warehouse import WarehouseResource

STAGES = [ingest, compliance, conversations, dedup, semantic, augment, synth, prefs, export, curves, profile, publish]

all_assets = [a for stage in STAGES for a in stage.ASSETS]
all_checks = [c for stage in STAGES for c in stage.CHECKS]

# The whole graph, run in one process: DuckDB takes one writer at a time, so parallel steps
# would only queue on its lock; the `duckdb` pool (dagster_home/dagster.yaml) orders runs, and the
# executor frees the slots of runs whose process died (data_assets/runs/).
nightly_job = dg.define_asset_job(
    name="nightly_job",
    selection=dg.AssetSelection.all(),
    executor_def=recovering_in_process_executor,
    description="Materialize every stage, from raw ingest to the data curves.",
)

nightly = dg.ScheduleDefinition(
    name="nightly",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 UTC: the whole graph on whatever the sources hold now.",
)


def build_resources() -> dict:
    # The `ray` resource (data_assets.scale.RayResource) is not listed here: compliance, dedup and the
    # profiles carry it as their own default (DEFAULT_RAY), in-process unless DATA_ASSETS_RAY_ADDRESS
    # names a cluster; Dagster refuses a second definition of the same key.
    resources: dict = {"warehouse": WarehouseResource()}
    resources["llm"] = LLMResource.from_env()
    resources["embeddings"] = EmbeddingsResource()
    return resources


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[nightly_job],
    schedules=[nightly],
    resources=build_resources(),
    executor=recovering_in_process_executor,
)
