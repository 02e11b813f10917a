"""The DPO export: which pairs go in by default, what each row says about who judged it, and the
two prompt formats."""

from __future__ import annotations

import json
import os
import re

import dagster as dg
import pandas as pd
import pytest
import pyarrow.parquet as pq

from data_assets.llm.resource import LLMResource
from data_assets.prefs.assets import dpo_export
from data_assets.prefs.export import PROVENANCE_COLUMNS, dialogue_turns, standard_prompt
from data_assets_tests.test_prefs import run_prefs, seed_preferences, seed_sft


def export(config: dict | None = None) -> tuple[list[dict], pd.DataFrame, dict]:
    """dpo_export alone, over whatever prefs.* holds; its lines, its parquet, its metadata."""
    result = dg.materialize([dpo_export], resources={"warehouse": _warehouse()},
                            run_config={"ops": {"dpo_export": {"config": config or {}}}})
    assert result.success
    directory = os.environ["DATA_ASSETS_EXPORTS"]
    lines = [json.loads(line) for line in open(os.path.join(directory, "dpo.jsonl"), encoding="utf-8")]
    [materialization] = result.asset_materializations_for_node("dpo_export")
    metadata = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return lines, pq.read_table(os.path.join(directory, "dpo.parquet")).to_pandas(), metadata


def _warehouse():
    from data_assets.warehouse import WarehouseResource

    return WarehouseResource(path=os.environ["DATA_ASSETS_DB"])


def left_out(metadata: dict) -> dict[str, int]:
    """The `pairs_left_out` markdown table back as reason -> pairs."""
    rows = re.findall(r"^\| (.+?) \| (\d+) \|$", metadata["pairs_left_out"], re.M)
    return {reason: int(count) for reason, count in rows}


def test_by_default_human_pairs_are_in_and_offline_judged_pairs_are_out_with_every_reason_counted(warehouse):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    assert run_prefs(warehouse, LLMResource(provider="offline"), sample_size=10, human_sample_size=2).success
    with warehouse.connect() as con:
        pairs = con.execute("SELECT pair_id, source, verdict FROM prefs.pairs").df()
    lines, parquet, metadata = export()

    human = set(pairs.loc[pairs["source"] == "human", "pair_id"])
    assert {row["id"] for row in lines} == human and len(human) == 2
    assert all(row["judge_provider"] == "human" and row["judge_model"] is None and row["human_label"] == "chosen"
               for row in lines)
    reasons = left_out(metadata)
    sft = pairs[pairs["source"] == "sft"]
    decided = int(sft["verdict"].isin(["a", "b"]).sum())
    assert decided > 0
    assert reasons["decided only by the offline heuristic judge (include_offline_judged_pairs is off)"] == decided
    # The third preference record was not sampled: counted, not silently missing.
    assert reasons["human preference record not in prefs.pairs (outside preference_pairs' human_sample_size sample)"] == 1
    assert sum(reasons.values()) == len(pairs) - len(lines) + 1

    included, _, metadata = export({"include_offline_judged_pairs": True})
    offline = [row for row in included if row["judge_provider"] == "offline"]
    assert len(offline) == decided and {row["judge_model"] for row in offline} == {"offline-v1"}
    assert all(row["chosen_origin"] in {"existing", "degraded:truncated", "degraded:steps_dropped", "degraded:instruction_ignored"}
               for row in offline)
    assert all(row["verdict_both_orders"] == "chosen" and row["human_label"] is None for row in offline)
    assert "decided only by the offline heuristic judge (include_offline_judged_pairs is off)" not in left_out(metadata)

    without_human, _, metadata = export({"include_human_pairs": False})
    assert without_human == [] and left_out(metadata)["human-labeled pair, include_human_pairs is off"] == 2


def test_every_row_has_the_provenance_columns_and_jsonl_and_parquet_match(warehouse):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    run_prefs(warehouse, LLMResource(provider="offline"), sample_size=6, human_sample_size=3)
    for config in ({"include_offline_judged_pairs": True}, {"include_offline_judged_pairs": True, "prompt_format": "standard"}):
        lines, parquet, _ = export(config)
        columns = ["id", "prompt", "chosen", "rejected", *PROVENANCE_COLUMNS]
        assert lines and all(list(row) == columns for row in lines)
        assert list(parquet.columns) == columns
        assert list(parquet["id"]) == [row["id"] for row in lines]
        assert all(row["judge_provider"] in {"human", "offline"} and row["chosen_origin"] and row["rejected_origin"]
                   for row in lines)
        if config.get("prompt_format") == "standard":
            assert all(row["prompt"].endswith("\n\nAssistant:") and row["chosen"].startswith(" ")
                       and not row["chosen"].startswith("  ") for row in lines)
            assert list(parquet["chosen"]) == [row["chosen"] for row in lines]
        else:
            assert all(row["prompt"][-1]["role"] == "user" and [m["role"] for m in row["chosen"]] == ["assistant"]
                       for row in lines)
            assert [[dict(m) for m in turns] for turns in parquet["chosen"]] == [row["chosen"] for row in lines]


def test_a_system_prompt_opens_every_prompt(warehouse):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    run_prefs(warehouse, LLMResource(provider="offline"), sample_size=4, human_sample_size=3)
    lines, _, _ = export({"system_prompt": "You are a careful assistant."})
    assert lines and all(row["prompt"][0] == {"role": "system", "content": "You are a careful assistant."} for row in lines)
    standard, _, _ = export({"system_prompt": "You are a careful assistant.", "prompt_format": "standard"})
    assert all(row["prompt"].startswith("You are a careful assistant.\n\nHuman: ") for row in standard)


def test_an_unknown_prompt_format_is_refused_before_the_run_naming_the_field(warehouse):
    seed_sft(warehouse)
    with pytest.raises(dg.DagsterInvalidConfigError) as refused:
        dg.materialize([dpo_export], resources={"warehouse": warehouse},
                       run_config={"ops": {"dpo_export": {"config": {"prompt_format": "sharegpt"}}}})
    assert "prompt_format" in str(refused.value) and "sharegpt" in str(refused.value)


def test_hh_dialogues_become_chat_turns_and_plain_prompts_one_user_turn():
    dialogue = "\n\nHuman: Hi there.\n\nAssistant: Hello! How can I help?\n\nHuman: Tell me a joke.\n\nAssistant:"
    assert dialogue_turns(dialogue) == [
        {"role": "user", "content": "Hi there."},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
    ]
    assert dialogue_turns("What is 17 x 23?") == [{"role": "user", "content": "What is 17 x 23?"}]
    assert standard_prompt(dialogue) == dialogue
    assert standard_prompt("What is 17 x 23?") == "\n\nHuman: What is 17 x 23?\n\nAssistant:"
