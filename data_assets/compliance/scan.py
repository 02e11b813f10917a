"""The compliance stage over a frame of raw records: verdicts, findings and lineage rows.

The policy's JSON form and the stored policy are `policy_store.py`; the blocking residual check
is `residual.py`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.redact import scan_and_redact

TEXT_FIELDS = ("instruction", "input", "response")
PREFERENCE_FIELDS = ("prompt", "chosen", "rejected")
PASSTHROUGH = ("record_id", "source", "source_uri", "source_row", "role", "origin", "license")
FINDING_COLUMNS = ["record_id", "field", "start", "end", "entity_type", "detector", "score", "action"]


@dataclass
class StageResult:
    documents: pd.DataFrame
    findings: pd.DataFrame
    edges: list[tuple[str, str, str, str]]           # (child, parent, operation, detail)
    findings_by_type: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)  # redact / drop / flag, counted per finding
    drop_reasons: Counter = field(default_factory=Counter)


def scan_documents(
    raw: pd.DataFrame,
    policy: CompliancePolicy,
    run_id: str,
    advance: Callable[[int], None] | None = None,
    text_fields: tuple[str, ...] = TEXT_FIELDS,
) -> StageResult:
    """Scan every record of `raw` (raw.documents columns, or raw.preferences ones with
    `text_fields=PREFERENCE_FIELDS`) under `policy`."""
    documents: list[dict] = []
    finding_rows: list[tuple] = []
    edges: list[tuple[str, str, str, str]] = []
    by_type: Counter = Counter()
    actions: Counter = Counter()
    drop_reasons: Counter = Counter()
    for row in raw.itertuples(index=False):
        fields = {name: getattr(row, name) or "" for name in text_fields}
        # DuckDB's NULL arrives as NaN or None depending on the column's dtype.
        license_ = None if pd.isna(row.license) else str(row.license)
        outcome = scan_and_redact(fields, policy, license_=license_, check_license=True)
        record_id = row.record_id
        count = 0
        for name, found in outcome.findings.items():
            for f in found:
                action = policy.action(f.entity_type)
                finding_rows.append((record_id, name, f.start, f.end, f.entity_type, f.detector, f.score, action))
                by_type[f.entity_type] += 1
                actions[action] += 1
                count += 1
        documents.append({
            **{c: getattr(row, c) for c in PASSTHROUGH},
            **outcome.fields,
            "status": outcome.status,
            "reasons": list(outcome.reasons),
            "findings": count,
            "redactions": sum(outcome.redacted.values()),
            "run_id": run_id,
        })
        if outcome.status == "dropped":
            edges.append((record_id, record_id, "drop", "; ".join(outcome.reasons)))
            drop_reasons.update(reason_kind(r) for r in outcome.reasons)
        elif outcome.status == "redacted":
            edges.append((record_id, record_id, "redact", outcome.redaction_detail))
        if advance is not None:
            advance(1)
    columns = [*PASSTHROUGH, *text_fields, "status", "reasons", "findings", "redactions", "run_id"]
    return StageResult(
        documents=pd.DataFrame(documents, columns=columns),
        findings=pd.DataFrame(finding_rows, columns=FINDING_COLUMNS),
        edges=edges,
        findings_by_type=by_type,
        actions=actions,
        drop_reasons=drop_reasons,
    )


def reason_kind(reason: str) -> str:
    """Drop reasons grouped for counting; a license reason keeps its license."""
    return reason if reason.startswith(("license", "pii_drop", "blocked_term", "residual_pii")) else reason.split(":")[0]

