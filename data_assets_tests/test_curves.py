"""The curves stage's plain functions (ROUGE-L: test_rouge.py): task types, subsets, the fit, the guard, trainers."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.curves.baselines import baselines_for, most_frequent_response, random_response, typical_response
from data_assets.curves.data import CurveInputs, LeakageGuard, held_out_split
from data_assets.curves.fit import fit_curve, fit_power_law, power_law, size_for_error
from data_assets.curves.informative import judge
from data_assets.curves.metrics import response_metric
from data_assets.curves.run import CurveSettings, baselines_frame, fits_frame, points_frame, run_curves
from data_assets.curves.subsets import balanced, mixed, shuffled, size_grid
from data_assets.curves.trainers import CommandTrainer, ConsensusResponder, PairwiseRewardModel, RetrievalResponder, Trainer
from data_assets.text.taxonomy import coarse_task_type
from data_assets_tests.test_curves_asset import preference_frame, sft_frames


@pytest.mark.parametrize("instruction, expected", [
    ("Write a Python function that reverses a list.", "code"),
    ("Calculate the area of a circle with radius 3.", "math"),
    ("Translate this sentence into Spanish.", "translate"),
    ("Classify the following review as positive or negative.", "classify"),
    ("Summarize the article in two sentences.", "summarize"),
    ("Given a sentence, remove its references to time.", "rewrite"),
    ("List five fruits that are red.", "list"),
    ("Write a haiku about autumn.", "write"),
    ("Explain why the sky is blue.", "explain"),
    ("What is the capital of France?", "open_qa"),
    ("Recall a famous quote.", "other"),
])
def test_task_type_rules(instruction, expected):
    assert coarse_task_type(instruction) == expected


def test_size_grid_is_geometric_from_25_to_the_full_set():
    grid = size_grid(5000, 8)
    assert grid[0] == 25 and grid[-1] == 5000 and len(grid) == 8
    ratios = np.diff(np.log(grid))
    assert np.allclose(ratios, ratios.mean(), atol=0.01)
    small = size_grid(40, 8)
    assert small[0] < 25 and small[-1] == 40 and len(small) >= 6
    assert size_grid(1, 8) == []


def _pool(count: int, prefix: str = "r") -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"{prefix}{k:04d}" for k in range(count)], "value": range(count)})


@pytest.mark.parametrize("order", ["shuffled", "mixed", "balanced"])
def test_orderings_are_permutations_so_prefixes_are_nested_without_replacement(order):
    pool = _pool(300)
    def draw(seed):
        if order == "shuffled":
            return shuffled(pool, seed, "v")
        if order == "mixed":
            return mixed(pool.iloc[:120], pool.iloc[120:], seed, "v")
        return balanced(pool, [f"type{k % 7}" for k in range(300)], seed, "v")
    first = draw(0)
    assert sorted(first["record_id"]) == sorted(pool["record_id"])  # every row once: no replacement
    pd.testing.assert_frame_equal(first, draw(0))  # same seed, same subsets
    assert not first["record_id"].equals(draw(1)["record_id"])  # another seed, other subsets
    sizes = size_grid(300, 6)
    for small, large in zip(sizes, sizes[1:]):
        assert set(first["record_id"].iloc[:small]) <= set(first["record_id"].iloc[:large])


def test_mixed_prefix_is_half_and_half_and_balanced_prefix_spreads_over_types():
    human, synthetic = _pool(50, "h"), _pool(80, "s")
    order = mixed(human, synthetic, 3, "mixed")
    for n in (10, 25, 100):
        prefix = order["record_id"].iloc[:n]
        assert abs(prefix.str.startswith("h").sum() - n / 2) <= 0.5 or n > 100
    labels = ["big"] * 270 + [f"small{k}" for k in range(3) for _ in range(10)]
    spread = balanced(_pool(300), labels, 0, "diverse")
    first_twelve = [labels[int(rid[1:])] for rid in spread["record_id"].iloc[:12]]
    assert first_twelve.count("big") == 3  # round-robin: 4 types, 3 rounds


@pytest.mark.parametrize("b_true", [0.25, 0.5, 0.9])
def test_fit_recovers_the_exponent_of_a_known_curve(b_true):
    rng = np.random.default_rng(7)
    sizes = np.repeat(size_grid(5000, 8), 3)
    seeds = np.tile([0, 1, 2], 8)
    a_true, c_true = 1.5, 0.2
    expected = 1 - power_law(sizes, a_true, b_true, c_true)
    scores = expected[:, None] + rng.normal(0, 0.1, (len(sizes), 400))  # noisy per-item scores around the curve
    fit = fit_curve(sizes, seeds, scores, target=0.7, iterations=200)
    assert fit.b == pytest.approx(b_true, rel=0.15)
    assert fit.b_ci_low <= b_true <= fit.b_ci_high
    assert fit.c == pytest.approx(c_true, abs=0.03)
    n_true = (a_true / (0.3 - c_true)) ** (1 / b_true)
    assert fit.ci_low <= n_true <= fit.ci_high and fit.reachable_share > 0.9


def test_fit_says_not_reachable_when_the_floor_is_above_the_target():
    sizes = np.repeat(size_grid(2000, 7), 3)
    seeds = np.tile([0, 1, 2], 7)
    scores = (1 - power_law(sizes, 1.0, 0.6, 0.4))[:, None] + np.random.default_rng(0).normal(0, 0.05, (len(sizes), 200))
    fit = fit_curve(sizes, seeds, scores, target=0.8, iterations=100)
    assert not fit.reachable and math.isinf(fit.extrapolation_factor)
    assert fit.reachable_share < 0.05
    assert math.isinf(fit.ci_high)


def test_size_for_error_is_exact_and_honours_the_horizon():
    assert size_for_error(2.0, 0.5, 0.1, 0.3) == pytest.approx(100.0)
    assert math.isinf(size_for_error(2.0, 0.5, 0.3, 0.3))
    assert math.isinf(size_for_error(1.0, 0.001, 0.0, 0.5, horizon=1e9))  # far beyond any data: not an answer
    assert size_for_error(0.0, 0.0, 0.1, 0.3) == 1.0
    assert fit_power_law(np.array([10, 100, 1000.0]), np.array([0.5, 0.5, 0.5]))[2] == pytest.approx(0.5, abs=1e-6)


def test_leakage_guard_removes_listed_copied_and_overlapping_items():
    train, evaluation = sft_frames()
    planted = pd.concat([
        evaluation.iloc[[0]].assign(record_id="copy"),  # same text, new id
        evaluation.iloc[[1]].assign(record_id="listed", instruction="something else entirely"),  # in the contamination table
        evaluation.iloc[[2]].assign(record_id=evaluation["record_id"].iloc[2]),  # the eval record itself
        pd.DataFrame([{"record_id": "span", "origin": "human", "instruction": "Quote it", "input": "",
                       "response": "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"}]),
    ], ignore_index=True)
    evaluation = pd.concat([evaluation, pd.DataFrame([{"record_id": "e-span", "origin": "human", "instruction": "Count",
                            "input": "", "response": "zero one two three four five six seven eight nine ten eleven twelve thirteen"}])])
    guard = LeakageGuard.for_sft(evaluation, {"listed"})
    kept, removed = guard.clean(pd.concat([train, planted], ignore_index=True), "sft")
    assert len(kept) == len(train)
    assert removed == {"same_prompt_as_eval": 1, "dedup_contamination": 1, "eval_record_id": 1, "shares_13_words_with_eval": 1}


def test_held_out_split_is_stable_under_row_order():
    frame = _pool(200)
    rest, held = held_out_split(frame, 0.2, 30, "salt")
    rest2, held2 = held_out_split(frame.iloc[::-1], 0.2, 30, "salt")
    assert len(held) == 30 and set(held["record_id"]) == set(held2["record_id"])
    assert not set(rest["record_id"]) & set(held["record_id"])


def _inputs() -> CurveInputs:
    train, evaluation = sft_frames()
    prefs = preference_frame()
    empty = pd.DataFrame(columns=["record_id", "instruction", "input", "response", "origin"])
    return CurveInputs(
        sft_eval=evaluation, sft_eval_source="test", curated=train, raw=empty, synthetic_pairs=empty,
        preference_eval=prefs.iloc[120:].assign(origin="human").reset_index(drop=True),
        human_pairs=prefs.iloc[:120].assign(origin="human").reset_index(drop=True),
        judged_pairs=pd.DataFrame(columns=["record_id", "prompt", "chosen", "rejected", "origin"]), contaminated_ids=set(),
    )


def test_runs_are_deterministic_for_fixed_seeds():
    config = CurveSettings(bootstrap=40, sizes=6, variants=("curated", "human", "synthetic", "mixed", "diverse", "narrow"))
    first = run_curves(_inputs(), [ConsensusResponder(), PairwiseRewardModel()], config)
    second = run_curves(_inputs(), [ConsensusResponder(), PairwiseRewardModel()], config)
    pd.testing.assert_frame_equal(points_frame(first, "x"), points_frame(second, "x"))
    pd.testing.assert_frame_equal(fits_frame(first, "x"), fits_frame(second, "x"))
    pd.testing.assert_frame_equal(baselines_frame(first, "x"), baselines_frame(second, "x"))
    other = run_curves(_inputs(), [ConsensusResponder()], CurveSettings(bootstrap=40, sizes=6, seeds=(5, 6, 7), variants=("curated",)))
    assert not np.allclose(points_frame(other, "x")["value"], points_frame(first, "x").query("trainer == 'sft' and variant == 'curated'")["value"])


def test_reward_model_learns_a_preference_it_can_see():
    prefs = preference_frame()
    scores = PairwiseRewardModel().fit_and_score(prefs.iloc[:100], prefs.iloc[100:], seed=0)
    assert scores.shape == (60,) and scores.mean() > 0.9
    flipped = prefs.iloc[100:].rename(columns={"chosen": "rejected", "rejected": "chosen"})
    assert PairwiseRewardModel().fit_and_score(prefs.iloc[:100], flipped, seed=0).mean() < 0.1


def test_retrieval_responder_answers_with_the_nearest_training_response():
    train = pd.DataFrame({"record_id": ["a", "b"], "instruction": ["name a red fruit", "name a blue bird"], "input": ["", ""],
                          "response": ["apple cherry", "jay bluebird"]})
    evaluation = pd.DataFrame({"record_id": ["e"], "instruction": ["which bird is blue"], "input": [""], "response": ["jay bluebird"]})
    responder = RetrievalResponder()
    assert responder.respond(train, evaluation) == ["jay bluebird"]
    assert responder.fit_and_score(train, evaluation, 0).tolist() == [1.0]


def test_command_trainer_runs_an_external_job_and_reads_its_scores(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import json, sys\n"
        "train, evaluation, scores, seed = sys.argv[1:]\n"
        "rows = [json.loads(line) for line in open(evaluation)]\n"
        "size = sum(1 for _ in open(train))\n"
        "json.dump([min(1.0, size / 100)] * len(rows), open(scores, 'w'))\n"
    )
    trainer = CommandTrainer("external", "size_share", "sft", [sys.executable, str(script), "{train}", "{eval}", "{scores}", "{seed}"])
    assert isinstance(trainer, Trainer)
    train, evaluation = sft_frames()
    scores = trainer.fit_and_score(train.iloc[:40], evaluation.iloc[:5], seed=1)
    assert scores.tolist() == [0.4] * 5


def test_comparison_uses_a_size_every_curve_measured():
    """Regression: curated and raw pools have different size grids; comparing at a size one of
    them never measured printed `raw nan`."""
    import numpy as np

    from data_assets.curves.report import comparison
    from data_assets.curves.run import Curve

    def curve(variant: str, sizes: list[int], score: float) -> Curve:
        sizes_array = np.repeat(sizes, 3)
        return Curve("sft", "rouge_l_f", variant, sizes_array, np.tile([0, 1, 2], len(sizes)),
                     np.full((len(sizes_array), 4), score), "")

    shared = comparison([curve("curated", [25, 50, 100, 204], 0.07), curve("raw", [25, 50, 100, 200, 311], 0.05)], "sft", ("curated", "raw"))
    assert shared == "sft, curated vs raw at n = 100: curated 0.070 ± 0.000, raw 0.050 ± 0.000 (mean ± sd over seeds)."
    apart = comparison([curve("curated", [30, 204], 0.07), curve("raw", [25, 311], 0.05)], "sft", ("curated", "raw"))
    assert "nan" not in apart and "curated (n = 204)" in apart and "raw (n = 25)" in apart


def _items(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"record_id": f"e{k}", "instruction": i, "input": x, "response": r} for k, (i, x, r) in enumerate(rows)])


def test_novel_rouge_gives_the_echo_nothing_and_the_new_words_full_credit():
    evaluation = _items([
        ("Rewrite the sentence in the passive voice.", "The cat ate the fish.", "The fish was eaten by the cat."),
        ("Name the capital of France.", "", "Paris is the capital."),
    ])
    echo = [f"{i}\n{x}" for i, x in zip(evaluation["instruction"], evaluation["input"])]
    plain, novel = response_metric("rouge_l_f"), response_metric("novel_rouge_l_f")
    # What made the old metric gameable: LCS "the ... the cat" = 3 of 12 + 7 tokens.
    assert plain.score(echo, evaluation)[0] == pytest.approx(2 * 3 / (12 + 7))
    assert novel.score(echo, evaluation).tolist() == [0.0, 0.0]
    # Only "was eaten by" / "paris is" are new: they decide the score; an extra new word costs precision.
    assert novel.score(["The fish was eaten by the cat.", "Paris is."], evaluation).tolist() == [1.0, 1.0]
    assert novel.score(["It was eaten by the cat.", "Paris is."], evaluation)[0] == pytest.approx(2 * 3 / (4 + 3))


def test_novel_rouge_needs_an_exact_answer_when_the_reference_only_reuses_prompt_words():
    evaluation = _items([("Sort these items by size.", "apple, melon, grape", "Grape, apple, melon.")] * 3)
    scores = response_metric("novel_rouge_l_f").score(["grape apple melon", "melon apple grape", "apple, melon, grape"], evaluation)
    assert scores.tolist() == [1.0, 0.0, 0.0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcdefg"), max_size=12), st.lists(st.sampled_from("abcdefg"), max_size=12),
       st.lists(st.sampled_from("abcdefg"), max_size=6), st.sampled_from(["rouge_l_f", "novel_rouge_l_f"]))
def test_metric_similarity_is_symmetric(a, b, prompt, name):
    # The consensus responder scores each pair of candidates once and relies on this.
    metric = response_metric(name)
    first, second, asked = " ".join(a), " ".join(b), " ".join(prompt)
    assert metric.similarity(first, second, asked) == pytest.approx(metric.similarity(second, first, asked))


def test_consensus_responder_answers_with_what_the_neighbours_agree_on():
    train = pd.DataFrame({
        "record_id": ["near", "a", "b", "far"],
        "instruction": ["how to bake bread at home quickly", "how to bake bread", "bake bread at home", "name a planet"],
        "input": ["", "", "", ""],
        "response": ["buy a loaf instead", "mix flour water yeast then knead and bake",
                     "mix flour water yeast knead then bake", "mars"],
    })
    evaluation = _items([("how to bake bread at home quickly?", "", "mix flour water and yeast, knead, bake")])
    assert RetrievalResponder().respond(train, evaluation) == ["buy a loaf instead"]  # nearest, but alone
    consensus = ConsensusResponder(neighbours=3).respond(train, evaluation)
    assert consensus == ["mix flour water yeast then knead and bake"]
    assert ConsensusResponder(neighbours=1).respond(train, evaluation) == ["buy a loaf instead"]  # k = 1 is plain retrieval


def test_sft_baselines_are_scored_with_the_trainers_metric_on_the_same_items():
    train = pd.DataFrame({"record_id": ["r3", "r1", "r2", "r4"], "instruction": ["q"] * 4, "input": [""] * 4,
                          "response": ["beta gamma", "alpha beta gamma delta", "Alpha beta.", "alpha beta"]})
    evaluation = _items([("say something", "", "alpha beta gamma delta"), ("say more", "", "beta gamma")])
    baselines = {b.name: b for b in baselines_for(RetrievalResponder("rouge_l_f"))[0]}
    assert set(baselines) == {"echo_prompt", "most_frequent_response", "random_response", "typical_response"}
    # "Alpha beta." and "alpha beta" normalize alike: the most frequent answer, for every item.
    assert most_frequent_response(train, evaluation, 0) == ["Alpha beta.", "Alpha beta."]
    assert baselines["most_frequent_response"].score(train, evaluation, 0) == pytest.approx([2 / 3, 0.5])
    # Every response unique: the most frequent is the smallest record id's; the typical one holds the common words.
    unique = pd.DataFrame({"record_id": ["r2", "r0", "r3", "r1"], "response": ["alpha beta", "beta gamma", "gamma alpha", "alpha beta gamma"]})
    assert most_frequent_response(unique, evaluation, 0) == ["beta gamma"] * 2
    assert typical_response(unique, evaluation, 0) == ["alpha beta gamma"] * 2
    assert random_response(train, evaluation, 4) == random_response(train, evaluation, 4)
    draws = {tuple(random_response(train, _items([("x", "", "y")] * 20), s)) for s in range(3)}
    assert len(draws) == 3  # another seed, other draws


def test_preference_baselines_and_a_metric_without_baselines():
    evaluation = pd.DataFrame({"chosen": ["long answer here", "short", "same"], "rejected": ["no", "much longer one", "same"]})
    scores = {b.name: b.score(evaluation, evaluation, 0).tolist() for b in baselines_for(PairwiseRewardModel())[0]}
    assert scores == {"always_longer": [1.0, 0.0, 0.5], "always_shorter": [0.0, 1.0, 0.5], "chance": [0.5, 0.5, 0.5]}
    none, why = baselines_for(CommandTrainer("external", "bleu", "sft", ["true"]))
    assert none == [] and "no baselines for SFT metric 'bleu'" in why


def _verdict_inputs(trainer_at: dict[int, float], baseline: float, noise: float = 0.05, items: int = 300):
    rng = np.random.default_rng(3)
    sizes = np.repeat(sorted(trainer_at), 3)
    seeds = np.tile([0, 1, 2], len(trainer_at))
    scores = np.clip(np.array([trainer_at[n] for n in sizes])[:, None] + rng.normal(0, noise, (len(sizes), items)), 0, 1)
    baselines = {"echo_prompt": np.zeros((3, items)),
                 "typical_response": np.clip(baseline + rng.normal(0, noise, (3, items)), 0, 1)}
    return sizes, seeds, scores, baselines


def test_a_trainer_that_beats_its_baselines_and_grows_is_informative():
    sizes, seeds, scores, baselines = _verdict_inputs({25: 0.10, 100: 0.15, 400: 0.20}, baseline=0.12)
    verdict = judge(sizes, seeds, scores, baselines, np.array([0, 1, 2]), iterations=100)
    assert verdict.informative is True and verdict.grows
    assert verdict.best_baseline == "typical_response" and verdict.margin_ci_low > 0.05
    assert verdict.reason.startswith("informative: ")


def test_a_trainer_within_noise_of_a_baseline_is_not_informative():
    # It grows, but at its largest n it only ties the typical response.
    sizes, seeds, scores, baselines = _verdict_inputs({25: 0.05, 100: 0.09, 400: 0.12}, baseline=0.12)
    verdict = judge(sizes, seeds, scores, baselines, np.array([0, 1, 2]), iterations=100)
    assert verdict.informative is False and verdict.grows
    assert verdict.margin_ci_low < 0 < verdict.margin_ci_high
    assert verdict.reason.startswith("not informative: does not beat the baselines")


def test_a_flat_curve_above_its_baselines_is_informative_but_does_not_grow():
    sizes, seeds, scores, baselines = _verdict_inputs({25: 0.3, 100: 0.3, 400: 0.3}, baseline=0.1)
    verdict = judge(sizes, seeds, scores, baselines, np.array([0, 1, 2]), iterations=100)
    assert verdict.informative is True and not verdict.grows
    assert verdict.reason.startswith("informative but flat")


def test_without_baselines_the_verdict_is_unknown():
    sizes, seeds, scores, _ = _verdict_inputs({25: 0.1, 100: 0.2, 400: 0.3}, baseline=0.0)
    verdict = judge(sizes, seeds, scores, {}, np.array([], dtype=int), "no baselines for SFT metric 'bleu'", iterations=50)
    assert verdict.informative is None and verdict.grows and "bleu" in verdict.reason


def test_the_plot_draws_baselines_as_lines_and_names_curves_that_are_not_informative():
    from data_assets.curves.report import plot_trainer
    from data_assets.curves.run import Curve

    def curve(variant: str, trainer_at: dict[int, float], baseline: float) -> Curve:
        sizes, seeds, scores, baselines = _verdict_inputs(trainer_at, baseline)
        made = Curve("sft", "novel_rouge_l_f", variant, sizes, seeds, scores, "", baselines=baselines, baseline_seeds=np.array([0, 1, 2]))
        made.verdict = judge(sizes, seeds, scores, baselines, made.baseline_seeds, iterations=50)
        return made

    figure = plot_trainer([curve("curated", {25: 0.1, 100: 0.2, 400: 0.3}, 0.05), curve("narrow", {25: 0.05, 100: 0.06, 400: 0.07}, 0.2)], "sft")
    axis = figure.axes[0]
    flat = {line.get_label(): line for line in axis.get_lines() if len(set(line.get_ydata())) == 1}
    grey = {label.split(":")[0] for label in flat if label.startswith("baseline ")}
    assert grey == {"baseline echo_prompt (curated)", "baseline typical_response (curated)"}  # every baseline of the main curve
    assert "narrow's best baseline typical_response: 0.200" in flat  # its own baseline, in its colour
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert "narrow (NOT informative) (points)" in labels and "curated (points)" in labels
    import matplotlib.pyplot as plt

    plt.close(figure)
