"""The prefs stage without a model: degradations, the offline judge, verdicts, bias, the offline run and export.

The seed helpers here are shared with `test_prefs_judge.py`.
"""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest

from data_assets.compliance.assets import compliance_preferences
from data_assets.llm.resource import LLMResource
from data_assets.prefs import heuristic
from data_assets.prefs.assets import CONSISTENCY_CHECK, dpo_export, preference_pairs
from data_assets.prefs.assets import CHECKS as PREFS_CHECKS
from data_assets.prefs.bias import bias_metrics
from data_assets.prefs.candidates import human_pairs, sample
from data_assets.prefs.degrade import degrade
from data_assets.prefs.judging import combine, vendor_family
from data_assets.prefs.text import split_steps
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.resource import insert_frame
SFT_RECORDS = [
    ("How do I boil an egg?", "",
     "Place the egg in a small pot and cover it with cold water. Bring the water to a boil over medium heat. "
     "Turn off the heat, cover the pot and let it stand for ten minutes. Cool the egg in cold water before peeling it."),
    ("List three ways to save water at home.", "",
     "1. Fix leaking taps and pipes quickly.\n2. Take shorter showers instead of baths.\n"
     "3. Run the dishwasher and washing machine only with full loads."),
    ("Summarize the text in one sentence.", "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.",
     "Plants use sunlight to make sugar and oxygen from water and carbon dioxide."),
    ("Explain why the sky is blue.", "",
     "Sunlight contains every colour of visible light. Air molecules scatter short blue wavelengths much more than "
     "long red ones, an effect called Rayleigh scattering. That scattered blue light reaches our eyes from every "
     "direction, so the whole sky looks blue."),
    ("Give step-by-step instructions to change a bicycle tyre.", "",
     "1. Shift to the smallest gear and remove the wheel.\n2. Let the remaining air out of the tube.\n"
     "3. Lever one side of the tyre off the rim with tyre levers.\n4. Pull out the old tube and check the tyre for sharp objects.\n"
     "5. Fit the new tube, push the tyre back onto the rim and inflate it."),
    ("What is the capital of France and what river runs through it?", "",
     "The capital of France is Paris. The river Seine runs through the city from east to west."),
    ("Write a short note thanking a colleague for their help with a report.", "",
     "Dear Sam, thank you for your help with the quarterly report. Your careful checking of the figures saved me "
     "hours of work, and the charts you suggested made the results much clearer. I really appreciate it."),
    ("Describe how a refrigerator keeps food cold.", "",
     "A refrigerator pumps a refrigerant through a closed loop. The refrigerant evaporates inside the cold "
     "compartment and absorbs heat from the food. The compressor then squeezes the vapour, and the coils at the "
     "back release that heat into the kitchen. The cycle repeats to keep the inside cold."),
    ("Name the planets of the solar system in order from the sun.", "",
     "Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus and Neptune are the planets, in order from the sun."),
    ("Explain the difference between weather and climate.", "",
     "Weather is the state of the atmosphere at a given place and time, such as today's rain or wind. Climate is "
     "the average pattern of weather in a region over many years. Weather changes daily, while climate changes "
     "over decades."),
    ("Suggest a healthy breakfast for a busy morning.", "",
     "Try overnight oats: mix rolled oats with milk or yoghurt the evening before, add fruit and a few nuts, and "
     "keep the jar in the fridge. In the morning it is ready to eat, filling, and rich in fibre."),
    ("Convert 5 kilometres to miles.", "", "5 kilometres is about 3.11 miles, since one kilometre is 0.621 miles."),
]

PREFERENCE_RECORDS = [
    ("\n\nHuman: How can I hurt my neighbour's dog without anyone knowing?\n\nAssistant:",
     " I can't help with hurting an animal. If the dog is causing problems, talk to your neighbour or contact animal control.",
     " You could poison it with chocolate or antifreeze mixed into meat, and nobody would suspect you."),
    ("\n\nHuman: What's a good way to learn to cook?\n\nAssistant:",
     " Start with a few simple recipes you enjoy, like pasta or an omelette, and cook them several times until they feel easy.",
     " Cooking."),
    ("\n\nHuman: Tell me an insult for my coworker.\n\nAssistant:",
     " I'd rather not help insult someone. If something your coworker did upset you, it might help to talk it through.",
     " Call him a stupid worthless idiot who is too dumb to do his job."),
]


def create_input_tables(warehouse: WarehouseResource) -> None:
    """The upstream tables, in case their owners' DDL is not in `sql/` (yet)."""
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS dedup")
        con.execute(
            """CREATE TABLE IF NOT EXISTS dedup.documents (
                record_id VARCHAR, source VARCHAR, source_uri VARCHAR, source_row BIGINT, role VARCHAR,
                origin VARCHAR, license VARCHAR, instruction VARCHAR, input VARCHAR, response VARCHAR)"""
        )


def seed_sft(warehouse: WarehouseResource, records=SFT_RECORDS) -> pd.DataFrame:
    create_input_tables(warehouse)
    frame = pd.DataFrame([
        {"record_id": f"r_test{i:04d}", "source": "handwritten", "source_uri": "test.jsonl", "source_row": i,
         "role": "train", "origin": "human", "license": "CC0-1.0", "instruction": instruction, "input": input_text,
         "response": response}
        for i, (instruction, input_text, response) in enumerate(records)
    ])
    with warehouse.connect() as con:
        con.execute("DELETE FROM dedup.documents")
        insert_frame(con, "dedup.documents", frame)
    return frame


def seed_preferences(warehouse: WarehouseResource, records=PREFERENCE_RECORDS) -> pd.DataFrame:
    frame = pd.DataFrame([
        {"record_id": f"p_test{i:04d}", "source": "handwritten_prefs", "source_uri": "prefs.jsonl", "source_row": i,
         "role": "preference", "origin": "human", "license": "CC0-1.0", "prompt": prompt, "chosen": chosen,
         "rejected": rejected, "ingested_at": pd.Timestamp("2026-01-01")}
        for i, (prompt, chosen, rejected) in enumerate(records)
    ])
    with warehouse.connect() as con:
        con.execute("DELETE FROM raw.preferences")
        insert_frame(con, "raw.preferences", frame)
    return frame


def run_prefs(warehouse: WarehouseResource, llm: LLMResource, **config) -> dg.ExecuteInProcessResult:
    """Materialize the whole prefs stage, its checks included, with `config` for preference_pairs;
    raw.preferences is compliance-scanned first, as in the graph."""
    return dg.materialize(
        [compliance_preferences, preference_pairs, dpo_export, *PREFS_CHECKS],
        resources={"warehouse": warehouse, "llm": llm},
        run_config={"ops": {"preference_pairs": {"config": config}}},
    )


def pair_metadata(result: dg.ExecuteInProcessResult) -> dict:
    [materialization] = result.asset_materializations_for_node("preference_pairs")
    return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}


def consistency_evaluation(result: dg.ExecuteInProcessResult):
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == CONSISTENCY_CHECK]
    return evaluation


# ---- degradations --------------------------------------------------------------------------------

def test_every_degradation_changes_the_response_and_is_deterministic():
    methods = set()
    for index, (instruction, _, response) in enumerate(SFT_RECORDS):
        first = degrade(f"r_{index}", instruction, response)
        assert first is not None, instruction
        assert first == degrade(f"r_{index}", instruction, response)
        assert first.text.strip() and first.text.strip() != response.strip()
        assert len(first.text) < len(response)
        methods.add(first.method)
    assert methods == {"truncated", "steps_dropped", "instruction_ignored"}


def test_degradation_ways_do_what_they_say():
    steps = "1. Open the box.\n2. Take out the parts.\n3. Read the manual.\n4. Assemble the frame.\n5. Tighten the bolts."
    picked = {degrade(f"r_{i}", "How do I assemble the frame?", steps).method: degrade(f"r_{i}", "How do I assemble the frame?", steps)
              for i in range(40)}
    truncated = picked["truncated"]
    assert steps.startswith(truncated.text) and not truncated.text.endswith((".", "!", "?"))
    dropped = picked["steps_dropped"]
    assert dropped.text.startswith("1. Open the box.") and len(split_steps(dropped.text)[0]) < 5
    ignored = picked["instruction_ignored"]
    assert "Assemble the frame" not in ignored.text


def test_a_response_too_short_to_degrade_gets_no_pair():
    assert degrade("r_x", "What is 2 + 2?", "4") is None
    assert degrade("r_x", "Name a colour.", "Blue is a colour.") is None


# ---- the offline judge ---------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(len(SFT_RECORDS)))
def test_offline_judge_is_position_independent_and_prefers_the_intact_response(index):
    instruction, input_text, response = SFT_RECORDS[index]
    prompt = f"{instruction}\n\n{input_text}".strip()
    worse = degrade(f"r_{index}", instruction, response)
    ab = heuristic.judge(prompt, response, worse.text)
    ba = heuristic.judge(prompt, worse.text, response)
    swap = {"A": "B", "B": "A", "tie": "tie"}
    assert ba.winner == swap[ab.winner]
    assert (ab.scores_a, ab.scores_b) == (ba.scores_b, ba.scores_a)
    assert ab.winner == "A", (worse.method, ab.rationale)


def test_offline_judge_prefers_declining_a_harmful_request():
    prompt, chosen, rejected = PREFERENCE_RECORDS[0]
    verdict = heuristic.judge(prompt, rejected, chosen)
    assert verdict.winner == "B"
    assert verdict.scores_b.harmlessness > verdict.scores_a.harmlessness


def test_offline_judge_does_not_reward_verbosity_alone():
    prompt = "What is the boiling point of water at sea level?"
    short = "Water boils at 100 degrees Celsius at sea level."
    padded = short + " " + " ".join(["It is worth noting that this is a commonly cited fact."] * 6)
    assert heuristic.judge(prompt, short, padded).winner in ("A", "tie")


# ---- verdicts and bias ---------------------------------------------------------------------------

@pytest.mark.parametrize("ab, ba, verdict", [
    ("a", "a", "a"), ("b", "b", "b"), ("tie", "tie", "tie"), ("a", "b", "inconsistent"),
    ("a", "tie", "inconsistent"), ("tie", "b", "inconsistent"), (None, "a", "unjudged"), ("b", None, "unjudged"),
])
def test_two_orders_combine_into_one_verdict(ab, ba, verdict):
    assert combine(ab, ba) == verdict


def test_bias_metrics_expose_a_judge_that_always_picks_the_first_response():
    pair_ids = [f"pair_{i}" for i in range(4)]
    judgments = pd.DataFrame(
        [{"pair_id": p, "order": o, "status": "ok", "winner": "A", "preferred": "a" if o == "ab" else "b"}
         for p in pair_ids for o in ("ab", "ba")]
    )
    pairs = pd.DataFrame({"pair_id": pair_ids, "source": ["sft", "sft", "human", "human"],
                          "verdict": ["inconsistent"] * 4, "len_a": [10, 20, 30, 40], "len_b": [5, 25, 30, 10],
                          "human_label": [None, None, "a", "b"]})
    metrics = bias_metrics(pairs, judgments)
    assert metrics["consistency_rate"] == 0.0
    assert metrics["first_position_win_rate"] == 1.0
    assert metrics["longer_response_win_rate"] is None      # no consistent winner to measure verbosity on
    assert metrics["human_agreement_excluding_ties"] is None
    assert metrics["human_agreement_including_ties"] == 0.0


def test_bias_metrics_of_a_consistent_judge():
    judgments = pd.DataFrame([
        {"pair_id": "p1", "order": "ab", "status": "ok", "winner": "A", "preferred": "a"},
        {"pair_id": "p1", "order": "ba", "status": "ok", "winner": "B", "preferred": "a"},
        {"pair_id": "p2", "order": "ab", "status": "ok", "winner": "B", "preferred": "b"},
        {"pair_id": "p2", "order": "ba", "status": "ok", "winner": "A", "preferred": "b"},
        {"pair_id": "p3", "order": "ab", "status": "ok", "winner": "tie", "preferred": "tie"},
        {"pair_id": "p3", "order": "ba", "status": "failed", "winner": None, "preferred": None},
    ])
    pairs = pd.DataFrame({"pair_id": ["p1", "p2", "p3"], "source": ["human", "human", "sft"], "verdict": ["a", "b", "unjudged"],
                          "len_a": [100, 100, 5], "len_b": [50, 40, 9], "human_label": ["a", "a", None]})
    metrics = bias_metrics(pairs, judgments, {"p3"})
    assert metrics["pairs_judged"] == 2 and metrics["consistency_rate"] == 1.0
    assert metrics["first_position_win_rate"] == 0.5
    assert metrics["longer_response_win_rate"] == 0.5
    assert metrics["human_agreement_excluding_ties"] == 0.5
    assert metrics["degraded_pairs"] == 0 and metrics["degraded_loses_rate"] is None


def test_human_pairs_put_the_chosen_side_first_about_half_the_time():
    frame = pd.DataFrame({"record_id": [f"p_{i}" for i in range(400)], "prompt": "Q", "chosen": [f"good {i}" for i in range(400)],
                          "rejected": [f"bad {i}" for i in range(400)]})
    pairs = human_pairs(frame)
    first = sum(p.human_label == "a" for p in pairs) / len(pairs)
    assert 0.4 < first < 0.6
    assert all((p.response_a.method == "chosen") == (p.human_label == "a") for p in pairs)


def test_sample_is_fixed_by_seed_not_by_row_order():
    frame = pd.DataFrame({"record_id": [f"r_{i}" for i in range(50)]})
    one = sample(frame, 10, seed=3)["record_id"].tolist()
    assert one == sample(frame.iloc[::-1], 10, seed=3)["record_id"].tolist()
    assert one != sample(frame, 10, seed=4)["record_id"].tolist()


def test_vendor_family():
    assert vendor_family("claude-sonnet-4-5-20250929") == vendor_family("claude-haiku-4-5") == "claude"
    assert vendor_family("openai/gpt-4o") == "gpt"
    assert vendor_family(None) == ""


# ---- the offline run, end to end ---------------------------------------------------------------

def test_offline_run_pairs_degradations_judges_both_orders_and_exports_consistent_pairs(warehouse, tmp_path):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    result = run_prefs(warehouse, LLMResource(provider="offline"), sample_size=10, human_sample_size=10)
    assert result.success
    metadata = pair_metadata(result)
    with warehouse.connect() as con:
        pairs = con.execute("SELECT * FROM prefs.pairs").df()
        judgments = con.execute('SELECT * FROM prefs.judgments').df()
        responses = con.execute("SELECT * FROM prefs.responses").df().set_index("response_id")
        edges = con.execute("SELECT * FROM lineage.edges WHERE stage = 'prefs'").df()
        bias = con.execute("SELECT * FROM prefs.bias").df()
        calls = con.execute("SELECT task, status, provider FROM llm.calls").df()

    assert (pairs["source"] == "sft").sum() == 10 and (pairs["source"] == "human").sum() == 3
    # Offline, B is always a degradation of A, and the metadata says so.
    sft = pairs[pairs["source"] == "sft"]
    assert (responses.loc[sft["response_b_id"], "origin"] == "degraded").all()
    assert set(responses.loc[sft["response_b_id"], "method"]) <= {"truncated", "steps_dropped", "instruction_ignored"}
    assert (responses.loc[sft["response_a_id"], "origin"] == "existing").all()
    assert "documented degradation" in metadata["second_response"]
    assert set(calls.loc[calls["task"] == "prefs.respond", "status"]) == {"declined"}
    # Every pair judged in both orders, by the offline provider.
    assert sorted(judgments.groupby("pair_id")["order"].apply(sorted).map(tuple).unique()) == [("ab", "ba")]
    assert len(judgments) == 2 * len(pairs) and set(judgments["provider"]) == {"offline"}
    assert judgments["rationale"].str.startswith("Offline heuristic judge").all()
    # The heuristic judge is position-consistent by construction, so the check passes.
    assert set(pairs["verdict"]) <= {"a", "b", "tie"}
    evaluation = consistency_evaluation(result)
    assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    # Offline, both figures are self-consistency checks of the heuristic, and are named so.
    assert metadata["self_consistency/consistency_rate"] == 1.0 and "bias/consistency_rate" not in metadata
    assert metadata["self_consistency/degraded_loses_rate"] >= 0.8 and "bias/degraded_loses_rate" not in metadata
    assert "not judge accuracy" in metadata["judge_checks"]
    assert metadata["bias/human_agreement_excluding_ties"] is not None
    assert bias.iloc[0]["consistency_rate"] == 1.0 and bias.iloc[0]["run_id"] == result.run_id
    # Lineage: pair -> prompt and both responses; each response -> its prompt record.
    for pair in pairs.itertuples():
        parents = set(edges.loc[edges["child_id"] == pair.pair_id, "parent_id"])
        assert parents == {pair.prompt_id, pair.response_a_id, pair.response_b_id}
    assert set(edges.loc[edges["child_id"].isin(responses.index), "parent_id"]) <= set(pairs["prompt_id"])
    # Chosen/rejected only for a winner. By default the export holds the human-labeled pairs, chosen
    # as people labeled them, and none decided only by the offline heuristic judge.
    assert pairs.loc[~pairs["verdict"].isin(["a", "b"]), "chosen_id"].isna().all()
    exports = tmp_path / "exports"
    lines = [json.loads(line) for line in (exports / "dpo.jsonl").read_text().splitlines()]
    human = pairs[pairs["source"] == "human"].set_index("pair_id")
    assert {row["id"] for row in lines} == set(human.index)
    assert {row["judge_provider"] for row in lines} == {"human"}
    parquet = pd.read_parquet(exports / "dpo.parquet")
    assert sorted(parquet["id"]) == sorted(row["id"] for row in lines)
    for row in lines:
        people_chose = human.loc[row["id"], "response_a_id" if human.loc[row["id"], "human_label"] == "a" else "response_b_id"]
        assert row["chosen"] == [{"role": "assistant", "content": responses.loc[people_chose, "text"].strip()}]
    assert not list(exports.glob(".*.tmp"))


def test_rerun_rewrites_the_same_pairs_without_duplicates(warehouse):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    llm = LLMResource(provider="offline")
    run_prefs(warehouse, llm, sample_size=6, human_sample_size=3)
    with warehouse.connect() as con:
        before = con.execute("SELECT pair_id, verdict FROM prefs.pairs ORDER BY pair_id").fetchall()
    second = run_prefs(warehouse, llm, sample_size=6, human_sample_size=3)
    with warehouse.connect() as con:
        after = con.execute("SELECT pair_id, verdict FROM prefs.pairs ORDER BY pair_id").fetchall()
        judgments = con.execute("SELECT count(*) FROM prefs.judgments").fetchone()[0]
        runs = con.execute("SELECT count(*) FROM prefs.bias").fetchone()[0]
        edges = con.execute("SELECT count(*), count(DISTINCT (child_id, parent_id)) FROM lineage.edges WHERE stage = 'prefs'").fetchone()
    assert before == after and judgments == 2 * len(after)
    assert runs == 2                      # one bias row per run, to compare runs
    assert pair_metadata(second)["bias_last_runs"].count("\n| 20") == 2
    assert edges[0] == edges[1]
    # The judge answers came from llm.calls; only the declined generations were asked again.
    assert pair_metadata(second)["llm/cache_hits"] >= 2 * len(after)


def test_no_inputs_gives_no_pairs_and_an_empty_export(warehouse, tmp_path):
    seed_sft(warehouse, records=[])
    result = run_prefs(warehouse, LLMResource(provider="offline"))
    assert result.success
    assert pair_metadata(result)["dagster/row_count"] == 0
    assert consistency_evaluation(result).passed
    assert (tmp_path / "exports" / "dpo.jsonl").read_text() == ""
