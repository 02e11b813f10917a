"""What the synth asset reports: plain functions from the loop's outcome to Dagster metadata values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import pandas as pd

from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.dedup.contamination import contamination_metadata
from data_assets.synth.loop import LoopOutcome, distribution
from data_assets.synth.verification import is_self_consistency, verification_label

# Rejections that say nothing about the quality of a generated task.
NOT_A_TASK = {"failed_request", "declined_request", "target_reached"}


@dataclass(frozen=True)
class VerificationCounts:
    labels: Counter[str]   # pairs per verification label
    verified: int
    self_consistent: int   # verified only by the code that wrote them


def verification_counts(pairs: pd.DataFrame, rows: Sequence[Mapping[str, Any]], judge_model: str) -> VerificationCounts:
    """`pairs` the kept frame, `rows` the same pairs as the loop returned them; `judge_model` the resource's judge."""
    verified = int(pairs["verified"].sum()) if len(pairs) else 0
    labels = Counter(verification_label(p["provider"], p["verified_by"], bool(p["verified"]), judge_model) for p in rows)
    self_consistent = sum(n for label, n in labels.items() if is_self_consistency(label) and not label.startswith("unverified"))
    return VerificationCounts(labels, verified, self_consistent)


def metadata(outcome: LoopOutcome, pairs: pd.DataFrame, rejected: pd.DataFrame, contaminated: pd.DataFrame, *,
             eval_records: int, checked: VerificationCounts, judge_cost_usd: float, recorded_cost_usd: float,
             target_pairs: int, usage: Mapping[str, Any]) -> dict[str, Any]:
    task_rejections = Counter(r["reason"] for r in outcome.rejected if r["reason"] not in NOT_A_TASK)
    judged = len(outcome.pairs) + sum(task_rejections.values())
    return {
        "dagster/row_count": len(pairs),
        "kept": len(pairs),
        "verified": checked.verified,
        "verified_independently": checked.verified - checked.self_consistent,
        "self_consistency_only": checked.self_consistent,
        "unverified": len(pairs) - checked.verified,
        "rejected": len(rejected),
        "rejected_by_reason": counts_markdown(dict(Counter(r["reason"] for r in outcome.rejected).most_common()), "reason", "tasks"),
        **contamination_metadata(contaminated, eval_records),
        "acceptance_rate": round(len(outcome.pairs) / judged, 4) if judged else 0.0,
        "stop_reason": outcome.stop_reason,
        "target_pairs": target_pairs,
        "generation_requests": outcome.requests,
        "failed_or_declined_requests": outcome.failed_requests,
        "rounds": outcome.rounds,
        "verification": counts_markdown(dict(checked.labels.most_common()), "verification", "pairs"),
        "verification_note": dg.MetadataValue.md(verification_note(checked.self_consistent, checked.verified)),
        "task_type_distribution": counts_markdown(distribution(outcome.pairs, "task_type"), "task type", "pairs"),
        "domain_distribution": counts_markdown(distribution(outcome.pairs, "domain"), "domain", "pairs"),
        "cost_this_run_usd": round(outcome.generation_cost_usd + judge_cost_usd, 6),
        "cost_recorded_usd": round(recorded_cost_usd, 6),
        "cost_per_kept_pair_usd": round(recorded_cost_usd / len(pairs), 6) if len(pairs) else 0.0,
        "rouge_l_of_kept": table_markdown(pairs["max_rouge_l"].describe().round(3).reset_index()) if len(pairs) else "_none_",
        "preview": preview_markdown(pairs[["record_id", "task_type", "domain", "verified", "instruction", "response"]]),
        **usage,
        "dagster/column_schema": table_schema("synth.pairs"),
        "dagster/column_lineage": column_lineage({
            "seed_ids": [("dedup_documents", "record_id")],
            "max_rouge_l": [("dedup_documents", "instruction")],
        }),
    }


def verification_note(self_consistent: int, verified: int) -> str:
    if not self_consistent:
        return "Every verified pair was checked by something that did not write it (a recomputation of a model's answer, or a judge)."
    return (f"**{self_consistent} of {verified} verified pairs passed a self-consistency check only**: the offline provider "
            "wrote them with the task families of `synth/families.py`, and the same families recomputed them. That shows "
            "the code agrees with itself, not that the answers were independently verified.")
