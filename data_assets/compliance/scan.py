"""The compliance stage over a frame of raw records: verdicts, findings and lineage rows."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

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
            drop_reasons.update(_reason_kind(r) for r in outcome.reasons)
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


def _reason_kind(reason: str) -> str:
    """Drop reasons grouped for counting; a license reason keeps its license."""
    return reason if reason.startswith(("license", "pii_drop", "blocked_term", "residual_pii")) else reason.split(":")[0]


def policy_json(policy: CompliancePolicy) -> str:
    data = asdict(policy)
    data["actions"] = dict(policy.actions)
    return json.dumps(data, sort_keys=True)


def policy_from_json(text: str) -> CompliancePolicy:
    data = json.loads(text)
    return CompliancePolicy(
        actions=data["actions"],
        min_score=data["min_score"],
        allowed_licenses=tuple(data["allowed_licenses"]),
        allow_missing_license=data["allow_missing_license"],
        blocked_terms=tuple(data["blocked_terms"]),
        number_placeholders=data["number_placeholders"],
    )


def residual_findings(documents: pd.DataFrame, policy: CompliancePolicy, text_fields: tuple[str, ...] = TEXT_FIELDS) -> Counter:
    """Findings of redact-or-drop types at or above the policy's score still present in the
    output text of `documents`: what the blocking check counts (by type, never values)."""
    from data_assets.compliance.detect import detect

    acted = policy.acted_on_types
    left: Counter = Counter()
    for row in documents.itertuples(index=False):
        for name in text_fields:
            for f in detect(getattr(row, name) or ""):
                if f.entity_type in acted and f.score >= policy.min_score:
                    left[f.entity_type] += 1
    return left


def stored_policy(con) -> CompliancePolicy | None:
    """The policy the last `compliance_documents` run applied (compliance.policy), or None before
    the first run: every later scan of generated text and preferences uses it."""
    row = con.execute("SELECT policy FROM compliance.policy ORDER BY written_at DESC LIMIT 1").fetchone()
    return policy_from_json(row[0]) if row else None
