"""The whole graph on a source whose every row is rejected, and on an empty file: every stage
succeeds on the empty input, and the run says why it is empty instead of crashing later."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest
import yaml

from data_assets.definitions import all_assets, all_checks, build_resources
from data_assets.reporting import summary_text
from data_assets.warehouse import WarehouseResource

CASES = {
    # Every line unreadable: two malformed, one not an object.
    "all_rejected": ('{"instruction": "Add 2 and 3.", "response": \nnot json at all\n[1, 2]\n',
                     "Source 'nightly': all 3 rows rejected: malformed JSON (2), expected a JSON object (1)"),
    "empty_file": ("", "Source 'nightly': its files hold no rows."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_whole_graph_succeeds_and_explains_an_empty_input(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    content, explanation = CASES[case]
    (tmp_path / "nightly.jsonl").write_text(content, encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "nightly", "path": "nightly.jsonl", "role": "train", "origin": "human", "license": "CC0-1.0"}]}))
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(sources))

    with dg.instance_for_test() as instance:
        result = dg.materialize(all_assets + all_checks, resources=build_resources(), instance=instance, raise_on_error=False)
        failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert result.success, failed_steps
        failed_checks = [(e.event_specific_data.asset_key.to_user_string(), e.event_specific_data.check_name)
                         for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                         and not e.event_specific_data.passed and e.event_specific_data.severity == dg.AssetCheckSeverity.ERROR]
        assert not failed_checks

        def metadata(asset: str) -> dict:
            return {k: v.value for k, v in result.asset_materializations_for_node(asset)[0].metadata.items()}

        raw = metadata("raw_documents")
        assert raw["dagster/row_count"] == 0
        assert explanation in raw["summary"] and "every later stage runs on an empty input" in raw["summary"]
        assert metadata("dedup_documents")["records_in"] == 0
        assert metadata("synthetic_pairs")["stop_reason"].startswith("no seed-role or curated records")

    exports = Path(os.environ["DATA_ASSETS_EXPORTS"])
    assert (exports / "sft.jsonl").read_text() == ""
    report = summary_text(WarehouseResource())
    if case == "all_rejected":
        assert "malformed JSON" in report and "raw.rejects" in report
