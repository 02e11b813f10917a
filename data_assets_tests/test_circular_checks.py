"""Checks whose checker shares code with what it checks are named self-consistency checks in the
synth stage's metadata, and never counted as independent verification."""

from __future__ import annotations

from data_assets.llm.resource import LLMResource
from data_assets_tests.fake_anthropic import serving_claude
from data_assets_tests.test_synth_assets import materialize, metadata, scripted_reply, tables  # noqa: F401 (fixture)


def test_offline_pairs_count_as_self_consistency_not_as_independent_verification(tables):
    meta = metadata(materialize(tables, LLMResource(), target_pairs=8))
    assert meta["verified"] == 8
    assert meta["self_consistency_only"] == 8 and meta["verified_independently"] == 0
    assert "| self_consistency:offline | 8 |" in meta["verification"]
    assert "self-consistency check only" in meta["verification_note"]


def test_claude_pairs_checked_by_recomputation_or_a_judge_count_as_independent(monkeypatch, tables):
    with serving_claude(monkeypatch, "sk-ant-test-key", reply=scripted_reply):
        llm = LLMResource(timeout_s=2.0, max_retries=1, max_validation_retries=0)
        meta = metadata(materialize(tables, llm, target_pairs=2, requests_per_round=1))
    assert meta["self_consistency_only"] == 0 and meta["verified_independently"] == 2
    assert "| recomputed | 1 |" in meta["verification"] and f"| judge:{llm.judge_model} | 1 |" in meta["verification"]
