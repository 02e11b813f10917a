"""Dagster wiring of the publish stage: the dataset card and the report page."""

from pathlib import Path

import dagster as dg

from data_assets import settings
from data_assets.common.config import StageConfig
from data_assets.common.files import write_atomically
from data_assets.publish.card import dataset_card as card_text
from data_assets.publish.card import front_matter, limitations
from data_assets.publish.facts import read_facts
from data_assets.publish.html_report import report_html
from data_assets.warehouse import WarehouseResource


def _write_text(path: Path, text: str) -> None:
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["sft_export", "dpo_export", "data_curves", "raw_profile", "curated_profile"],
    description="README.md beside the exports: a Hugging Face dataset card (configs, license, task_categories, sizes) "
    "with this run's sources and licenses, compliance policy, dedup and decontamination, origins mix, judge and bias "
    "figures, curves and known limitations.",
)
def dataset_card(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    exports = settings.exports_dir()
    with warehouse.connect() as con:
        facts = read_facts(con, exports)
    path = exports / "README.md"
    _write_text(path, card_text(facts))
    context.log.info(f"wrote the dataset card {path}")
    meta = front_matter(facts)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path.resolve())),
        "front_matter": dg.MetadataValue.json(meta),
        "known_limitations": dg.MetadataValue.md("\n".join(f"- {line}" for line in limitations(facts))),
        "sft_rows": len(facts.sft),
        "dpo_rows": len(facts.dpo),
    })


class ReportConfig(StageConfig):
    ui_url: str = "http://127.0.0.1:3000"
    """Where the Dagster UI runs: each stage of the report links to its asset group there."""


@dg.asset(
    group_name="publish",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["dataset_card"],
    description="index.html in the reports folder: one self-contained page with the plots inline (profiles, drops "
    "by reason, cluster sizes, judge bias, curves), the run's tables, and per stage its warehouse tables, the SQL "
    "that opens them, links to the Dagster UI and the lineage queries.",
)
def report_page(context: dg.AssetExecutionContext, config: ReportConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    reports = settings.reports_dir()
    with warehouse.connect() as con:
        facts = read_facts(con, settings.exports_dir())
    page = report_html(facts, reports, warehouse.database, config.ui_url)
    path = reports / "index.html"
    _write_text(path, page)
    context.log.info(f"wrote the report page {path} ({len(page) / 1e6:.1f} MB)")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path.resolve())),
        "open": dg.MetadataValue.url(path.resolve().as_uri()),
        "plots": page.count("data-plot="),
        "bytes": len(page.encode("utf-8")),
    })


ASSETS = [dataset_card, report_page]
CHECKS: list = []
