"""Dagster wiring of the synth stage: Self-Instruct pairs, filtered, verified, with lineage to their examples."""

import dagster as dg
import pandas as pd
from pydantic import Field, model_validator

from data_assets.common.checks import lineage_check, not_null_check, unique_key_check
from data_assets.common.config import StageConfig
from data_assets.common.guards import curated_near_duplicates, rescanner, run_policy
from data_assets.common.metadata import table_schema
from data_assets.dedup.contamination import (
    contamination_edges,
    load_eval_index,
    rejected_contamination,
    write_contamination,
)
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.llm.resource import LLMResource
from data_assets.synth.filters import FilterLimits
from data_assets.synth import report
from data_assets.synth.loop import LoopSettings, run_loop, verify_pairs
from data_assets.synth.prompts import GENERATE_PROMPT_VERSION
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows, rows_frame

PAIR_COLUMNS = [
    "record_id", "instruction", "input", "response", "task_type", "domain", "seed_ids", "max_rouge_l", "verified",
    "verification_reason", "verified_by", "provider", "model", "prompt_version", "request_hash", "run_id",
]
REJECTED_COLUMNS = [
    "record_id", "instruction", "input", "response", "task_type", "domain", "reason", "detail", "max_rouge_l",
    "raw_reply", "seed_ids", "provider", "model", "prompt_version", "request_hash", "run_id",
]


class SynthConfig(StageConfig):
    # Defaults come from the loop's own settings, so the Launchpad and plain calls agree.
    target_pairs: int = Field(LoopSettings.target_pairs, ge=0)
    """Stop once this many pairs passed every filter."""
    batch_size: int = Field(LoopSettings.batch_size, ge=1, le=50)
    """Tasks asked for per request (1 to 50: a longer list than that stops fitting one reply)."""
    requests_per_round: int = Field(LoopSettings.requests_per_round, ge=1)
    """Requests sent together each round (in flight at once); examples and targets are drawn per request."""
    max_generation_requests: int = Field(LoopSettings.max_generation_requests, ge=0)
    """Hard cap on generation requests per run, whatever the yield."""
    max_spend_usd: float = Field(LoopSettings.max_spend_usd, ge=0.0)
    """Stop sending generation requests once this run spent this much on them (cache hits cost nothing)."""
    max_stalled_rounds: int = Field(LoopSettings.max_stalled_rounds, ge=1)
    """Stop after this many rounds in a row that kept nothing: the generator has run out of new tasks."""
    seed_examples: int = Field(LoopSettings.seed_examples, ge=0)
    """In-context examples per request drawn from the seed-role tasks."""
    generated_examples: int = Field(LoopSettings.generated_examples, ge=0)
    """In-context examples per request drawn from the pairs kept so far."""
    seed: int = LoopSettings.seed
    """Seed of every random draw of the loop (any integer); the same seed and tables replay the same requests."""
    rouge_threshold: float = Field(FilterLimits.rouge_threshold, gt=0.0, le=1.0)
    """A task whose instruction has a ROUGE-L F above this with any seed or kept instruction is not novel."""
    near_duplicate_threshold: float = Field(0.7, gt=0.0, le=1.0)
    """Jaccard above which a task counts as a near-duplicate of a curated record."""
    min_instruction_words: int = Field(FilterLimits.min_instruction_words, ge=1)
    """A task whose instruction has fewer words is rejected as too_short."""
    max_instruction_words: int = Field(FilterLimits.max_instruction_words, ge=1)
    """A task whose instruction has more words is rejected as too_long."""
    max_response_words: int = Field(FilterLimits.max_response_words, ge=1)
    """A task whose response has more words is rejected as too_long."""
    verify: bool = True
    """Verify every kept pair (recomputation or judge); off, every pair is stored unverified."""

    @model_validator(mode="after")
    def _instruction_bounds_in_order(self) -> "SynthConfig":
        if self.min_instruction_words > self.max_instruction_words:
            raise ValueError(f"min_instruction_words ({self.min_instruction_words}) is above max_instruction_words "
                             f"({self.max_instruction_words}): every task would be rejected")
        return self


def _frame(rows: list[dict], columns: list[str], run_id: str) -> pd.DataFrame:
    frame = rows_frame(rows, columns, run_id=run_id, prompt_version=GENERATE_PROMPT_VERSION)
    for column in ("instruction", "input", "response"):
        frame[column] = frame[column].fillna("")
    return frame


def _recorded_cost(warehouse: WarehouseResource, hashes: list[str]) -> float:
    """What the requests behind this run's pairs cost when they were made, cached or not."""
    if not hashes:
        return 0.0
    with warehouse.connect() as con:
        value = con.execute(
            "SELECT coalesce(sum(cost_usd + prior_cost_usd), 0) FROM llm.calls WHERE request_hash IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(set(hashes))],
        ).fetchone()[0]
    return float(value)


def _nothing_to_generate(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """An empty input (every source rejected, or an empty file) is an empty, explained run: the
    stage's tables are emptied so no pair of an earlier input outlives it, and no model is called."""
    reason = "no seed-role or curated records in dedup.documents: nothing to show the generator, no pair generated"
    context.log.warning(f"synth: {reason}")
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        for statement in ("DELETE FROM synth.pairs", "DELETE FROM synth.rejected", "DELETE FROM lineage.edges WHERE stage = 'synth'"):
            con.execute(statement)
        con.execute("COMMIT")
    return dg.MaterializeResult(metadata={"dagster/row_count": 0, "kept": 0, "stop_reason": reason,
                                          "dagster/column_schema": table_schema("synth.pairs")})


@dg.asset(
    group_name="synth",
    kinds={"duckdb", "anthropic"},
    pool="duckdb",
    deps=["dedup_documents", "semantic_dedup", "topic_clusters"],
    description="Self-Instruct synthetic pairs grown from the seed tasks toward the curated set's coverage gaps, "
    "filtered for novelty (ROUGE-L), feasibility, length and duplicates (synth.rejected says why), re-scanned for "
    "PII, and verified by recomputation or a judge (synth.pairs).",
)
def synthetic_pairs(context: dg.AssetExecutionContext, config: SynthConfig, warehouse: WarehouseResource,
                    llm: LLMResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect() as con:
        seeds = con.execute("SELECT record_id, instruction, input, response FROM dedup.documents WHERE role = 'seed'").df()
        curated = con.execute("SELECT record_id, instruction, input, response FROM dedup.documents WHERE role = 'train'").df()
        eval_index = load_eval_index(con)
        rescan = rescanner(run_policy(con))
    if seeds.empty:
        # Self-Instruct needs examples; with no seed source the curated records stand in.
        context.log.warning("no seed-role records in dedup.documents: in-context examples come from the curated set")
        seeds = curated
    if seeds.empty:
        return _nothing_to_generate(context, warehouse)
    settings = LoopSettings(
        target_pairs=config.target_pairs, batch_size=config.batch_size, requests_per_round=config.requests_per_round,
        max_generation_requests=config.max_generation_requests, max_spend_usd=config.max_spend_usd,
        max_stalled_rounds=config.max_stalled_rounds, seed_examples=config.seed_examples,
        generated_examples=config.generated_examples, seed=config.seed,
        limits=FilterLimits(min_instruction_words=config.min_instruction_words,
                            max_instruction_words=config.max_instruction_words,
                            max_response_words=config.max_response_words, rouge_threshold=config.rouge_threshold),
    )

    def run(requests):
        return llm.run(requests, context=context)

    outcome = run_loop(seeds, curated, run, settings, curated_near_duplicates(curated, config.near_duplicate_threshold),
                       scan=rescan, log=context.log, decontaminate=eval_index.match_records)
    if config.verify:
        verification = verify_pairs(outcome.pairs, run)
    else:
        verification = {"by_outcome": {"not_verified": len(outcome.pairs)}, "judge_cost_usd": 0.0}
        for pair in outcome.pairs:
            pair.update(verified=False, verification_reason="verification switched off", verified_by="none")

    pairs = _frame(outcome.pairs, PAIR_COLUMNS, run_id)
    rejected = _frame(outcome.rejected, REJECTED_COLUMNS, run_id)
    contaminated = rejected_contamination(outcome.rejected, "synth", role="synthetic")
    edges = edges_frame(
        [*((p["record_id"], seed_id, "seed_example", p["request_hash"][:16]) for p in outcome.pairs for seed_id in p["seed_ids"]),
         *contamination_edges(contaminated)],
        "synth", run_id,
    )
    with warehouse.connect() as con:
        replace_rows(con, "synth.pairs", pairs, "TRUE")
        replace_rows(con, "synth.rejected", rejected, "TRUE")
        write_contamination(con, "synth", contaminated)
        replace_stage_edges(con, "synth", edges)

    hashes = [p["request_hash"] for p in outcome.pairs] + [r["request_hash"] for r in outcome.rejected]
    # The judge of this run is the one the llm resource names; the export finds it per pair in llm.calls.
    checked = report.verification_counts(pairs, outcome.pairs, llm.model_for("judge"))
    context.log.info(f"synth: {len(pairs)} pairs kept ({checked.verified} verified, {checked.self_consistent} of them only by a "
                     f"self-consistency check), {len(rejected)} rejected; stopped: {outcome.stop_reason}")
    return dg.MaterializeResult(metadata=report.metadata(
        outcome, pairs, rejected, contaminated, eval_records=len(eval_index), checked=checked,
        judge_cost_usd=verification["judge_cost_usd"], recorded_cost_usd=_recorded_cost(warehouse, hashes),
        target_pairs=config.target_pairs, usage=llm.usage_metadata(),
    ))

ASSETS = [synthetic_pairs]
CHECKS = [
    unique_key_check(synthetic_pairs, "synth.pairs"),
    not_null_check(synthetic_pairs, "synth.pairs", ["record_id", "instruction", "response", "task_type", "domain", "verified"]),
    lineage_check(synthetic_pairs, "synth.pairs", "synth"),
]
