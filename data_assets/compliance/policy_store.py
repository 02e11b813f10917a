"""The policy as JSON, and the policy the last `compliance_documents` run stored in
`compliance.policy`: every later scan (preferences, generated text) reads it from here."""

from __future__ import annotations

import json
from dataclasses import asdict

from data_assets.compliance.policy import CompliancePolicy


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
        # Policies stored before the option existed used no model.
        ner_model=data.get("ner_model"),
    )


def stored_policy(con) -> CompliancePolicy | None:
    """The policy the last `compliance_documents` run applied (compliance.policy), or None before
    the first run: every later scan of generated text and preferences uses it."""
    row = con.execute("SELECT policy FROM compliance.policy ORDER BY written_at DESC LIMIT 1").fetchone()
    return policy_from_json(row[0]) if row else None
