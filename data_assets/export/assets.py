"""Dagster wiring of the SFT export."""

import dagster as dg
import pandas as pd
from pydantic import Field, model_validator

from data_assets import settings
from data_assets.common.config import StageConfig
from data_assets.common.metadata import column_lineage, column_schema, counts_markdown, preview_markdown
from data_assets.export.files import column_types, export_paths
from data_assets.export.gate import check_spec, export_gate
from data_assets.export.sft import SFT_SCHEMA, SUBSETS, Mix, candidate_rows, sft_frame, write_sft
from data_assets.warehouse import WarehouseResource


class SftExportConfig(StageConfig):
    max_augmented_share: float = Field(0.2, ge=0.0, lt=1.0)
    """Augmented records make up at most this share of the export."""
    max_synthetic_share: float = Field(0.2, ge=0.0, lt=1.0)
    """Synthetic pairs make up at most this share of the export."""
    max_records: int = Field(0, ge=0)
    """Cap on the whole export (0: none); every subset is cut alike, keeping the mix."""
    include_unverified_synthetic: bool = False
    """Also export synthetic pairs that failed or skipped verification (not recommended)."""
    seed: int = 0
    """Seed of the choice of records when a share or the cap leaves some out (any integer)."""

    system_prompt: str = ""
    """When set, every conversation opens with this system turn."""

    @model_validator(mode="after")
    def _curated_keeps_a_share(self) -> "SftExportConfig":
        if self.max_augmented_share + self.max_synthetic_share >= 1:
            raise ValueError(f"max_augmented_share + max_synthetic_share ({self.max_augmented_share} + {self.max_synthetic_share}) "
                             "must be below 1: the curated records are the rest of the mix")
        return self


@dg.asset(
    group_name="export",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["dedup_documents", "conversation_documents", "semantic_dedup", "augmented_documents", "synthetic_pairs", "generated_decontamination"],
    description="sft.jsonl (chat messages) and sft.parquet in the exports folder, same columns: the curated training "
    "set plus augmented records and verified synthetic pairs up to their configured shares, each row with its id, "
    "origin, source, license, the provider and model that generated it and how it was verified; "
    "a run whose inputs a spend cap cut short keeps the previous files.",
    check_specs=[check_spec("sft_export")],
)
def sft_export(context: dg.AssetExecutionContext, config: SftExportConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    mix = Mix(config.max_augmented_share, config.max_synthetic_share, config.max_records,
              config.include_unverified_synthetic, config.seed)
    with warehouse.connect() as con:
        rows = candidate_rows(con, config.include_unverified_synthetic)
        unverified = con.execute("SELECT count(*) FROM synth.pairs WHERE NOT verified").fetchone()[0]
        gate = export_gate(con, context.run.run_id)
    try:
        frame = sft_frame(rows, mix, config.system_prompt)
    except ValueError as error:
        raise dg.Failure(str(error)) from error
    if gate.open:
        paths = write_sft(frame, settings.exports_dir())
        context.log.info(f"wrote {len(frame)} SFT records to {paths['jsonl']} and {paths['parquet']}")
    else:
        paths = export_paths(settings.exports_dir(), "sft")
        context.log.warning(f"sft export {gate.note(paths)}")
    available = rows["subset"].value_counts().to_dict()
    exported = frame["subset"].value_counts().to_dict()
    return dg.MaterializeResult(
        check_results=[gate.check("sft_export")],
        metadata={
            "dagster/row_count": len(frame),
            "files": gate.note(paths),
            "jsonl": dg.MetadataValue.path(str(paths["jsonl"].resolve())),
            "parquet": dg.MetadataValue.path(str(paths["parquet"].resolve())),
            "rows_by_subset": counts_markdown({s: int(exported.get(s, 0)) for s in SUBSETS}, "subset", "rows"),
            "rows_by_origin": counts_markdown(frame["origin"].value_counts().to_dict(), "origin", "rows"),
            "rows_by_verification": counts_markdown(frame["verification"].value_counts().to_dict(), "verification", "rows"),
            "rows_by_provider": counts_markdown(frame["provider"].fillna("none (read from a source)").value_counts().to_dict(),
                                                "provider", "rows"),
            "available_by_subset": counts_markdown({s: int(available.get(s, 0)) for s in SUBSETS}, "subset", "rows"),
            "unverified_synthetic_left_out": 0 if config.include_unverified_synthetic else int(unverified),
            "shares": counts_markdown({s: round(exported.get(s, 0) / len(frame), 3) if len(frame) else 0.0 for s in SUBSETS}, "subset", "share"),
            "preview": preview_markdown(frame[["id", "origin", "verification", "instruction", "response"]] if len(frame) else pd.DataFrame()),
            "dagster/column_schema": column_schema(column_types(SFT_SCHEMA)),
            "dagster/column_lineage": column_lineage({
                "id": [("dedup_documents", "record_id"), ("augmented_documents", "record_id"), ("synthetic_pairs", "record_id")],
                "provider": [("augmented_documents", "provider"), ("synthetic_pairs", "provider")],
                "model": [("augmented_documents", "model"), ("synthetic_pairs", "model")],
                "verification": [("synthetic_pairs", "verified"), ("synthetic_pairs", "verified_by"), ("synthetic_pairs", "provider")],
                "messages": [(a, c) for a in ("dedup_documents", "augmented_documents", "synthetic_pairs")
                             for c in ("instruction", "input", "response")],
            }),
        }
    )


ASSETS = [sft_export]
CHECKS: list = []
