"""The synth stage's parts without Dagster: ROUGE-L index, computed families, filters, offline handlers, the loop."""

import json
import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.llm import offline as offline_provider
from data_assets.llm.ledger import request_hash
from data_assets.llm.types import Declined, LLMResult
from data_assets.synth import offline as synth_offline
from data_assets.synth.families import FAMILIES, VOCAB, verify_by_computation
from data_assets.synth.filters import FilterLimits, check_task
from data_assets.synth.loop import LoopSettings, run_loop, verify_pairs
from data_assets.synth.prompts import GeneratedBatch, generation_request, verification_request
from data_assets.synth.rouge import RougeIndex

SEEDS = pd.DataFrame([
    {"record_id": "r_seed1", "instruction": "Give three tips for staying healthy.", "input": "", "response": "Eat well, sleep, move."},
    {"record_id": "r_seed2", "instruction": "Translate the sentence into French.", "input": "Good morning", "response": "Bonjour"},
    {"record_id": "r_seed3", "instruction": "Write a haiku about the sea.", "input": "", "response": "Waves fold into foam..."},
])


def offline_run(requests):
    """The offline provider without the ledger: what LLMResource does offline, minus caching."""
    results = []
    for request in requests:
        outcome = offline_provider.answer(request)
        results.append(LLMResult(request_hash=request_hash(request, "offline-v1"), task=request.task, status=outcome.status,
                                 provider="offline", model="offline-v1", output=outcome.output, text=outcome.text,
                                 error=outcome.error))
    return results


words = st.sampled_from("the a sort list numbers convert miles write poem about sea give three tips for how many days".split())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=12).map(" ".join), min_size=1, max_size=25),
       st.lists(words, min_size=1, max_size=12).map(" ".join))
def test_index_finds_the_exact_maximum(texts, query):
    index = RougeIndex()
    for i, text in enumerate(texts):
        index.add(f"k{i}", text)
    fast, slow = index.best(query), index.best_brute_force(query)
    assert (fast.score if fast else 0.0) == pytest.approx(slow.score if slow else 0.0)


def test_index_prunes_most_exact_computations(shared_data):
    seeds = [json.loads(line)["instruction"] for line in (shared_data / "self_instruct" / "seed_tasks.jsonl").open()]
    alpaca = [r["instruction"] for r in json.loads((shared_data / "alpaca" / "alpaca_data_random5000.json").read_text())[:1500]]
    index = RougeIndex()
    for i, text in enumerate(alpaca):
        index.add(f"a{i}", text)
    for text in seeds[:50]:
        assert index.best(text).score == pytest.approx(index.best_brute_force(text).score)
    assert index.exact_computations < 0.1 * 50 * len(alpaca)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_every_family_verifies_its_own_tasks_and_catches_wrong_answers(family):
    for k in range(40):
        rng = random.Random(k)
        task = family.generate(rng, rng.choice(sorted(VOCAB)), rng.choice(["short", "medium", "long"]))
        assert task.instruction and task.response
        verdict = verify_by_computation(task.instruction, task.input, task.response)
        assert verdict is not None and verdict[0], (task, verdict)
        wrong = verify_by_computation(task.instruction, task.input, "The answer is 987654.")
        assert wrong is not None and not wrong[0]


def test_open_tasks_are_not_verified_by_computation():
    assert verify_by_computation("Write a haiku about autumn.", "", "Leaves fall...") is None
    assert verify_by_computation("Why is the sky blue?", "", "Rayleigh scattering.") is None


def test_filters_reject_with_reasons():
    index = RougeIndex()
    for row in SEEDS.itertuples():
        index.add(row.record_id, row.instruction)
    limits = FilterLimits()

    def check(instruction, input_text="", response="fine answer here", dup=None):
        return check_task(instruction, input_text, response, limits, index, lambda text: dup)

    # A planted paraphrase of a seed: the novelty filter catches it.
    planted = check("Give three tips for staying very healthy.")
    assert planted.reason == "not_novel" and "r_seed1" in planted.detail and planted.max_rouge_l > 0.7
    assert check("Summarize", response="x").reason == "too_short"
    assert check("Describe the picture attached below in detail.").reason == "unsupported_modality"
    assert check("Go to https://example.org and list the headlines.").reason == "unsupported_modality"
    assert check("Repeat the following sentence exactly.", "The sun is warm.", "The sun is warm.").reason == "input_equals_output"
    assert check("Explain how tides are caused by the moon.", response="  ").reason == "empty_output"
    assert check("Explain how tides are caused by the moon.", dup="r_cur9").reason == "near_duplicate_of_curated"
    kept = check("Explain how tides are caused by the moon.")
    assert kept.reason is None and 0 <= kept.max_rouge_l <= 0.7


def test_offline_generation_is_deterministic_and_steered():
    request = generation_request(SEEDS.to_dict("records"), {"domain": "food", "task_type": "classification", "length": "long"},
                                 6, ["classification"], ["food"])
    first, second = synth_offline.generate(request), synth_offline.generate(request)
    assert first == second and isinstance(first, GeneratedBatch) and len(first.tasks) == 6
    assert all(t.domain == "food" for t in first.tasks)
    assert first.tasks[0].task_type == "classification"
    other = generation_request(SEEDS.to_dict("records"), {"domain": "sports", "task_type": "math", "length": "short"},
                               6, ["math"], ["sports"])
    assert synth_offline.generate(other) != first


def test_offline_judge_recomputes_or_declines():
    good = verification_request("Sort these numbers from smallest to largest: 9, 2, 5", "", "2, 5, 9")
    bad = verification_request("Sort these numbers from smallest to largest: 9, 2, 5", "", "9, 5, 2")
    assert synth_offline.verify(good).correct is True
    assert synth_offline.verify(bad).correct is False
    assert isinstance(synth_offline.verify(verification_request("Write a poem about rain.", "", "Rain...")), Declined)


def test_loop_reaches_its_target_deterministically():
    curated = SEEDS.iloc[:0]
    config = LoopSettings(target_pairs=25, max_generation_requests=40)
    first = run_loop(SEEDS, curated, offline_run, config, lambda text: None)
    second = run_loop(SEEDS, curated, offline_run, config, lambda text: None)
    assert first.stop_reason == "target_reached" and len(first.pairs) == 25
    assert [p["record_id"] for p in first.pairs] == [p["record_id"] for p in second.pairs]
    assert all(set(p["seed_ids"]) & set(SEEDS["record_id"]) for p in first.pairs)
    assert all(p["max_rouge_l"] <= 0.7 for p in first.pairs)
    verification = verify_pairs(first.pairs, offline_run)
    assert verification["by_outcome"] == {"computed_pass": 25}


def test_loop_stops_at_its_request_cap():
    outcome = run_loop(SEEDS, SEEDS.iloc[:0], offline_run, LoopSettings(target_pairs=1000, max_generation_requests=6), lambda t: None)
    assert outcome.stop_reason == "max_generation_requests" and outcome.requests == 6 and len(outcome.pairs) < 1000
