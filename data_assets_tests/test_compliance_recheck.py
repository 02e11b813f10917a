"""The stage's own re-scan and the blocking check read redacted output under the rules the first
pass used: a creative-writing request that also holds PII keeps its characters in every field,
and the check finds nothing left (it used to count them as persons and halt the graph)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from data_assets.compliance import CompliancePolicy, scan_and_redact
from data_assets.compliance import assets as compliance
from data_assets.compliance.residual import residual_findings
from data_assets.ingest.assets import raw_documents, raw_preferences

# Invented for this test: a story request with the requester's e-mail in it.
RECORD = {
    "instruction": "Write a short story about Harry Lindqvist and Sally Okafor. Send it to me at jo.marsh@example.org.",
    "input": "",
    "response": "Harry Lindqvist met Sally Okafor at the station, and neither said a word.",
}


def test_a_story_request_with_an_email_keeps_its_characters_in_every_field():
    outcome = scan_and_redact(RECORD, CompliancePolicy())
    assert outcome.status == "redacted"
    assert outcome.fields["instruction"] == RECORD["instruction"].replace("jo.marsh@example.org", "[EMAIL_1]")
    assert outcome.fields["response"] == RECORD["response"]
    assert sorted({f.entity_type for fs in outcome.findings.values() for f in fs}) == ["CHARACTER", "EMAIL"]
    documents = pd.DataFrame([{"record_id": "r1", **outcome.fields}])
    assert residual_findings(documents, CompliancePolicy()) == {}


def test_a_policy_that_redacts_characters_still_redacts_them_and_leaves_none():
    policy = CompliancePolicy(actions={**CompliancePolicy().actions, "CHARACTER": "redact"})
    outcome = scan_and_redact(RECORD, policy)
    assert "Harry" not in json.dumps(outcome.fields) and "Okafor" not in json.dumps(outcome.fields)
    assert residual_findings(pd.DataFrame([{"record_id": "r1", **outcome.fields}]), policy) == {}


def test_the_recheck_still_counts_a_person_left_in_redacted_output():
    # A guard, not a formality: real leftover PII in a redacted record is counted.
    leftover = {"instruction": "Email [EMAIL_1] about it.", "input": "", "response": "Ask Ingrid Solberg, she knows."}
    assert residual_findings(pd.DataFrame([{"record_id": "r1", **leftover}]), CompliancePolicy()) == {"PERSON": 1}


def test_the_graph_does_not_halt_on_a_story_request_holding_pii(tmp_path: Path, warehouse):
    (tmp_path / "train.jsonl").write_text(json.dumps({"instruction": RECORD["instruction"], "output": RECORD["response"]}) + "\n")
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{"name": "train", "path": "train.jsonl", "role": "train", "origin": "human",
                                                    "license": "CC-BY-4.0", "fields": {"response": "output"}}]}))
    result = dg.materialize(
        [raw_documents, raw_preferences, *compliance.ASSETS, *compliance.CHECKS],
        resources={"warehouse": warehouse},
        run_config={"ops": {"raw_documents": {"config": {"sources_path": str(sources)}},
                            "raw_preferences": {"config": {"sources_path": str(sources)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key.path[-1] == "compliance_documents"}
    assert checks["no_pii_after_redaction"].passed
    con = duckdb.connect(warehouse.database, read_only=True)
    status, response = con.execute("SELECT status, response FROM compliance.documents").fetchone()
    con.close()
    assert (status, response) == ("redacted", RECORD["response"])


@pytest.mark.parametrize("text, secret", [
    ("Username: Jane Doe\nPassword: secret123", "secret123"),
    ('export OPENAI_API_KEY="sk-proj-abc123def456ghi789jkl012mno345"', "sk-proj-abc123def456ghi789jkl012mno345"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("my password is Tr0ub4dor&3", "Tr0ub4dor&3"),
])
def test_a_redacted_password_is_no_new_password_to_the_rescan(text, secret):
    # "Password: [SECRET_1]" once read as a password of its own, and every record whose password
    # the stage had just redacted was dropped as residual_pii:SECRET.
    outcome = scan_and_redact({"instruction": "Log in with these.", "input": text, "response": ""})
    assert outcome.status == "redacted", outcome.reasons
    assert secret not in outcome.fields["input"] and "[SECRET_1]" in outcome.fields["input"]
