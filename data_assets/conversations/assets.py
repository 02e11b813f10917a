"""Dagster wiring of the conversation stage."""

from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from data_assets.common.checks import unique_key_check
from data_assets.common.metadata import counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.policy_store import stored_policy
from data_assets.conversations.stage import PROFILE_DATASET, STAGE, profile, run_stage, snapshot_rows
from data_assets.dedup.contamination import contamination_metadata, load_eval_index, write_contamination
from data_assets.lineage.edges import edges_frame, replace_stage_edges
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows


@dg.asset(
    group_name=STAGE,
    kinds={"duckdb"},
    pool="duckdb",
    deps=["raw_conversations", "compliance_documents", "dedup_documents"],
    description="Every raw conversation once in conversations.documents: every turn scanned under the compliance "
    "policy of the last compliance run (findings with their turn index in conversations.findings), exact duplicate "
    "conversations and those overlapping an eval record (their first user turn, or the whole chat; the dedup stage's rules) marked, each change a lineage edge; "
    "turns per conversation and characters per turn by role in the metadata and in profile.snapshots (dataset conversations).",
)
def conversation_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        raw = con.execute("SELECT * FROM raw.conversations ORDER BY record_id").df()
        # The eval set and rules of the dedup stage (its last run's settings).
        eval_index = load_eval_index(con)
        # The policy compliance_documents applied, so a conversation meets the same rules as a record.
        policy = stored_policy(con) or CompliancePolicy()
    result = run_stage(raw, eval_index, policy, context.run.run_id)
    edges = edges_frame(result.edges, STAGE, context.run.run_id)
    with warehouse.connect() as con:
        replace_rows(con, "conversations.documents", result.documents, "TRUE")
        replace_rows(con, "conversations.findings", result.findings, "TRUE")
        replace_stage_edges(con, STAGE, edges)
        write_contamination(con, STAGE, result.contamination)
    summary, by_role = profile(result.documents)
    kept = result.documents[result.documents["status"].isin(["pass", "redacted"])]
    kept_summary, _ = profile(kept)
    # The conversations' profile beside the record profiles, so runs can be compared over time.
    snapshot = snapshot_rows(summary, by_role).assign(dataset=PROFILE_DATASET, run_id=context.run.run_id,
                                                      profiled_at=datetime.now(timezone.utc).replace(tzinfo=None))
    with warehouse.connect() as con:
        replace_rows(con, "profile.snapshots", snapshot, "dataset = ? AND run_id = ?", [PROFILE_DATASET, context.run.run_id])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(result.documents),
        "rows_by_status": counts_markdown(dict(result.status), "status", "conversations"),
        "findings_by_type": counts_markdown(dict(result.findings_by_type), "entity_type", "findings"),
        "turns_per_conversation": counts_markdown(summary, "statistic", "value"),
        "kept_conversations": kept_summary["conversations"],
        "kept_turns": kept_summary["turns"],
        "chars_per_turn_by_role": table_markdown(by_role),
        "lineage_edges": len(edges),
        **contamination_metadata(result.contamination, len(eval_index)),
        # Ids and places only: the text may be PII the policy flags without redacting.
        "preview": preview_markdown(result.documents[["record_id", "source", "source_row", "turns", "status"]]
                                    if len(result.documents) else pd.DataFrame()),
        "dagster/column_schema": table_schema("conversations.documents"),
    })


ASSETS = [conversation_documents]
CHECKS = [unique_key_check(conversation_documents, "conversations.documents")]
