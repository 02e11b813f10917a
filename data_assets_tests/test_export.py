"""The SFT export: the mix, the chat messages format, the provenance of every row, and the files it writes."""

import json
import os

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest

from data_assets.augment.assets import augmented_documents
from data_assets.export.assets import sft_export
from data_assets.export.sft import SFT_SCHEMA, Mix, choose, messages
from data_assets.llm.resource import LLMResource
from data_assets.synth.assets import synthetic_pairs
from data_assets.synth.verification import verification_label
from data_assets_tests.fake_anthropic import serving_claude
from data_assets_tests.stage_tables import SEED_TASKS, seed_documents
from data_assets_tests.test_synth_assets import CURATED, GOOD_TASKS, scripted_reply

PROVENANCE = ["id", "origin", "subset", "source", "license", "method", "parent_id", "provider", "model", "verification"]


def rows(subset: str, n: int) -> list[dict]:
    return [{"record_id": f"{subset[0]}_{i:03d}", "subset": subset, "origin": "human" if subset == "curated" else subset,
             "source": "s", "method": None, "instruction": f"task {i}", "input": "", "response": "answer"} for i in range(n)]


def test_mix_respects_shares_cap_and_is_deterministic():
    frame = pd.DataFrame(rows("curated", 60) + rows("augmented", 50) + rows("synthetic", 50))
    chosen = choose(frame, Mix(max_augmented_share=0.2, max_synthetic_share=0.1))
    counts = chosen["subset"].value_counts().to_dict()
    assert counts == {"curated": 60, "augmented": 17, "synthetic": 8}
    assert counts["augmented"] / len(chosen) <= 0.2 and counts["synthetic"] / len(chosen) <= 0.1
    assert chosen.equals(choose(frame.sample(frac=1, random_state=3), Mix(max_augmented_share=0.2, max_synthetic_share=0.1)))
    capped = choose(frame, Mix(max_augmented_share=0.2, max_synthetic_share=0.1, max_records=40))
    assert len(capped) <= 40 and capped["subset"].value_counts()["curated"] == 28
    assert choose(frame, Mix(0.0, 0.0))["subset"].unique().tolist() == ["curated"]
    with pytest.raises(ValueError):
        choose(frame, Mix(0.6, 0.5))


def test_messages_format():
    assert messages("Summarize.", "Long text.", "Short.") == [
        {"role": "user", "content": "Summarize.\n\nLong text."}, {"role": "assistant", "content": "Short."}]
    assert messages("Say hi.", "", "Hi.")[0]["content"] == "Say hi."
    assert messages(" Summarize. ", "\nLong text.\n", "Short.")[0]["content"] == "Summarize.\n\nLong text."
    assert messages("Say hi.", "", "Hi.", system_prompt="Be brief.")[0] == {"role": "system", "content": "Be brief."}


def test_verification_labels_name_self_consistency_as_such():
    assert verification_label("offline", "computation", True) == "self_consistency:offline"
    assert verification_label("anthropic", "computation", True) == "recomputed"
    assert verification_label("anthropic", "judge", True, "claude-haiku-4-5") == "judge:claude-haiku-4-5"
    assert verification_label("anthropic", "judge", False, "claude-haiku-4-5") == "unverified:judge:claude-haiku-4-5"
    assert verification_label("offline", "none", False) == "none"


def test_export_files_hold_curated_augmented_and_verified_synthetic(warehouse):
    curated = [{"record_id": f"r_c{i:02d}", "instruction": f"Name a fruit that is {c}.", "response": f"A {c} one: see the market."}
               for i, c in enumerate(["red", "green", "yellow", "orange", "purple", "blue", "brown", "pink"] * 3)]
    curated[0]["input"] = "Choose among apple, lime, banana."
    curated += [{"record_id": f"r_h{i}", "instruction": f"Which empire built road number {i} in ancient times?",
                 "response": "The Roman empire built most of the ancient roads."} for i in range(4)]
    eval_row = {"record_id": "r_eval", "role": "eval", "instruction": "Held out?", "response": "Yes."}
    seed_documents(warehouse, SEED_TASKS + curated + [eval_row])
    result = dg.materialize(
        [augmented_documents, synthetic_pairs, sft_export],
        resources={"warehouse": warehouse, "llm": LLMResource()},
        run_config={"ops": {"synthetic_pairs": {"config": {"target_pairs": 10}},
                            "augmented_documents": {"config": {"methods": ["noise"], "min_bucket_share": 0.3, "max_share": 0.3}}}},
    )
    assert result.success
    with warehouse.connect() as con:
        # One pair fails verification on purpose: it must stay out of the export.
        con.execute("UPDATE synth.pairs SET verified = false WHERE record_id = (SELECT min(record_id) FROM synth.pairs)")
        unverified = con.execute("SELECT record_id FROM synth.pairs WHERE NOT verified").fetchone()[0]
        augmented = set(con.execute("SELECT record_id FROM augment.documents").df()["record_id"])
    exported = dg.materialize([sft_export], resources={"warehouse": warehouse},
                              run_config={"ops": {"sft_export": {"config": {"max_augmented_share": 0.3, "max_synthetic_share": 0.3}}}})
    assert exported.success
    directory = os.environ["DATA_ASSETS_EXPORTS"]
    def strict(constant):
        raise ValueError(f"not JSON: {constant}")

    lines = [json.loads(line, parse_constant=strict) for line in open(os.path.join(directory, "sft.jsonl"), encoding="utf-8")]
    assert sorted(os.listdir(directory)) == ["sft.jsonl", "sft.parquet"]   # no temporary files left
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids))
    for line in lines:
        assert list(line) == SFT_SCHEMA.names and set(PROVENANCE) <= set(line)
        assert [m["role"] for m in line["messages"]] == ["user", "assistant"]
        assert all(isinstance(m["content"], str) and m["content"] for m in line["messages"])
        assert line["origin"] in {"human", "augmented", "synthetic"} and line["source"]
        if line["subset"] == "curated":
            assert line["method"] is None and line["provider"] is None and line["model"] is None
            assert line["verification"] == "none" and line["license"] == "CC0-1.0"
        elif line["subset"] == "augmented":
            assert line["provider"] == "rules" and line["model"] and line["parent_id"] in {c["record_id"] for c in curated}
            assert line["verification"] == "none" and line["license"] == "CC0-1.0"
        else:
            # Written by the offline families and recomputed by the same code: a self-consistency check.
            assert line["provider"] == "offline" and line["model"] == "offline-v1"
            assert line["verification"] == "self_consistency:offline" and line["method"].startswith("self_instruct:")
    by_subset = pd.Series([line["subset"] for line in lines]).value_counts().to_dict()
    assert by_subset["curated"] == len(curated) and by_subset["synthetic"] >= 1
    assert by_subset.get("augmented", 0) == len(augmented & set(ids)) and augmented & set(ids)
    assert unverified not in ids and "r_eval" not in ids and not {t["record_id"] for t in SEED_TASKS} & set(ids)
    first = next(line for line in lines if line["id"] == "r_c00")
    assert first["messages"][0]["content"] == "Name a fruit that is red.\n\nChoose among apple, lime, banana."

    table = pq.read_table(os.path.join(directory, "sft.parquet")).to_pandas()
    assert list(table.columns) == SFT_SCHEMA.names
    assert list(table["id"]) == ids
    for column in PROVENANCE:
        assert [None if pd.isna(v) else v for v in table[column]] == [line[column] for line in lines], column
    assert [dict(m) for m in table["messages"].iloc[0]] == lines[0]["messages"]
    [materialization] = exported.asset_materializations_for_node("sft_export")
    assert materialization.metadata["dagster/row_count"].value == len(lines)


def test_claude_pairs_say_which_model_verified_them(monkeypatch, warehouse):
    seed_documents(warehouse, SEED_TASKS + CURATED)
    with serving_claude(monkeypatch, "sk-ant-test-key", reply=scripted_reply):
        llm = LLMResource(timeout_s=2.0, max_retries=1, max_validation_retries=0)
        result = dg.materialize([synthetic_pairs, sft_export], resources={"warehouse": warehouse, "llm": llm},
                                run_config={"ops": {"synthetic_pairs": {"config": {"target_pairs": 2, "requests_per_round": 1}},
                                                    "sft_export": {"config": {"max_synthetic_share": 0.5}}}})
    assert result.success
    lines = [json.loads(line) for line in open(os.path.join(os.environ["DATA_ASSETS_EXPORTS"], "sft.jsonl"), encoding="utf-8")]
    synthetic = {line["messages"][0]["content"]: line for line in lines if line["subset"] == "synthetic"}
    sorting, open_question = (synthetic[t["instruction"]] for t in GOOD_TASKS)
    assert sorting["verification"] == "recomputed" and sorting["provider"] == "anthropic"
    assert open_question["verification"] == f"judge:{llm.judge_model}"
    assert open_question["model"] == llm.generate_model
