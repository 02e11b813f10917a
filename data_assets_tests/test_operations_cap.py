"""A run the dollar cap cuts short says so and never replaces good exports: the prefs stage against
the fake Claude server (real SDK, loopback), the cap set from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from data_assets.llm.resource import LLMConfigError, LLMResource
from data_assets.llm.spend import MAX_USD_ENV
from data_assets.reporting import summary_text
from data_assets.warehouse import WarehouseResource
from data_assets_tests.fake_anthropic import serving_claude
from data_assets_tests.test_prefs import pair_metadata, run_prefs, seed_preferences, seed_sft


def _prefs_run(database: Path, monkeypatch, max_usd: str) -> tuple[dg.ExecuteInProcessResult, WarehouseResource]:
    warehouse = WarehouseResource(path=str(database))
    seed_sft(warehouse)
    seed_preferences(warehouse)
    monkeypatch.setenv(MAX_USD_ENV, max_usd)
    llm = LLMResource.from_env(database=str(database), timeout_s=2.0, max_retries=0)
    return run_prefs(warehouse, llm), warehouse


def test_a_run_cut_short_by_the_dollar_cap_says_so_and_keeps_the_previous_exports(tmp_path: Path, monkeypatch):
    with serving_claude(monkeypatch, "sk-ant-test-cap"):
        complete, _ = _prefs_run(tmp_path / "complete.duckdb", monkeypatch, "10")
        assert complete.success
        dpo = Path(os.environ["DATA_ASSETS_EXPORTS"]) / "dpo.jsonl"
        before = (dpo.read_bytes(), dpo.stat().st_mtime_ns)
        assert before[0]

        # A fresh ledger, so every request must be paid for again, and a cap of a cent.
        capped, warehouse = _prefs_run(tmp_path / "capped.duckdb", monkeypatch, "0.01")
    assert capped.success
    meta = pair_metadata(capped)
    assert meta["llm/cut_short_by_spend_cap"].startswith("yes: ")
    assert "max_usd_per_run=$0.01" in meta["llm/cut_short_by_spend_cap"]
    assert meta["pairs_unjudged"] > 0

    [check] = [c for c in capped.get_asset_check_evaluations() if c.asset_key == dg.AssetKey("dpo_export")
               and c.check_name == "inputs_complete"]
    assert check.passed is False and check.severity == dg.AssetCheckSeverity.WARN
    assert (dpo.read_bytes(), dpo.stat().st_mtime_ns) == before

    text = summary_text(warehouse)
    assert "SPEND CAP REACHED" in text and "preference_pairs" in text
    judged = warehouse.query_df("SELECT count(*) AS n FROM prefs.pairs WHERE verdict <> 'unjudged'").n[0]
    [line] = [line for line in text.splitlines() if line.strip().startswith("preference pairs judged")]
    assert int(line.split()[-1].replace(",", "")) == judged
    assert meta["pairs_unjudged"] == warehouse.query_df("SELECT count(*) AS n FROM prefs.pairs").n[0] - judged


def test_a_cap_in_the_environment_that_is_not_a_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(MAX_USD_ENV, "ten")
    with pytest.raises(LLMConfigError, match="DATA_ASSETS_MAX_USD_PER_RUN='ten' is not a number"):
        LLMResource.from_env()
