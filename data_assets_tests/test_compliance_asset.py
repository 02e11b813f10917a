"""The compliance asset end to end: raw ingest and compliance materialized together on a
small sources file, then statuses, findings, lineage, metadata and logs inspected."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from data_assets.compliance import assets as compliance
from data_assets.ingest.assets import raw_documents, raw_preferences
from data_assets.warehouse import WarehouseResource

PII = {
    "email": "anna.berg@example.com",
    "phone": "+41 (0)44 668 18 00",
    "card": "4111 1111 1111 1111",
    "name": "Ottilie Brandvold",
    "address": "17 Larchmont Avenue",
    "key": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx",
    "iban": "GB82 WEST 1234 5698 7654 32",
}
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7yn3bRHQ5FHMQ\n-----END RSA PRIVATE KEY-----"


def _write_sources(folder: Path) -> Path:
    rows = [
        {"instruction": "What is 2 + 2?", "output": "4"},
        {"instruction": f"Email {PII['email']} and call {PII['phone']}.", "input": f"My name is {PII['name']}.",
         "output": f"Sure, {PII['name']}, I will write to {PII['email']}."},
        {"instruction": f"Charge card {PII['card']} and ship to {PII['address']} after lunch.", "output": "Done."},
        {"instruction": "Fix my config", "input": f"api_key: {PII['key']}\n{PRIVATE_KEY}", "output": "Rotate that key."},
        {"instruction": "Summarize this memo. INTERNAL USE ONLY.", "output": "A memo."},
        {"instruction": f"Transfer to {PII['iban']} please", "output": "Read https://docs.python.org/3/ first."},
    ]
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (folder / "vendor.jsonl").write_text(json.dumps({"instruction": "Vendor text", "output": "ok"}) + "\n")
    (folder / "unknown.jsonl").write_text(json.dumps({"instruction": "Whose text?", "output": "nobody knows"}) + "\n")
    sources = [
        {"name": "train", "path": "train.jsonl", "role": "train", "origin": "human", "license": "CC-BY-4.0",
         "fields": {"response": "output"}},
        {"name": "vendor", "path": "vendor.jsonl", "role": "train", "origin": "human", "license": "Proprietary",
         "fields": {"response": "output"}},
        {"name": "unknown", "path": "unknown.jsonl", "role": "eval", "origin": "human", "fields": {"response": "output"}},
    ]
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def test_compliance_end_to_end(tmp_path: Path, warehouse: WarehouseResource, caplog):
    sources = _write_sources(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    caplog.set_level(logging.DEBUG)
    result = dg.materialize(
        [raw_documents, raw_preferences, *compliance.ASSETS, *compliance.CHECKS],
        resources={"warehouse": warehouse},
        run_config={"ops": {"raw_documents": {"config": {"sources_path": str(sources)}},
                            "raw_preferences": {"config": {"sources_path": str(sources)}}}},
        instance=instance,
    )
    assert result.success

    con = duckdb.connect(warehouse.database, read_only=True)
    raw = con.execute("SELECT record_id, source, instruction, input, response FROM raw.documents").df()
    docs = con.execute("SELECT * FROM compliance.documents").df()
    findings = con.execute('SELECT record_id, field, "start", "end", entity_type, action FROM compliance.findings').df()
    edges = con.execute("SELECT child_id, parent_id, operation, detail FROM lineage.edges WHERE stage = 'compliance'").df()
    con.close()

    # Every raw record exactly once.
    assert sorted(docs["record_id"]) == sorted(raw["record_id"])
    by_instruction = {r.instruction: r for r in raw.itertuples()}
    status = dict(zip(docs["record_id"], docs["status"]))
    reasons = dict(zip(docs["record_id"], docs["reasons"].map(list)))

    def record(prefix: str):
        return next(r for text, r in by_instruction.items() if text.startswith(prefix))

    assert status[record("What is 2").record_id] == "pass"
    assert status[record("Email").record_id] == "redacted"
    assert status[record("Charge card").record_id] == "redacted"
    assert status[record("Fix my config").record_id] == "dropped"
    assert "pii_drop:PRIVATE_KEY" in reasons[record("Fix my config").record_id]
    assert reasons[record("Summarize").record_id] == ["blocked_term:internal use only"]
    assert reasons[record("Vendor").record_id] == ["license_not_allowed:Proprietary"]
    assert reasons[record("Whose").record_id] == ["license_missing"]
    transfer = record("Transfer").record_id
    assert status[transfer] == "redacted" and "flag:URL" in reasons[transfer]

    # Redacted text: placeholders, consistent within the record, and no raw value anywhere.
    email_row = docs[docs["record_id"] == record("Email").record_id].iloc[0]
    assert email_row["instruction"] == "Email [EMAIL_1] and call [PHONE_1]."
    assert email_row["input"] == "My name is [PERSON_1]."
    assert email_row["response"] == "Sure, [PERSON_1], I will write to [EMAIL_1]."
    every_output = "\n".join(docs[["instruction", "input", "response"]].astype(str).agg("\n".join, axis=1))
    for value in [*PII.values(), "MIIEpAIBAAKCAQEA7yn3bRHQ5FHMQ"]:
        assert value not in every_output

    # Findings index the raw text exactly.
    raw_by_id = raw.set_index("record_id")
    expected = {"EMAIL": PII["email"], "PHONE": PII["phone"], "CREDIT_CARD": PII["card"], "PERSON": PII["name"],
                "STREET_ADDRESS": PII["address"], "SECRET": PII["key"], "IBAN": PII["iban"]}
    seen = set()
    for f in findings.itertuples():
        value = raw_by_id.loc[f.record_id, f.field][f.start:f.end]
        if f.entity_type in expected:
            assert value == expected[f.entity_type], (f.entity_type, f.field)
            seen.add(f.entity_type)
    assert seen == set(expected)
    assert "PRIVATE_KEY" in set(findings["entity_type"])

    # One lineage edge per redacted or dropped record, with counts or reasons, never values.
    changed = set(docs.loc[docs["status"] != "pass", "record_id"])
    assert set(edges["child_id"]) == changed and (edges["child_id"] == edges["parent_id"]).all()
    ops = dict(zip(edges["child_id"], edges["operation"]))
    assert ops[record("Email").record_id] == "redact" and ops[record("Vendor").record_id] == "drop"
    details = dict(zip(edges["child_id"], edges["detail"]))
    assert details[record("Email").record_id] == "EMAIL x2, PERSON x2, PHONE x1"

    # Checks ran and passed, the blocking re-scan among them.
    checks = {(e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert set(checks.values()) == {True}
    assert ("compliance_documents", "no_pii_after_redaction") in checks
    assert ("compliance_preferences", "no_pii_after_redaction") in checks

    # No raw PII in materialization metadata or in any log line.
    materialization = result.asset_materializations_for_node("compliance_documents")[0]
    metadata_text = json.dumps({k: str(v.value) for k, v in materialization.metadata.items()})
    assert "[EMAIL_1]" in metadata_text  # the preview shows redacted text
    logs = "\n".join(str(entry.user_message) for entry in instance.all_logs(result.run_id)) + caplog.text
    assert "compliance scan" in logs
    for value in [*PII.values(), "MIIEpAIBAAKCAQEA7yn3bRHQ5FHMQ"]:
        assert value not in metadata_text
        assert value not in logs


def test_blocking_check_fails_when_pii_survives(warehouse: WarehouseResource):
    """The check reads the stored output: a redacted record still holding a raw e-mail fails it."""
    with warehouse.connect() as con:
        con.execute(
            "INSERT INTO compliance.documents VALUES ('r1', 's', 'f', 0, 'train', 'human', 'MIT', "
            "'mail [PERSON_1] at anna.berg@example.com', '', 'ok', 'redacted', [], 0, 0, 'run')"
        )
    context = dg.build_asset_check_context(resources={"warehouse": warehouse})
    outcome = compliance.no_pii_after_redaction(context)
    assert outcome.passed is False
    assert outcome.metadata["residual_findings_by_type"].value == {"EMAIL": 1}


def test_blocking_check_fails_when_a_pass_record_differs_from_its_raw_text(warehouse: WarehouseResource):
    """`pass` records are not re-scanned: the check instead holds them to their raw text."""
    with warehouse.connect() as con:
        con.execute("INSERT INTO raw.documents (record_id, source, source_uri, source_row, role, origin, license, "
                    "instruction, input, response, ingested_at) VALUES ('r1', 's', 'f', 0, 'train', 'human', 'MIT', "
                    "'hello', '', 'ok', now())")
        con.execute("INSERT INTO compliance.documents VALUES ('r1', 's', 'f', 0, 'train', 'human', 'MIT', "
                    "'hello, edited', '', 'ok', 'pass', [], 0, 0, 'run')")
    context = dg.build_asset_check_context(resources={"warehouse": warehouse})
    outcome = compliance.no_pii_after_redaction(context)
    assert outcome.passed is False and outcome.metadata["pass_records_inconsistent"].value == 1
