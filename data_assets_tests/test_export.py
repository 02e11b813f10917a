"""The SFT export: the mix, the chat messages format, and the files it writes."""

import json
import os

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest

from data_assets.augment.assets import augmented_documents
from data_assets.export.assets import sft_export
from data_assets.export.sft import Mix, choose, messages
from data_assets.llm.resource import LLMResource
from data_assets.synth.assets import synthetic_pairs
from data_assets_tests.stage_tables import SEED_TASKS, seed_documents


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
    ids = [line["record_id"] for line in lines]
    assert len(ids) == len(set(ids))
    for line in lines:
        assert [m["role"] for m in line["messages"]] == ["user", "assistant"]
        assert all(isinstance(m["content"], str) and m["content"] for m in line["messages"])
        assert line["origin"] in {"human", "augmented", "synthetic"}
        assert line["method"] is None if line["subset"] == "curated" else isinstance(line["method"], str)
    by_subset = pd.Series([line["subset"] for line in lines]).value_counts().to_dict()
    assert by_subset["curated"] == len(curated) and by_subset["synthetic"] >= 1
    assert by_subset.get("augmented", 0) == len(augmented & set(ids)) and augmented & set(ids)
    assert unverified not in ids and "r_eval" not in ids and not {t["record_id"] for t in SEED_TASKS} & set(ids)
    first = next(line for line in lines if line["record_id"] == "r_c00")
    assert first["messages"][0]["content"] == "Name a fruit that is red.\n\nChoose among apple, lime, banana."

    table = pq.read_table(os.path.join(directory, "sft.parquet")).to_pandas()
    assert list(table["record_id"]) == ids
    assert {"record_id", "origin", "subset", "source", "method", "instruction", "input", "response", "messages"} <= set(table.columns)
    assert [dict(m) for m in table["messages"].iloc[0]] == lines[0]["messages"]
    [materialization] = exported.asset_materializations_for_node("sft_export")
    assert materialization.metadata["dagster/row_count"].value == len(lines)
