"""Dagster wiring of the compliance stage: scan raw.documents, redact or drop, record why."""

from collections import Counter
from datetime import datetime, timezone

import dagster as dg
import pandas as pd
from pydantic import Field, field_validator

from data_assets.common.checks import lineage_check, not_null_check, unique_key_check
from data_assets.common.config import StageConfig, known_names
from data_assets.common.metadata import column_lineage, counts_markdown, preview_markdown, table_markdown, table_schema
from data_assets.compliance import ner
from data_assets.compliance.policy import DEFAULT_ACTIONS, DEFAULT_BLOCKED_TERMS, DEFAULT_LICENSES, CompliancePolicy
from data_assets.compliance.policy_store import policy_from_json, policy_json, stored_policy
from data_assets.compliance.residual import residual_findings
from data_assets.compliance.scan import PREFERENCE_FIELDS, TEXT_FIELDS, StageResult
from data_assets.lineage.edges import edges_frame
from data_assets.scale import DEFAULT_RAY, RayResource, stages as scale
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import replace_rows

STAGE = "compliance"


class ComplianceConfig(StageConfig):
    """The compliance policy, editable per run in the Launchpad (defaults: see policy.py)."""

    redact_types: list[str] = [t for t, a in DEFAULT_ACTIONS.items() if a == "redact"]
    """Entity types replaced by a typed placeholder ([EMAIL_1]); the types are those the detectors report."""
    drop_types: list[str] = [t for t, a in DEFAULT_ACTIONS.items() if a == "drop"]
    """Entity types whose presence drops the whole record."""
    flag_types: list[str] = [t for t, a in DEFAULT_ACTIONS.items() if a == "flag"]
    """Entity types only recorded in compliance.findings; the text keeps them."""
    remove_types: list[str] = [t for t, a in DEFAULT_ACTIONS.items() if a == "remove"]
    """Replaced by nothing (control characters); put CONTROL_CHARACTER in drop_types to drop such records instead."""
    min_score: float = Field(0.5, ge=0.0, le=1.0)
    """Findings scoring below this are ignored."""
    allowed_licenses: list[str] = list(DEFAULT_LICENSES)
    """Source licenses whose records may be used (compared case-insensitively, spaces read as hyphens)."""
    allow_missing_license: bool = False
    """Records whose source has no license are dropped (`license_missing`) unless this is set."""
    blocked_terms: list[str] = list(DEFAULT_BLOCKED_TERMS)
    """Phrases whose presence drops a record (reason blocked_term:<term>)."""
    number_placeholders: bool = True
    """`[PERSON_1]`, `[PERSON_2]` instead of `[PERSON]` for every name."""
    ner_model: str | None = None
    """An installed spaCy pipeline (`en_core_web_lg`) or a saved pipeline's directory whose PERSON entities
    join the rule-based name detection; none by default. Slower: see README, Compliance."""

    @field_validator("ner_model")
    @classmethod
    def _loadable_model(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # an emptied Launchpad field means no model
        # Loaded here, once per process, so a missing model fails the run before any record is scanned.
        ner.load(value.strip())
        return value.strip()

    @field_validator("redact_types", "drop_types", "flag_types")
    @classmethod
    def _detected_types(cls, value: list[str], info) -> list[str]:
        # A type no detector reports would silently do nothing: most likely a typo.
        known_names(info.field_name, value, DEFAULT_ACTIONS)
        return value

    @field_validator("allowed_licenses", "blocked_terms")
    @classmethod
    def _no_blank_entries(cls, value: list[str], info) -> list[str]:
        if any(not entry.strip() for entry in value):
            raise ValueError(f"{info.field_name}: blank entries match nothing; remove them")
        return value

    def policy(self) -> CompliancePolicy:
        actions = {t: "flag" for t in self.flag_types}
        actions.update({t: "remove" for t in self.remove_types})
        actions.update({t: "redact" for t in self.redact_types})
        # A type listed twice gets the strictest action.
        actions.update({t: "drop" for t in self.drop_types})
        return CompliancePolicy(
            actions=actions,
            min_score=self.min_score,
            allowed_licenses=tuple(self.allowed_licenses),
            allow_missing_license=self.allow_missing_license,
            blocked_terms=tuple(self.blocked_terms),
            number_placeholders=self.number_placeholders,
            ner_model=self.ner_model,
        )


@dg.asset(
    group_name=STAGE,
    kinds={"duckdb"},
    pool="duckdb",
    deps=["raw_documents"],
    resource_defs={"ray": DEFAULT_RAY},
    description="Every raw record once in compliance.documents with status pass | redacted | dropped and its "
    "reasons; PII and secrets replaced by typed placeholders; findings (offsets into the raw text) in "
    "compliance.findings; a redact or drop lineage edge per changed record.",
)
def compliance_documents(context: dg.AssetExecutionContext, config: ComplianceConfig, warehouse: WarehouseResource,
                         ray: RayResource) -> dg.MaterializeResult:
    policy = config.policy()
    run_id = context.run.run_id
    with ray.session("compliance_documents", run_id, context.log) as cluster:
        result = scale.scan(cluster, warehouse, "SELECT record_id, source, source_uri, source_row, role, origin, license, "
                            "instruction, input, response FROM raw.documents ORDER BY record_id", policy, run_id, TEXT_FIELDS, context.log)
    edges = edges_frame(result.edges, STAGE, run_id)
    with warehouse.connect() as con:
        replace_rows(con, "compliance.documents", result.documents, "TRUE")
        replace_rows(con, "compliance.findings", result.findings, _fields_in(TEXT_FIELDS))
        replace_rows(con, "lineage.edges", edges, "stage = ? AND child_id NOT IN (SELECT record_id FROM raw.preferences)", [STAGE])
        replace_rows(
            con, "compliance.policy",
            pd.DataFrame([{"run_id": run_id, "policy": policy_json(policy), "written_at": datetime.now(timezone.utc).replace(tzinfo=None)}]),
            "TRUE",
        )

    metadata = _stage_metadata(context, result, policy, TEXT_FIELDS, "compliance.documents")
    if cluster is not None:
        metadata["ray"] = dg.MetadataValue.json(cluster.metadata())
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "lineage_edges": len(edges),
            "dagster/column_schema": table_schema("compliance.documents"),
            "dagster/column_lineage": _column_lineage("raw_documents", TEXT_FIELDS),
        }
    )


def _column_lineage(upstream: str, fields: tuple[str, ...]):
    """Every column comes from the raw table's column of the same name; the verdict from the text and license."""
    return column_lineage({
        **{c: [(upstream, c)] for c in ("record_id", "source", "source_uri", "source_row", "role", "origin", "license", *fields)},
        "status": [(upstream, c) for c in (*fields, "license")],
        "reasons": [(upstream, c) for c in (*fields, "license")],
    })


def _fields_in(fields: tuple[str, ...]) -> str:
    return "field IN (" + ", ".join(f"'{f}'" for f in fields) + ")"


def _stage_metadata(context: dg.AssetExecutionContext, result: StageResult, policy: CompliancePolicy,
                    fields: tuple[str, ...], table: str) -> dict:
    """Counts, previews of redacted text only (never raw values) and the policy, for the UI."""
    docs = result.documents
    statuses = Counter(docs["status"]) if len(docs) else Counter()
    context.log.info(
        f"{table}: {len(docs)} records, {statuses.get('redacted', 0)} redacted, {statuses.get('dropped', 0)} dropped, "
        f"{len(result.findings)} findings ({', '.join(f'{t} {n}' for t, n in result.findings_by_type.most_common())})"
    )
    by_source = (
        docs.groupby(["source", "status"]).size().unstack(fill_value=0).reset_index() if len(docs) else pd.DataFrame()
    )
    changed = docs[docs["status"] == "redacted"] if len(docs) else docs
    dropped = docs[docs["status"] == "dropped"] if len(docs) else docs
    return {
        "dagster/row_count": len(docs),
        "records_by_status": counts_markdown(dict(statuses), "status", "records"),
        "findings_by_entity_type": counts_markdown(dict(result.findings_by_type.most_common()), "entity_type", "findings"),
        "findings_by_action": counts_markdown(dict(result.actions), "action", "findings"),
        "drops_by_reason": counts_markdown(dict(result.drop_reasons.most_common()), "reason", "records"),
        "records_by_source": table_markdown(by_source),
        "findings": len(result.findings),
        # Redacted text only: the fields of records after placeholders replaced their values.
        "preview_redacted": preview_markdown(changed[["record_id", *fields]] if len(changed) else pd.DataFrame()),
        "preview_dropped": preview_markdown(dropped[["record_id", "source", "reasons"]] if len(dropped) else pd.DataFrame()),
        "policy": dg.MetadataValue.json(
            {"actions": dict(policy.actions), "min_score": policy.min_score, "allowed_licenses": list(policy.allowed_licenses),
             "allow_missing_license": policy.allow_missing_license, "blocked_terms": list(policy.blocked_terms)}
        ),
    }


@dg.asset(
    group_name=STAGE,
    kinds={"duckdb"},
    pool="duckdb",
    deps=["raw_preferences", "compliance_documents"],
    resource_defs={"ray": DEFAULT_RAY},
    description="Every raw preference record once in compliance.preferences (prompt, chosen, rejected scanned with the "
    "policy compliance_documents stored in compliance.policy): PII redacted, records dropped by the same rules; "
    "findings in compliance.findings. The prefs stage judges and exports only this text.",
)
def compliance_preferences(context: dg.AssetExecutionContext, warehouse: WarehouseResource, ray: RayResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect() as con:
        policy = stored_policy(con)
    if policy is None:
        context.log.warning("compliance.policy is empty (compliance_documents never ran here): the default policy applies")
        policy = CompliancePolicy()
    with ray.session("compliance_preferences", run_id, context.log) as cluster:
        result = scale.scan(cluster, warehouse, "SELECT record_id, source, source_uri, source_row, role, origin, license, "
                            "prompt, chosen, rejected FROM raw.preferences ORDER BY record_id", policy, run_id, PREFERENCE_FIELDS,
                            context.log, "compliance scan of preferences")
    edges = edges_frame(result.edges, STAGE, run_id)
    with warehouse.connect() as con:
        replace_rows(con, "lineage.edges", edges, "stage = ? AND child_id IN (SELECT record_id FROM raw.preferences)", [STAGE])
        replace_rows(con, "compliance.preferences", result.documents, "TRUE")
        replace_rows(con, "compliance.findings", result.findings, _fields_in(PREFERENCE_FIELDS))
    metadata = _stage_metadata(context, result, policy, PREFERENCE_FIELDS, "compliance.preferences")
    if cluster is not None:
        metadata["ray"] = dg.MetadataValue.json(cluster.metadata())
    return dg.MaterializeResult(
        metadata={
            **metadata,
            "lineage_edges": len(edges),
            "dagster/column_schema": table_schema("compliance.preferences"),
            "dagster/column_lineage": _column_lineage("raw_preferences", PREFERENCE_FIELDS),
        }
    )


def _residual_check(table: str, raw_table: str, fields: tuple[str, ...]):
    @dg.asset_check(
        asset=table.replace("compliance.", "compliance_"),
        name="no_pii_after_redaction",
        blocking=True,
        description=f"Re-scanning the text of every redacted record of {table} finds no PII of a redact-or-drop type at or "
        "above the stored policy's score; and, a self-consistency check of the stage's own bookkeeping, every `pass` "
        "record's text equals its raw text and has no redact-or-drop finding.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            policy = stored_policy(con) or CompliancePolicy()
            redacted = con.execute(f"SELECT record_id, {', '.join(fields)} FROM {table} WHERE status = 'redacted'").df()
            acted = sorted(policy.acted_on_types) or [""]
            inconsistent = con.execute(
                f"""SELECT count(*) FROM {table} c JOIN {raw_table} r USING (record_id)
                    WHERE c.status = 'pass' AND ({' OR '.join(f'c.{f} IS DISTINCT FROM r.{f}' for f in fields)}
                       OR c.record_id IN (SELECT record_id FROM compliance.findings
                                          WHERE entity_type IN (SELECT unnest(?::VARCHAR[])) AND score >= ?))""",
                [acted, policy.min_score],
            ).fetchone()[0]
        # Only what the stage changed can hold a new match: a `pass` record's text is the raw text
        # the stage already scanned, which the bookkeeping query vouches for.
        left = residual_findings(redacted, policy, fields)
        return dg.AssetCheckResult(
            passed=not left and inconsistent == 0,
            metadata={
                "records_rescanned": len(redacted),
                "residual_findings_by_type": dg.MetadataValue.json(dict(left)),
                "pass_records_inconsistent": int(inconsistent),
            },
        )

    return _check


no_pii_after_redaction = _residual_check("compliance.documents", "raw.documents", TEXT_FIELDS)
no_pii_after_redaction_preferences = _residual_check("compliance.preferences", "raw.preferences", PREFERENCE_FIELDS)


ASSETS = [compliance_documents, compliance_preferences]
CHECKS = [
    no_pii_after_redaction,
    no_pii_after_redaction_preferences,
    unique_key_check(compliance_preferences, "compliance.preferences"),
    lineage_check(compliance_preferences, "compliance.preferences", STAGE, where="status <> 'pass'"),
    unique_key_check(compliance_documents, "compliance.documents"),
    not_null_check(
        compliance_documents, "compliance.documents",
        ["record_id", "source", "source_uri", "source_row", "role", "origin", "instruction", "input", "response", "status", "reasons"],
    ),
    lineage_check(compliance_documents, "compliance.documents", STAGE, where="status <> 'pass'"),
]
