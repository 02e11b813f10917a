"""The rules human data passes, applied to generated text (synth and augment): near-duplicates and the PII re-scan.

Both come from their own stages, so generated and augmented records are held to exactly the
rules the human records were: the dedup stage's `NearDuplicateIndex` (its normalization, word
shingles and MinHash scheme, every candidate verified with the true Jaccard) and the compliance
stage's `scan_and_redact` with the policy of the run: the one `compliance_documents` stored in
`compliance.policy`, so a run that blocks a term or redacts URLs applies that to model output too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from data_assets.compliance import CompliancePolicy, ScanOutcome, scan_and_redact
from data_assets.compliance.policy_store import stored_policy
from data_assets.dedup import NearDuplicateIndex


def record_text(instruction: str, input_text: str, response: str) -> str:
    """A record as the dedup stage compares it: the fields joined with newlines."""
    return "\n".join([instruction, input_text, response])


def near_duplicate_index(records: Iterable[tuple[str, str]], threshold: float) -> NearDuplicateIndex:
    index = NearDuplicateIndex(threshold=threshold)
    items = list(records)
    if items:
        index.add_many(items)
    return index


def curated_near_duplicates(curated: pd.DataFrame, threshold: float) -> Callable[[str], str | None]:
    """`text -> id of the curated record it most nearly duplicates, or None`."""
    index = near_duplicate_index(
        ((rid, record_text(i, x, r)) for rid, i, x, r in zip(curated["record_id"], curated["instruction"], curated["input"], curated["response"])),
        threshold,
    )

    def query(text: str) -> str | None:
        hits = index.query(text)
        return str(hits[0][0]) if hits else None

    return query


def run_policy(con) -> CompliancePolicy:
    """The compliance policy of the run (`compliance.policy`); the stage default before compliance ever ran."""
    return stored_policy(con) or CompliancePolicy()


def rescanner(policy: CompliancePolicy) -> Callable[[dict[str, str]], ScanOutcome]:
    """The compliance scan under `policy`: `.status` pass | redacted | dropped, `.fields`, `.reasons`."""

    def rescan(fields: dict[str, str]) -> ScanOutcome:
        return scan_and_redact(fields, policy)

    return rescan
