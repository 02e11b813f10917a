"""What the augment asset reports: plain functions from the plan and its outcome to Dagster metadata values."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from data_assets.augment.apply import TEXT_FIELDS, AugmentOutcome
from data_assets.augment.plan import METHODS, Gap, PlannedAugmentation
from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.dedup.contamination import contamination_metadata
from data_assets.text.taxonomy import DIMENSIONS, bucket_frame, distribution, distribution_frame


def bucket_shift(profiled: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares per (dimension, bucket) before augmenting (`profiled`) and after (plus `documents`)."""
    before = distribution(profiled[list(DIMENSIONS)].to_dict("records"))
    after_rows = profiled[list(DIMENSIONS)].to_dict("records")
    if len(documents):
        after_rows += bucket_frame(documents)[list(DIMENSIONS)].to_dict("records")
    return distribution_frame(before, distribution(after_rows))


def by_method(plan: list[PlannedAugmentation], outcome: AugmentOutcome, configured: Iterable[str]) -> pd.DataFrame:
    """Per method: planned, made, skipped (declined or not sent) and rejected augmentations."""
    configured = set(configured)
    planned = Counter(p.method for p in plan)
    made = Counter(d["method"] for d in outcome.documents)
    return pd.DataFrame([
        {"method": m, "planned": planned[m], "made": made[m], "skipped": outcome.skipped_by_method[m],
         "rejected": sum(1 for r in outcome.rejected if r["method"] == m) - outcome.skipped_by_method[m]}
        for m in METHODS if planned[m] or m in configured
    ])


def metadata(curated: pd.DataFrame, profiled: pd.DataFrame, gaps: list[Gap], plan: list[PlannedAugmentation],
             outcome: AugmentOutcome, documents: pd.DataFrame, contaminated: pd.DataFrame, *, budget: int,
             methods: Iterable[str], eval_records: int, usage: Mapping[str, Any]) -> dict[str, Any]:
    """The augmented_documents materialization's metadata."""
    shift = bucket_shift(profiled, documents)
    methods = by_method(plan, outcome, methods)
    skipped_note = dict(outcome.skipped_by_method.items())
    return {
        "dagster/row_count": len(documents),
        "curated_records": len(curated),
        "budget": budget,
        "planned": len(plan),
        "gaps": table_markdown(pd.DataFrame([{"gap": g.name, "deficit": g.deficit, "source_records": len(g.sources),
                                              "methods": ", ".join(g.methods)} for g in gaps])),
        "by_method": table_markdown(methods),
        "skipped_methods": counts_markdown(skipped_note, "method", "skipped"),
        "rejected_by_reason": counts_markdown(dict(Counter(r["reason"] for r in outcome.rejected).most_common()), "reason", "records"),
        **contamination_metadata(contaminated, eval_records),
        "distribution_before_after": table_markdown(shift[shift["before"] != shift["after"]] if len(documents) else shift),
        "preview": preview_markdown(documents[["record_id", "parent_id", "method", "gap", "instruction"]]),
        **usage,
        "dagster/column_schema": table_schema("augment.documents"),
        "dagster/column_lineage": column_lineage({
            "parent_id": [("dedup_documents", "record_id")],
            **{f: [("dedup_documents", f)] for f in TEXT_FIELDS},
            "source": [("dedup_documents", "source")], "license": [("dedup_documents", "license")],
            "parent_origin": [("dedup_documents", "origin")],
        }),
    }
