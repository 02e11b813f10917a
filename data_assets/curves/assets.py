"""Dagster wiring of the curves stage: train on growing subsets, fit, plot, answer "how many"."""

import math
import time

import dagster as dg
import matplotlib.pyplot as plt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from data_assets import settings
from data_assets.common.checks import not_null_check
from data_assets.common.config import StageConfig, known_names
from data_assets.common.metadata import counts_markdown, figure_markdown, table_markdown, table_schema
from data_assets.curves.data import read_inputs
from data_assets.curves.fit import DEFAULT_HORIZON
from data_assets.curves.report import answer, comparison, plot_trainer, verdicts
from data_assets.curves.run import MIN_SIZES_TO_FIT, VARIANTS, CurveSettings, baselines_frame, fits_frame, points_frame, run_curves
from data_assets.curves.trainers import build_trainer, trainer_names
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows


class CurvesConfig(StageConfig):
    targets: dict[str, float] = {"sft": 0.1, "reward": 0.65}
    """Target score per trainer (ROUGE-L F on the tokens not in the prompt for `sft`, pairwise
    accuracy for `reward`); the report says how many examples reach it. Trainers not listed use
    `default_target`. The SFT proxy's score is low in absolute terms (0.09 on 4,600 Alpaca
    records, against 0.06 for the best trivial baseline), so its default target is too."""
    default_target: float = Field(0.5, gt=0.0, lt=1.0)
    """Target score of trainers `targets` does not list; scores are shares (ROUGE-L F, accuracy), so 0 < target < 1."""
    trainers: list[str] = ["sft", "reward"]
    """Registered trainers to run (`data_assets.curves.trainers.register_trainer` adds your own;
    `sft_nearest` is the older one-neighbour SFT proxy, kept for comparison)."""
    variants: list[str] = list(VARIANTS)
    """Data variants to compare: curated, raw, human, synthetic, mixed, diverse, narrow."""
    sizes: int = Field(8, ge=MIN_SIZES_TO_FIT, le=50)
    """Number of subset sizes on the geometric grid from `smallest` to the full pool (at least 6 recommended)."""
    smallest: int = Field(25, ge=2)
    """The smallest subset size of the grid."""
    seeds: list[int] = Field([0, 1, 2], min_length=1)
    """Seeds of the nested subsets; each size is trained once per seed (at least one, no repeats)."""
    bootstrap: int = Field(200, ge=1)
    """Bootstrap replicates (seeds and eval items resampled) behind every interval."""
    max_train_size: int = Field(20_000, ge=2)
    """Largest subset trained on; a bigger pool is cut to this (its curve then stops here)."""
    max_eval_items: int = Field(500, ge=1)
    """Eval items each curve is scored on at most (a hash sample when there are more)."""
    eval_share: float = Field(0.2, gt=0.0, lt=1.0)
    """Share held out for eval where there is no eval role (SFT) and of the human preference pairs (reward)."""
    narrow_task_types: int = Field(2, ge=1)
    """The `narrow` variant draws from this many of the most common task types."""
    include_unverified_synthetic: bool = False
    """Also train on synthetic pairs that failed or skipped verification."""
    horizon: float = Field(DEFAULT_HORIZON, gt=1.0)
    """Sizes beyond this count as "not reachable": a curve extrapolated that far says nothing."""

    @field_validator("targets")
    @classmethod
    def _targets_are_shares(cls, value: dict[str, float]) -> dict[str, float]:
        # 1.0 is allowed: "how much data for a perfect score?" has an answer ("not reachable").
        outside = {name: target for name, target in value.items() if not 0.0 < target <= 1.0}
        if outside:
            raise ValueError(f"targets: scores are shares, so each target must be above 0 and at most 1; got {outside}")
        return value

    @field_validator("trainers")
    @classmethod
    def _registered_trainers(cls, value: list[str]) -> list[str]:
        known_names("trainers", value, trainer_names())
        return value

    @field_validator("variants")
    @classmethod
    def _known_variants(cls, value: list[str]) -> list[str]:
        known_names("variants", value, VARIANTS)
        return value

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError(f"seeds: {value} repeats a seed; a repeated seed trains the same subsets twice")
        return value

    @model_validator(mode="after")
    def _grid_in_order(self) -> "CurvesConfig":
        if self.smallest > self.max_train_size:
            raise ValueError(f"smallest ({self.smallest}) is above max_train_size ({self.max_train_size}): no size fits the grid")
        return self

    def curve_settings(self) -> CurveSettings:
        return CurveSettings(
            seeds=tuple(self.seeds), sizes=self.sizes, smallest=self.smallest, max_train_size=self.max_train_size,
            variants=tuple(self.variants), narrow_task_types=self.narrow_task_types, bootstrap=self.bootstrap,
            horizon=self.horizon, targets=dict(self.targets), default_target=self.default_target,
        )


def _fits_for_people(fits: pd.DataFrame) -> pd.DataFrame:
    shown = fits[["trainer", "variant", "status", "informative", "b", "c", "n_for_target", "ci_low", "ci_high", "reachable_share",
                  "extrapolation_factor", "largest_n", "score_at_largest_n"]].copy()
    shown["informative"] = shown["informative"].map(lambda v: "n/a" if pd.isna(v) else ("yes" if v else "NO"))
    for column in ("b", "c", "reachable_share", "score_at_largest_n"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    for column in ("n_for_target", "ci_low", "ci_high"):
        shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else ("∞" if math.isinf(v) else f"{v:,.0f}"))
    shown["extrapolation_factor"] = shown["extrapolation_factor"].map(
        lambda v: "" if pd.isna(v) else ("—" if math.isinf(v) else f"{v:.2f}×"))
    shown["largest_n"] = shown["largest_n"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    return shown


@dg.asset(
    group_name="curves",
    kinds={"duckdb", "scikitlearn"},
    pool="duckdb",
    deps=["dedup_documents", "semantic_dedup", "topic_clusters", "raw_documents", "synthetic_pairs", "preference_pairs", "raw_preferences"],
    description="Dataset-size-vs-performance curves: SFT and reward-model proxies trained on nested subsets of "
    "growing size (several seeds) per data variant (curated/raw, human/synthetic/mixed, diverse/narrow), scored "
    "on decontaminated eval sets, fitted with error(n) = a*n^-b + c and bootstrapped, and judged against trivial "
    "baselines measured the same way (a curve that does not beat them is labelled not informative); curves.points, "
    "curves.fits, curves.baselines, and one plot per trainer.",
)
def data_curves(context: dg.AssetExecutionContext, config: CurvesConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    started = time.monotonic()
    trainers = [build_trainer(name) for name in config.trainers]
    with warehouse.connect() as con:
        inputs = read_inputs(con, config.eval_share, config.max_eval_items, config.include_unverified_synthetic)
    # Training runs with no connection open: other runs can use the warehouse meanwhile.
    result = run_curves(inputs, trainers, config.curve_settings(), log=context.log)
    run_id = context.run.run_id
    points, fits, baselines = points_frame(result, run_id), fits_frame(result, run_id), baselines_frame(result, run_id)
    with warehouse.connect() as con:
        replace_rows(con, "curves.points", points, "TRUE")
        replace_rows(con, "curves.fits", fits, "TRUE")
        replace_rows(con, "curves.baselines", baselines, "TRUE")

    metadata: dict = {
        "dagster/row_count": len(points),
        "fits": table_markdown(_fits_for_people(fits)) if len(fits) else dg.MetadataValue.md("_no curves_"),
        "informative": table_markdown(verdicts(result.curves)),
        "not_informative": dg.MetadataValue.md("\n".join(
            f"- {c.trainer} / {c.variant}: {c.verdict.reason}" for c in result.curves if c.informative is False) or "_none_"),
        "how_many_examples": dg.MetadataValue.md(
            "\n\n".join(answer(c) for c in result.curves) or "_no curve could be measured; see skipped_"),
    }
    comparisons = [line for t in trainers for group in (("curated", "raw"), ("human", "synthetic", "mixed"), ("diverse", "narrow"))
                   if (line := comparison(result.curves, t.name, group))]
    metadata["comparisons"] = dg.MetadataValue.md("\n\n".join(f"- {line}" for line in comparisons) or "_none measured_")
    skipped = {f"{trainer} / {s.variant}": s.reason for trainer, skips in result.skipped.items() for s in skips}
    metadata["skipped"] = counts_markdown(skipped, "curve", "reason")
    removed = {f"{trainer} / {k}": v for trainer, counts in result.leakage_removed.items() for k, v in counts.items()}
    metadata["leakage_removed_before_training"] = counts_markdown(removed, "pool: reason", "records")
    metadata["eval_items"] = dg.MetadataValue.json(result.eval_items)
    metadata["sft_eval_set"] = inputs.sft_eval_source
    if inputs.sft_eval_warning:
        context.log.warning(inputs.sft_eval_warning)
        metadata["sft_eval_warning"] = dg.MetadataValue.md(f"**{inputs.sft_eval_warning}**")
    metadata["notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in result.notes) or "_none_")
    for trainer in trainers:
        if any(c.trainer == trainer.name for c in result.curves):
            figure = plot_trainer(result.curves, trainer.name)
            metadata[f"plot_{trainer.name}"] = figure_markdown(
                figure, save_to=settings.reports_dir() / f"curves_{trainer.name}.png", alt=f"{trainer.name} curves")
            plt.close(figure)
    metadata["trainings"] = len(points)
    metadata["seconds"] = round(time.monotonic() - started, 1)
    metadata["dagster/column_schema"] = table_schema("curves.points")
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [data_curves]
CHECKS = [
    not_null_check(data_curves, "curves.points", ["variant", "trainer", "n", "seed", "metric", "value"]),
]
