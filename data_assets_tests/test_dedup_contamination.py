"""Eval decontamination as one function (`EvalIndex`), and every stage that produces rows calling it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.augment.apply import run_plan
from data_assets.augment.plan import PlannedAugmentation
from data_assets.dedup import NearDuplicateIndex
from data_assets.dedup.contamination import EvalIndex
from data_assets.dedup.minhash import choose_banding, lsh_candidates, lsh_cross_candidates, signatures
from data_assets.dedup.text import featurize
from data_assets.prefs.candidates import Pair, Response, decontaminate_pairs

QUESTION = ("Explain why the Roman Empire split into an eastern and a western half during the third and fourth "
            "centuries and describe what happened to each half afterwards")
ANSWER = "Because of administrative pressure, civil wars and the cost of defending two long frontiers at once."
EVAL = pd.DataFrame([
    {"record_id": "e1", "instruction": QUESTION, "input": "", "response": ANSWER},
    {"record_id": "e2", "instruction": "Solve for x: 3x + 7 = 22.", "input": "", "response": "x = 5"},
])


def records(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"record_id": r, "instruction": i, "input": "", "response": a} for r, i, a in rows])


def test_each_rule_finds_its_overlap_and_a_clean_record_passes():
    index = EvalIndex.from_records(EVAL)
    found = index.match_records(records([
        ("exact", QUESTION.upper() + "!", ANSWER),                                            # same normalized text
        ("prompt", "solve for X: 3x+7=22", "Subtract 7, divide by 3: x = 5."),                  # same question
        ("near", QUESTION + " please", ANSWER),                                               # Jaccard >= 0.7
        ("span", "Quote this: " + " ".join(QUESTION.split()[:15]), "Sure, here it is."),       # 15 shared words
        ("short_span", "Quote this: " + " ".join(QUESTION.split()[:11]), "Sure."),             # 11: under 13
        ("clean", "Name a primary color.", "Red."),
    ])).set_index("record_id")
    assert found["method"].to_dict() == {"exact": "exact", "prompt": "prompt", "near": "minhash", "span": "ngram"}
    assert found["eval_record_id"].to_dict() == {"exact": "e1", "prompt": "e2", "near": "e1", "span": "e1"}
    assert found.loc["span", "span_words"] == 15 and found.loc["near", "similarity"] >= 0.7


def test_generated_rows_are_judged_exactly_like_the_dedup_stage_judges_train_records():
    """A self-consistency check: the stage and the batch function share one implementation, so this
    guards the wiring (roles, alignment, copies of one text), not the rules themselves."""
    from data_assets.dedup.clusters import deduplicate

    candidates = records([("t1", QUESTION, ANSWER), ("t2", QUESTION, ANSWER), ("t3", QUESTION + " now", ANSWER),
                          ("t4", "Name a primary color.", "Red.")])
    together = pd.concat([EVAL.assign(role="eval"), candidates.assign(role="train")], ignore_index=True)
    together = together.assign(origin="human", status="pass", response_chars=together["response"].str.len())
    features = featurize([together["instruction"].tolist(), together["input"].tolist(), together["response"].tolist()])
    stage = deduplicate(together, features, signatures(features)).contamination.drop(columns="role")
    batch = EvalIndex.from_records(EVAL).match_records(candidates)
    pd.testing.assert_frame_equal(stage.reset_index(drop=True), batch, check_dtype=False)
    assert set(batch["record_id"]) == {"t1", "t2", "t3"}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=12), min_size=2, max_size=20), st.integers(1, 19))
def test_cross_candidates_are_exactly_the_cross_pairs_of_banded_candidates(texts, split):
    words = [" ".join(f"w{t}" for t in text) for text in texts]
    features = featurize([words])
    sigs = signatures(features)
    split = min(split, len(words) - 1)
    bands, rows = choose_banding(0.5, sigs.shape[1])
    eligible = np.diff(features.shingle_offsets) > 0
    every = {tuple(p) for p in lsh_candidates(sigs, bands, rows, eligible=eligible).tolist()}
    expected = {(i, j - split) for i, j in every if i < split <= j}
    found = lsh_cross_candidates(sigs[:split], sigs[split:], bands, rows, eligible[:split], eligible[split:])
    assert {tuple(p) for p in found.tolist()} == expected


def test_an_augmented_record_that_lands_on_an_eval_item_is_rejected_with_its_match():
    curated = pd.DataFrame([{"record_id": "r_hist", "instruction": "Describe the decline of Rome.", "input": "",
                             "response": "It declined slowly.", "source": "s", "license": "CC0-1.0", "origin": "human"}])
    plan = [PlannedAugmentation("r_hist", "paraphrase", "domain=history")]

    def paraphrase(requests):
        from data_assets.augment.prompts import RewrittenInstruction
        from data_assets.llm.types import LLMResult
        return [LLMResult(request_hash="h1", task="augment.paraphrase", status="ok", output=RewrittenInstruction(instruction=QUESTION),
                          provider="anthropic", model="claude") for _ in requests]

    index = EvalIndex.from_records(EVAL)
    outcome = run_plan(curated, plan, "es", paraphrase, lambda: NearDuplicateIndex(0.7), None, decontaminate=index.match_records)
    assert outcome.documents == []
    [rejected] = outcome.rejected
    assert rejected["reason"] == "contaminates_eval" and rejected["instruction"] == QUESTION
    assert rejected["contamination"]["eval_record_id"] == "e1" and rejected["contamination"]["method"] == "prompt"
    assert "overlaps eval record e1" in rejected["detail"]


def _pair(pair_id: str, prompt: str, a: str, b: str) -> Pair:
    return Pair(pair_id, "sft", f"p_{pair_id}", prompt, None,
                Response(f"{pair_id}a", f"p_{pair_id}", a, "existing", "dataset"),
                Response(f"{pair_id}b", f"p_{pair_id}", b, "generated", "default"))


def test_a_preference_pair_with_an_eval_answer_on_either_side_or_an_eval_prompt_is_removed():
    pairs = [
        _pair("clean", "Name a primary color.", "Red.", "Blue is one."),
        _pair("answer_b", "Tell me about late antiquity.", "It was long.", "In short: " + ANSWER),
        _pair("prompt", "Solve for x: 3x + 7 = 22.", "Five.", "x equals five"),
    ]
    kept, removed = decontaminate_pairs(pairs, EvalIndex.from_records(EVAL).match_records)
    assert [p.pair_id for p in kept] == ["clean"]
    removed = removed.set_index("record_id")
    assert removed.loc["answer_b", ["eval_record_id", "part", "method"]].tolist() == ["e1", "response_b", "ngram"]
    assert removed.loc["prompt", ["eval_record_id", "method"]].tolist() == ["e2", "prompt"]
    assert set(removed.loc["prompt", ["part"]]) <= {"response_a", "response_b"}


# ---- the graph on the bundled sample, with eval items planted where generation will land ------------

def _write_sources(folder, extra: list[dict]) -> str:
    """The bundled sources with absolute paths, plus `extra` sources."""
    import yaml

    from data_assets.settings import SAMPLE_SOURCES

    bundled = yaml.safe_load(SAMPLE_SOURCES.read_text())
    for source in bundled["sources"]:
        source["path"] = str(SAMPLE_SOURCES.parent / source["path"])
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": bundled["sources"] + extra}))
    return str(path)


def _write_jsonl(path, rows: list[dict]) -> str:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _run_graph(tmp_path, name: str, monkeypatch, sources: str):
    import dagster as dg

    from data_assets.definitions import STAGES, build_resources

    root = tmp_path / name
    monkeypatch.setenv("DATA_ASSETS_DB", str(root / "warehouse.duckdb"))
    monkeypatch.setenv("DATA_ASSETS_EXPORTS", str(root / "exports"))
    monkeypatch.setenv("DATA_ASSETS_SOURCES", sources)
    stages = [s for s in STAGES if s.__name__.split(".")[-2] not in ("curves", "profile")]
    result = dg.materialize([a for s in stages for a in s.ASSETS] + [c for s in stages for c in s.CHECKS],
                            resources=build_resources(),
                            run_config={"ops": {"dpo_export": {"config": {"include_human_pairs": True}}}})
    assert result.success
    from data_assets.warehouse import WarehouseResource

    return WarehouseResource(path=str(root / "warehouse.duckdb")), root / "exports"


def _exported(exports) -> tuple[set[str], set[str]]:
    """Normalized texts of sft.jsonl rows (user + assistant) and of dpo.jsonl rows (prompt + chosen)."""
    import json

    from data_assets.dedup import normalize_text

    sft = {normalize_text(" ".join(m["content"] for m in json.loads(line)["messages"]))
           for line in (exports / "sft.jsonl").read_text().splitlines()}
    def text(value) -> str:
        # The conversational DPO format (the default) holds lists of messages; the plain one holds strings.
        return value if isinstance(value, str) else " ".join(m["content"] for m in value)

    dpo = {normalize_text(f"{text(row['prompt'])} {text(row['chosen'])}")
           for row in map(json.loads, (exports / "dpo.jsonl").read_text().splitlines())}
    return sft, dpo


def test_planted_eval_items_never_reach_the_exports_and_are_listed_with_their_reason(tmp_path, monkeypatch):
    from data_assets.dedup import normalize_text

    # 1. The bundled sample as it is: what do synth, augment and the human pairs put in the exports?
    plain_sources = _write_sources(tmp_path, [])
    warehouse, exports = _run_graph(tmp_path, "plain", monkeypatch, plain_sources)
    with warehouse.connect() as con:
        synthetic = con.execute("SELECT record_id, instruction, input, response FROM synth.pairs").df()
        human = con.execute("""SELECT p.prompt_id, p.prompt, c.text AS chosen FROM prefs.pairs p
                               JOIN prefs.responses c ON c.response_id = p.chosen_id
                               WHERE p.source = 'human' AND p.verdict IN ('a', 'b')""").df()
        curated = con.execute("SELECT record_id, instruction, input, response FROM dedup.documents "
                              "WHERE role = 'train' ORDER BY record_id LIMIT 3").df()
    sft, dpo = _exported(exports)
    synthetic["text"] = [normalize_text(f"{i} {x} {r}") for i, x, r in zip(synthetic["instruction"], synthetic["input"], synthetic["response"])]
    exported_synthetic = synthetic[synthetic["text"].isin(sft)]
    human["text"] = [normalize_text(f"{p} {c}") for p, c in zip(human["prompt"], human["chosen"])]
    exported_human = human[human["text"].isin(dpo)].head(5)
    assert len(exported_synthetic) >= 3 and len(exported_human) >= 3      # without plants they are exported

    # 2. The same sources plus eval items equal to those rows, and eval copies of curated records
    #    under a license compliance drops.
    planted = [{"instruction": r.instruction, "input": r.input, "response": r.response} for r in synthetic.itertuples()]
    planted += [{"instruction": r.prompt, "input": "", "response": r.chosen} for r in exported_human.itertuples()]
    restricted = [{"instruction": r.instruction, "input": r.input, "response": r.response} for r in curated.itertuples()]
    planted_folder = tmp_path / "planted_sources"
    planted_folder.mkdir()
    sources = _write_sources(planted_folder, [
        {"name": "planted_eval", "path": _write_jsonl(tmp_path / "planted_eval.jsonl", planted), "role": "eval",
         "origin": "human", "license": "CC0-1.0", "fields": {}},
        {"name": "restricted_eval", "path": _write_jsonl(tmp_path / "restricted_eval.jsonl", restricted), "role": "eval",
         "origin": "human", "license": "proprietary-benchmark", "fields": {}},
    ])
    warehouse, exports = _run_graph(tmp_path, "planted", monkeypatch, sources)
    sft, dpo = _exported(exports)
    assert not set(exported_synthetic["text"]) & sft
    assert not set(exported_human["text"]) & dpo
    assert not {normalize_text(f"{r.instruction} {r.input} {r.response}") for r in curated.itertuples()} & sft

    with warehouse.connect() as con:
        contamination = con.execute("SELECT * FROM dedup.contamination").df()
        rejected = con.execute("SELECT record_id, reason, detail FROM synth.rejected WHERE reason = 'contaminates_eval'").df()
        edges = con.execute("SELECT child_id, parent_id, stage FROM lineage.edges WHERE operation = 'contaminates_eval'").df()
        evals = con.execute("SELECT record_id, source, status FROM compliance.documents WHERE role = 'eval'").df().set_index("record_id")
        human_pairs = con.execute("SELECT pair_id, prompt_id FROM prefs.pairs WHERE source = 'human'").df()
        judged = set(con.execute("SELECT DISTINCT pair_id FROM prefs.judgments").df()["pair_id"])
        sides = con.execute("""SELECT e.child_id FROM lineage.edges e JOIN prefs.responses r ON r.response_id = e.parent_id
                               WHERE e.stage = 'prefs' AND e.operation IN ('response_a', 'response_b')""").df()
    by_stage = contamination.groupby("stage")["record_id"].apply(set).to_dict()
    # Synthetic tasks equal to eval items: rejected with the reason, listed, with an edge to the eval record.
    assert by_stage.get("synth") and by_stage["synth"] == set(rejected["record_id"])
    assert rejected["detail"].str.startswith("overlaps eval record").all()
    # Human pairs equal to eval items: removed before judging, listed with the side that overlaps.
    prefs_rows = contamination[contamination["stage"] == "prefs"]
    assert len(prefs_rows) >= len(exported_human) and set(prefs_rows["part"]) <= {"response_a", "response_b"}
    assert not set(exported_human["prompt_id"]) & set(human_pairs["prompt_id"])
    assert not set(prefs_rows["record_id"]) & judged                 # removed before any judge call
    assert (sides["child_id"].value_counts().reindex(list(prefs_rows["record_id"])) == 2).all()   # both texts kept
    # Curated copies of eval items compliance dropped: still decontaminated, and the eval never kept.
    dedup_rows = contamination[contamination["stage"] == "dedup"]
    restricted_ids = set(evals.index[evals["source"] == "restricted_eval"])
    assert restricted_ids and set(evals.loc[list(restricted_ids), "status"]) == {"dropped"}
    assert set(curated["record_id"]) <= set(dedup_rows.loc[dedup_rows["eval_record_id"].isin(restricted_ids), "record_id"])
    assert set(contamination["eval_record_id"]) <= set(evals.index)
    expected_edges = set(zip(contamination["record_id"], contamination["eval_record_id"], contamination["stage"]))
    assert expected_edges <= set(zip(edges["child_id"], edges["parent_id"], edges["stage"]))


def test_curves_fallback_to_a_train_split_warns_when_compliance_dropped_the_eval_set(warehouse):
    from data_assets.warehouse.resource import insert_frame
    from data_assets_tests.test_curves_asset import _materialize, seed_warehouse

    seeded = seed_warehouse(warehouse, with_eval=False, with_preferences=False, with_judged=False, with_synthetic=False,
                            with_raw=False, human_only=True)
    quiet = _materialize(warehouse)
    assert "sft_eval_warning" not in quiet.metadata          # no eval source at all: the fallback is the plan
    dropped = seeded["eval"].head(6).assign(
        source="benchmark", source_uri="bench.jsonl", source_row=range(6), role="eval", license="proprietary",
        status="dropped", reasons=[["license_not_allowed:proprietary"]] * 6, findings=0, redactions=0, run_id="seed")
    with warehouse.connect() as con:
        insert_frame(con, "compliance.documents", dropped)
    loud = _materialize(warehouse)
    warning = loud.metadata["sft_eval_warning"].value
    assert "compliance dropped all 6" in warning and "held-out" in warning
