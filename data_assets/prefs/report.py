"""What the prefs asset reports: plain functions from pairs, judgments and bias figures to Dagster metadata values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import dagster as dg
import pandas as pd

from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.dedup.contamination import contamination_metadata
from data_assets.llm.pricing import OFFLINE_PROVIDER
from data_assets.prefs.bias import BIAS_COLUMNS, bias_by_source
from data_assets.prefs.candidates import SftCandidates
from data_assets.prefs.rubric import RUBRIC_VERSION


def metadata(pair_frame: pd.DataFrame, judgments: pd.DataFrame, metrics: Mapping[str, Any], history: pd.DataFrame,
             candidates: SftCandidates, contaminated: pd.DataFrame, *, judge_model: str, candidate_mode: str,
             provider: str, eval_records: int, usage: Mapping[str, Any]) -> dict[str, Any]:
    """The preference_pairs materialization's metadata."""
    offline_judge = set(judgments.loc[judgments["status"] == "ok", "provider"]) == {OFFLINE_PROVIDER}
    sft_preview = pair_frame[pair_frame["source"] == "sft"][["pair_id", "verdict", "len_a", "len_b", "prompt"]]
    return {
        "dagster/row_count": len(pair_frame),
        "pairs_by_source": counts_markdown(pair_frame["source"].value_counts().to_dict(), "source", "pairs"),
        "verdicts": counts_markdown(pair_frame["verdict"].value_counts().to_dict(), "verdict", "pairs"),
        # Unjudged pairs (a failed call, or left unsent by the spend cap) are not judged pairs.
        "pairs_unjudged": int((pair_frame["verdict"] == "unjudged").sum()) if len(pair_frame) else 0,
        "judgments": len(judgments),
        "judgments_by_status": counts_markdown(judgments["status"].value_counts().to_dict(), "status", "calls"),
        **judge_figures(metrics, offline_judge),
        "judge_checks": dg.MetadataValue.md(judge_checks_note(offline_judge)),
        "bias_by_source": table_markdown(bias_by_source(pair_frame, judgments)),
        "bias_last_runs": table_markdown(history),
        "judge_model": judge_model,
        "rubric_version": RUBRIC_VERSION,
        "candidate_mode": candidate_mode,
        "second_response": second_response_note(candidates, provider),
        "generation_fallbacks": counts_markdown(dict(candidates.fallbacks), "why B is not generated", "prompts"),
        "degradations": counts_markdown(dict(candidates.degradations), "degradation", "pairs"),
        "prompts_without_pair": counts_markdown(dict(candidates.skipped), "reason", "prompts"),
        **contamination_metadata(contaminated, eval_records),
        "same_model_family_pairs": int(pair_frame["same_model_family"].sum()),
        # Both kinds are compliance-scanned; the preview shows the SFT pairs.
        "preview": preview_markdown(sft_preview),
        **usage,
        "dagster/column_schema": table_schema("prefs.pairs"),
        "dagster/column_lineage": column_lineage({
            "prompt_id": [("dedup_documents", "record_id"), ("compliance_preferences", "record_id")],
            "prompt": [("dedup_documents", "instruction"), ("dedup_documents", "input"), ("compliance_preferences", "prompt")],
            "reference": [("dedup_documents", "response")],
            "human_label": [("compliance_preferences", "chosen"), ("compliance_preferences", "rejected")],
        }),
    }


# Figures that say nothing independent about the offline heuristic judge: it is symmetric in the two
# responses by construction, and its heuristics target exactly the degradations it is paired against.
OFFLINE_SELF_CONSISTENCY = ("consistency_rate", "degraded_loses_rate")


def judge_figures(metrics: dict, offline_judge: bool) -> dict:
    """The judge's figures as metadata; an offline judge's circular ones under `self_consistency/`."""
    return {f"{'self_consistency' if offline_judge and k in OFFLINE_SELF_CONSISTENCY else 'bias'}/{k}": shown(metrics[k])
            for k in BIAS_COLUMNS}


def judge_checks_note(offline_judge: bool) -> str:
    if not offline_judge:
        return ("Human agreement (on human-labeled pairs) is the independent figure. The degraded-loses rate checks "
                "that the judge notices documented degradations: a sanity check, not accuracy.")
    return ("The judge is the offline heuristic. `self_consistency/consistency_rate` is 1 by construction (it scores "
            "each response on its own) and `self_consistency/degraded_loses_rate` measures it on the degradations its "
            "heuristics were written to catch: **self-consistency checks, not judge accuracy**. The only independent "
            "figure is `bias/human_agreement_*`, on human-labeled pairs.")


def shown(value: float | int | None) -> float | int | str:
    return round(value, 4) if isinstance(value, float) else ("n/a" if value is None else value)


def second_response_note(candidates: SftCandidates, provider: str) -> str:
    made = Counter(p.response_b.origin for p in candidates.pairs)
    if not candidates.pairs:
        return "no SFT pairs"
    if made.get("degraded"):
        return (f"{made['degraded']} of {len(candidates.pairs)} SFT pairs pit the existing response against a "
                f"documented degradation of it (provider {provider} could not generate one); see `degradations`")
    return f"all {len(candidates.pairs)} SFT pairs use generated responses"
