"""The whole graph on PII-dense input: a labeled PII corpus (Presidio research's Faker-generated
`presidio_generated_small.json`, 100 texts, nearly every one holding names, addresses, phones,
e-mails or cards) loaded as the only train source. This is the input that once halted the nightly
at `no_pii_after_redaction`; the stage must redact or drop, never halt, and lose no row."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from data_assets.definitions import all_assets, all_checks, build_resources

# Structured types whose gold values must not reach the export verbatim (the default policy redacts
# all of them; URL is flagged, so it is not here).
REDACTED_STRUCTURED = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"}


def test_the_whole_graph_succeeds_on_pii_dense_input(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    labeled = shared_data / "pii" / "presidio_generated_small.json"
    rows = json.loads(labeled.read_text(encoding="utf-8"))
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "pii_dense", "path": str(labeled), "format": "json", "role": "train", "origin": "synthetic",
         "license": "MIT", "fields": {"instruction": "full_text", "input": "", "response": "full_text"}}]}))
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(sources))

    with dg.instance_for_test() as instance:
        result = dg.materialize(all_assets + all_checks, resources=build_resources(), instance=instance, raise_on_error=False)
        failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert result.success, failed_steps
        failed_checks = [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
                         if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
        assert failed_checks == []

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    statuses = dict(con.execute("SELECT status, count(*) FROM compliance.documents GROUP BY ALL").fetchall())
    con.close()
    # Nothing lost: every raw row is in compliance.documents with a status, and most were redacted.
    assert sum(statuses.values()) == len(rows)
    assert statuses.get("redacted", 0) > len(rows) // 2

    sft = (tmp_path / "exports" / "sft.jsonl").read_text(encoding="utf-8")
    gold = {row["full_text"][s["start_position"]:s["end_position"]]
            for row in rows for s in row["spans"] if s["entity_type"] in REDACTED_STRUCTURED}
    assert sft.strip() and gold
    assert sorted(value for value in gold if value in sft) == []
