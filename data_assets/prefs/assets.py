"""Dagster wiring of the prefs stage: AI-judged preference pairs, the judge's biases, the DPO export."""

from datetime import datetime, timezone

from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field

from data_assets import settings
from data_assets.common.checks import lineage_check, not_null_check, unique_key_check
from data_assets.common.config import StageConfig
from data_assets.compliance import CompliancePolicy
from data_assets.prefs.candidates import scanned_text
from data_assets.compliance.policy_store import stored_policy
from data_assets.common.metadata import column_lineage, column_schema, counts_markdown, preview_markdown
from data_assets.dedup.contamination import (
    contamination_edges,
    contamination_rows,
    load_eval_index,
    write_contamination,
)
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.llm.resource import LLMResource
from data_assets.prefs.bias import bias_metrics
from data_assets.prefs.candidates import (
    CANDIDATE_MODES,
    Pair,
    decontaminate_pairs,
    human_pairs,
    respond_requests,
    responses_frame,
    sample,
    sft_pairs,
)
from data_assets.export.files import column_types, export_paths
from data_assets.export.gate import check_spec, export_gate
from data_assets.prefs.export import DpoSettings, candidate_pairs, dpo_frame, dpo_schema, write_dpo
from data_assets.prefs import report
from data_assets.prefs.judging import judge_model_of, judge_requests, judgment_rows, pair_rows
from data_assets.prefs.rubric import RUBRIC_VERSION
from data_assets.warehouse import WarehouseResource, read_sql
from data_assets.warehouse.resource import replace_rows

CONSISTENCY_CHECK = "judge_position_consistency"


class PreferenceConfig(StageConfig):
    sample_size: int = Field(100, ge=0)
    """How many prompts of the SFT set (dedup.documents, role train) get a judged pair."""
    human_sample_size: int = Field(200, ge=0)
    """How many human-labeled pairs (compliance.preferences, not dropped) are judged to calibrate the judge (0: none)."""
    seed: int = 0
    """Seed of both samples (any integer); the same seed and tables give the same pairs and a run answered from the cache."""
    candidate_mode: Literal[CANDIDATE_MODES] = "existing_vs_generated"
    """existing_vs_generated: the dataset's response against a new one; two_generations: two new responses
    (concise and thorough system prompts), with the dataset's response shown to the judge as reference."""
    consistency_threshold: float = Field(0.8, ge=0.0, le=1.0)
    """The position-consistency check warns below this share of pairs whose two orders agree."""
    judge_max_tokens: int = Field(1024, ge=64, le=64_000)
    """Output tokens per judge call (64 to 64,000: less cannot hold the verdict and its rationale, more is past
    what current Claude models return in one message)."""
    respond_max_tokens: int = Field(1024, ge=16, le=64_000)
    """Output tokens per generated response (16 to 64,000)."""


def _edges(pairs: list[Pair]) -> list[tuple[str, str, str, str | None]]:
    rows = []
    for pair in pairs:
        rows.append((pair.pair_id, pair.prompt_id, "prompt", pair.source))
        for side, response in (("response_a", pair.response_a), ("response_b", pair.response_b)):
            rows.append((pair.pair_id, response.response_id, side, response.origin))
            rows.append((response.response_id, response.prompt_id, response.origin, response.method))
    return rows


@dg.asset(
    group_name="prefs",
    kinds={"duckdb", "anthropic"},
    pool="duckdb",
    deps=["dedup_documents", "semantic_dedup", "compliance_preferences"],
    description="Preference pairs judged by an AI judge in both orders (prefs.pairs, prefs.judgments, prefs.responses), "
    "with the judge's position, verbosity and human-agreement biases measured every run (prefs.bias).",
    check_specs=[dg.AssetCheckSpec(
        CONSISTENCY_CHECK, asset="preference_pairs", blocking=False,
        description="Warns when the share of pairs whose two judging orders agree is below the configured threshold.",
    )],
)
def preference_pairs(context: dg.AssetExecutionContext, config: PreferenceConfig, warehouse: WarehouseResource,
                     llm: LLMResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect() as con:
        sft = con.execute("SELECT record_id, instruction, input, response FROM dedup.documents WHERE role = 'train'").df()
        # Human pairs come compliance-scanned, like every text that reaches the judge or an export.
        preferences = con.execute(
            "SELECT record_id, prompt, chosen, rejected FROM compliance.preferences WHERE status <> 'dropped'"
        ).df()
        policy = stored_policy(con) or CompliancePolicy()
        eval_index = load_eval_index(con)
    prompts = sample(sft, config.sample_size, config.seed)
    labeled = sample(preferences, config.human_sample_size, config.seed)
    context.log.info(f"{len(prompts)} SFT prompts of {len(sft)}, {len(labeled)} human pairs of {len(preferences)}")

    # No connection is open while the model works: other runs may write meanwhile.
    respond = respond_requests(prompts, config.candidate_mode, config.respond_max_tokens)
    generated = llm.run(respond, context=context) if respond else []
    candidates = sft_pairs(prompts, generated, config.candidate_mode, policy)
    candidate_pairs = candidates.pairs + human_pairs(labeled)
    # Before judging: a pair that overlaps eval is never exported, so it is not worth a judge call.
    pairs, overlapping = decontaminate_pairs(candidate_pairs, eval_index.match_records)
    contaminated = contamination_rows(overlapping, "prefs", role="preference")
    requests = judge_requests(pairs, config.judge_max_tokens)
    results = llm.run([request for _, _, request in requests], context=context) if requests else []

    judgments = judgment_rows(requests, results)
    # The judge's rationale is generated text stored in prefs.judgments: scanned like any other.
    judgments["rationale"] = judgments["rationale"].map(lambda text: scanned_text(text, policy))
    judge_model = judge_model_of(judgments, llm.model_for("judge"))
    pair_frame = pair_rows(pairs, judgments, judge_model)
    responses = responses_frame(candidate_pairs)   # a removed pair's texts stay, for its contamination row
    degraded_ids = {p.pair_id for p in candidates.pairs if p.response_b.origin == "degraded"}
    metrics = bias_metrics(pair_frame, judgments, degraded_ids)
    consistency = metrics["consistency_rate"]
    bias_row = pd.DataFrame([{
        "run_id": run_id, "measured_at": datetime.now(timezone.utc).replace(tzinfo=None), "judge_model": judge_model,
        "rubric_version": RUBRIC_VERSION, "provider": llm.provider_name, **metrics,
        "consistency_threshold": config.consistency_threshold,
    }])

    with warehouse.connect() as con:
        replace_rows(con, "prefs.responses", responses.assign(run_id=run_id), "TRUE")
        replace_rows(con, "prefs.judgments", judgments.assign(run_id=run_id), "TRUE")
        replace_rows(con, "prefs.pairs", pair_frame.assign(run_id=run_id), "TRUE")
        replace_rows(con, "prefs.bias", bias_row, "run_id = ?", [run_id])
        write_contamination(con, "prefs", contaminated)
        replace_stage_edges(con, "prefs", edges_frame([*_edges(candidate_pairs), *contamination_edges(contaminated)], "prefs", run_id))
        history = con.execute(read_sql("reports/prefs_bias_history")).df()

    check = dg.AssetCheckResult(
        check_name=CONSISTENCY_CHECK,
        passed=consistency is None or consistency >= config.consistency_threshold,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "consistency_rate": consistency if consistency is not None else "no pair judged in both orders",
            "threshold": config.consistency_threshold,
            "pairs_judged": metrics["pairs_judged"],
            "first_position_win_rate": report.shown(metrics["first_position_win_rate"]),
        },
    )
    if check.passed is False:
        context.log.warning(f"judge position consistency {consistency:.3f} is below {config.consistency_threshold}: "
                            "its verdicts depend on the order the responses are shown in")
    return dg.MaterializeResult(
        metadata=report.metadata(pair_frame, judgments, metrics, history, candidates, contaminated,
                                 judge_model=judge_model, candidate_mode=config.candidate_mode,
                                 provider=llm.provider_name, eval_records=len(eval_index), usage=llm.usage_metadata()),
        check_results=[check],
    )


class DpoExportConfig(StageConfig):
    include_human_pairs: bool = True
    """Export the human-labeled pairs (compliance-scanned, chosen as people labeled them, judge_provider = human)."""
    include_offline_judged_pairs: bool = False
    """Also export SFT pairs decided only by the offline heuristic judge, labeled judge_provider = offline.
    Off by default: the heuristic rewards length, and its verdicts would teach that longer is better."""
    prompt_format: Literal["conversational", "standard"] = "conversational"
    """conversational: prompt, chosen and rejected as chat messages (TRL applies the chat template);
    standard: plain text, the prompt ending in "\\n\\nAssistant:" and each completion starting with a space."""
    system_prompt: str = ""
    """When set, every prompt opens with this system turn (or paragraph, in the standard format)."""

    def settings(self) -> DpoSettings:
        return DpoSettings(self.include_human_pairs, self.include_offline_judged_pairs, self.prompt_format, self.system_prompt)


@dg.asset(
    group_name="prefs",
    kinds={"duckdb"},
    pool="duckdb",
    deps=["preference_pairs"],
    description="dpo.jsonl and dpo.parquet in the exports folder, same columns: the human-labeled pairs and the "
    "pairs a model judge decided the same way in both orders, each with the origin of both sides, who judged it "
    "and the judge's verdict; pairs decided only by the offline heuristic judge stay out unless asked for, and "
    "pairs_left_out counts every pair left out by its reason; a run whose judging a spend cap cut short keeps "
    "the previous files.",
    check_specs=[check_spec("dpo_export")],
)
def dpo_export(context: dg.AssetExecutionContext, config: DpoExportConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        pairs, unsampled = candidate_pairs(con)
        gate = export_gate(con, context.run.run_id)
    try:
        export = dpo_frame(pairs, config.settings(), unsampled)
    except ValueError as error:
        raise dg.Failure(str(error)) from error
    frame = export.frame
    if gate.open:
        paths = write_dpo(frame, settings.exports_dir(), config.prompt_format)
        context.log.info(f"wrote {len(frame)} DPO pairs to {paths['jsonl']} and {paths['parquet']}; "
                         f"left out {sum(export.left_out.values())}")
    else:
        paths = export_paths(settings.exports_dir(), "dpo")
        context.log.warning(f"dpo export {gate.note(paths)}")
    return dg.MaterializeResult(
        check_results=[gate.check("dpo_export")],
        metadata={
            "dagster/row_count": len(frame),
            "files": gate.note(paths),
            "jsonl": dg.MetadataValue.path(str(paths["jsonl"].resolve())),
            "parquet": dg.MetadataValue.path(str(paths["parquet"].resolve())),
            "rows_by_judge": counts_markdown(frame["judge_provider"].value_counts().to_dict(), "judge_provider", "pairs"),
            "rows_by_origins": counts_markdown(
                (frame["chosen_origin"] + " over " + frame["rejected_origin"]).value_counts().to_dict(), "chosen over rejected", "pairs"),
            "pairs_left_out": counts_markdown(dict(export.left_out.most_common()), "reason", "pairs"),
            "include_human_pairs": config.include_human_pairs,
            "include_offline_judged_pairs": config.include_offline_judged_pairs,
            "prompt_format": config.prompt_format,
            # Ids and provenance only: the texts are in the files.
            "preview": preview_markdown(frame[["id", "judge_provider", "judge_model", "chosen_origin", "rejected_origin",
                                               "verdict_both_orders"]]),
            "dagster/column_schema": column_schema(column_types(dpo_schema(config.prompt_format))),
            "dagster/column_lineage": column_lineage({
                "id": [("preference_pairs", "pair_id")],
                "prompt": [("preference_pairs", "prompt")],
                "chosen": [("preference_pairs", "chosen_id"), ("preference_pairs", "human_label")],
                "rejected": [("preference_pairs", "rejected_id"), ("preference_pairs", "human_label")],
                "judge_model": [("preference_pairs", "judge_model")],
                "verdict_both_orders": [("preference_pairs", "verdict")],
                "human_label": [("preference_pairs", "human_label")],
            }),
        }
    )


ASSETS = [preference_pairs, dpo_export]
CHECKS = [
    unique_key_check(preference_pairs, "prefs.pairs", key="pair_id"),
    not_null_check(preference_pairs, "prefs.pairs", ["pair_id", "prompt_id", "response_a_id", "response_b_id", "verdict"]),
    lineage_check(preference_pairs, "prefs.pairs", "prefs", key="pair_id"),
]
