"""Dagster wiring of the dataset profiles: one per stage worth comparing (raw and curated)."""

from datetime import datetime, timezone

import dagster as dg
import matplotlib.pyplot as plt

from data_assets import settings
from data_assets.common.metadata import counts_markdown, figure_markdown, table_markdown
from data_assets.profile.stats import length_figure, mix_figure, summary_table
from data_assets.scale import DEFAULT_RAY, RayResource, stages as scale
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows

_COLUMNS = "record_id, role, instruction, input, response"


def _profile_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, ray: RayResource, dataset: str,
                   query: str) -> dg.MaterializeResult:
    with ray.session(f"{dataset}_profile", context.run.run_id, context.log) as cluster:
        profile, records = scale.profile(cluster, warehouse, query)
    stats = profile.stats.assign(dataset=dataset, run_id=context.run.run_id,
                                 profiled_at=datetime.now(timezone.utc).replace(tzinfo=None))
    with warehouse.connect() as con:
        replace_rows(con, "profile.snapshots", stats, "dataset = ? AND run_id = ?", [dataset, context.run.run_id])
    reports = settings.reports_dir()
    lengths = length_figure(profile, f"{dataset}: length distributions")
    mix = mix_figure(profile, f"{dataset}: languages and instruction verbs")
    metadata = {
        "dagster/row_count": records,
        "lengths": table_markdown(summary_table(profile)),
        "length_plot": figure_markdown(lengths, reports / f"profile_{dataset}_lengths.png", f"{dataset} lengths"),
        "mix_plot": figure_markdown(mix, reports / f"profile_{dataset}_mix.png", f"{dataset} mix"),
        "languages": counts_markdown(dict(profile.languages.most_common()), "language", "records"),
        "top_verbs": counts_markdown(dict(profile.verbs.most_common(15)), "verb", "records"),
        "exact_duplicate_rate": float(profile.stats.query("statistic == 'exact_duplicate_rate'")["value"].sum()),
        "empty_input_share": float(profile.stats.query("field == 'input' and statistic == 'empty_share'")["value"].sum()),
    }
    if cluster is not None:
        metadata["ray"] = dg.MetadataValue.json(cluster.metadata())
    plt.close(lengths)
    plt.close(mix)
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    group_name="profile",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["raw_documents"],
    resource_defs={"ray": DEFAULT_RAY},
    description="Profile of raw.documents (every role): lengths, empty inputs, languages, verbs, exact duplicates; "
    "kept per run in profile.snapshots.",
)
def raw_profile(context: dg.AssetExecutionContext, warehouse: WarehouseResource, ray: RayResource) -> dg.MaterializeResult:
    return _profile_asset(context, warehouse, ray, "raw", f"SELECT {_COLUMNS} FROM raw.documents")


@dg.asset(
    group_name="profile",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["dedup_documents", "semantic_dedup"],
    resource_defs={"ray": DEFAULT_RAY},
    description="Profile of the curated training set (dedup.documents, role train), comparable with raw_profile.",
)
def curated_profile(context: dg.AssetExecutionContext, warehouse: WarehouseResource, ray: RayResource) -> dg.MaterializeResult:
    return _profile_asset(context, warehouse, ray, "curated", f"SELECT {_COLUMNS} FROM dedup.documents WHERE role = 'train'")


ASSETS = [raw_profile, curated_profile]
CHECKS: list = []
