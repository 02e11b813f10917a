"""The data_curves asset end to end, on tables seeded the way the upstream stages leave them."""

from __future__ import annotations

import math
import os
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from data_assets.curves import assets as curves_assets
from data_assets.curves.metrics import prompt_text, response_metric
from data_assets.curves.trainers import RetrievalResponder, register_trainer
from data_assets.warehouse import WarehouseResource
from data_assets.warehouse.sql import table_columns

TOPICS = [
    "turbine", "glacier", "violin", "compiler", "orchard", "volcano", "satellite", "bakery", "harbor", "telescope",
    "vaccine", "marathon", "library", "bridge", "desert", "reef", "piano", "battery", "forest", "museum",
    "tractor", "comet", "printer", "canyon", "garden", "radar", "lighthouse", "subway", "meadow", "robot",
]
TASKS = {
    "explain": ("Explain how the {t} works", "works because"),
    "list": ("List some facts about the {t}", "facts include"),
    "write": ("Write a short poem about the {t}", "poem verse"),
    "summarize": ("Summarize the history of the {t}", "history summary"),
    "classify": ("Classify the {t} as natural or man-made", "category label"),
    "translate": ("Translate the word {t} into French", "french word"),
}
EVAL_PHRASING = {
    "explain": "In simple terms, how does a {t} work?",
    "list": "What are some facts worth knowing about a {t}?",
    "write": "Could you compose verses about a {t}?",
    "summarize": "Give me the history of the {t} in brief",
    "classify": "Is a {t} natural or man-made? Decide",
    "translate": "How do you say {t} in French?",
}


def _topic_words(topic: str) -> list[str]:
    rng = np.random.default_rng(sum(map(ord, topic)))
    return [f"{topic[:3]}{w}" for w in rng.choice(["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "zeta", "eta", "rho"], 8, replace=False)]


def _response(topic: str, task: str, rng: np.random.Generator) -> str:
    words = list(rng.choice(_topic_words(topic), 5, replace=False))
    return f"{TASKS[task][1]} {topic} {' '.join(words)}"


def sft_frames(rng_seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, eval): each topic x task twice in train (human and synthetic origin), eval a third phrasing."""
    rng = np.random.default_rng(rng_seed)
    train, evaluation = [], []
    for topic in TOPICS:
        for task, (template, _) in TASKS.items():
            for copy, origin in enumerate(("human", "synthetic")):
                prefix = "" if copy == 0 else "Please, "
                train.append((f"t-{topic}-{task}-{copy}", origin, prefix + template.format(t=topic), "", _response(topic, task, rng)))
    for topic in TOPICS[::3]:
        for task in TASKS:
            evaluation.append((f"e-{topic}-{task}", "human", EVAL_PHRASING[task].format(t=topic), "", _response(topic, task, rng)))
    columns = ["record_id", "origin", "instruction", "input", "response"]
    return pd.DataFrame(train, columns=columns), pd.DataFrame(evaluation, columns=columns)


def preference_frame(count: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for k in range(count):
        topic = TOPICS[k % len(TOPICS)]
        helpful = f"Here is how the {topic} helps: " + " ".join(rng.choice(_topic_words(topic), 6))
        # Refusals shorter and longer than the helpful reply, so "the longer reply wins" is right only
        # half the time and the model has to learn the words. The long ones stay under 13 words, so
        # the leakage guard's 13-word span rule does not see every pair sharing one as a copy.
        unhelpful = rng.choice(["I cannot say.", "No idea, sorry.", "Ask someone else."] if k % 2 else [
            "Unfortunately, regrettably, I absolutely cannot provide any meaningful information whatsoever regarding that.",
            "Honestly, unfortunately I have absolutely no understanding whatsoever concerning this particular question."])
        rows.append((f"hp-{k}", f"How can a {topic} help me with task {k}?", helpful, unhelpful))
    return pd.DataFrame(rows, columns=["record_id", "prompt", "chosen", "rejected"])


def _default(data_type: str):
    kind = data_type.upper()
    if kind.endswith("[]"):
        return []
    if kind in {"BOOLEAN"}:
        return False
    if kind in {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "DATE"}:
        return pd.Timestamp("2025-01-01")
    if any(t in kind for t in ("INT", "DOUBLE", "FLOAT", "DECIMAL")):
        return 0
    return ""


def seed_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert `frame` into `table`, creating it if its stage's DDL is not there, and filling the
    columns the frame lacks with type defaults (the real DDL may require more columns)."""
    schema, name = table.split(".")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.register("_seed", frame)
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _seed LIMIT 0")
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchall()
    full = frame.copy()
    for column, data_type in columns:
        if column not in full.columns:
            full[column] = [_default(data_type)] * len(full)
    con.register("_seed", full)
    names = ", ".join(f'"{c}"' for c, _ in columns)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _seed")
    con.unregister("_seed")


PLANTED_COPY = "planted-eval-copy"
PLANTED_LISTED = "planted-listed-contamination"


def seed_warehouse(warehouse: WarehouseResource, *, with_eval: bool = True, with_preferences: bool = True,
                   with_judged: bool = True, with_synthetic: bool = True, with_raw: bool = True, human_only: bool = False) -> dict:
    train, evaluation = sft_frames()
    if human_only:
        train = train.assign(origin="human")
    planted = evaluation.iloc[[0]].assign(record_id=PLANTED_COPY, origin="human")
    listed = evaluation.iloc[[1]].assign(record_id=PLANTED_LISTED, origin="human",
                                         instruction=lambda f: f["instruction"] + " (reworded)")
    documents = pd.concat([train.assign(role="train"), planted.assign(role="train"), listed.assign(role="train")]
                          + ([evaluation.assign(role="eval")] if with_eval else []), ignore_index=True)
    documents = documents.assign(source="sample", license="CC0")
    with warehouse.connect() as con:
        seed_table(con, "dedup.documents", documents)
        seed_table(con, "dedup.contamination", pd.DataFrame({
            "record_id": [PLANTED_LISTED], "eval_record_id": [evaluation["record_id"].iloc[1]], "method": ["ngram"], "similarity": [0.9],
        }))
        if with_raw:
            duplicates = train.iloc[:40].assign(record_id=lambda f: "dup-" + f["record_id"])
            raw = pd.concat([documents[documents["role"] == "train"], duplicates.assign(role="train", source="sample", license="CC0")],
                            ignore_index=True)
            seed_table(con, "raw.documents", raw.assign(source_uri="sample.jsonl", source_row=range(len(raw))))
        if with_synthetic:
            rng = np.random.default_rng(5)
            synthetic = pd.DataFrame([
                (f"s-{topic}-{task}", f"Tell me about the {topic} ({task})", "", _response(topic, task, rng), task, "general", True)
                for topic in TOPICS[1::2] for task in TASKS
            ], columns=["record_id", "instruction", "input", "response", "task_type", "domain", "verified"])
            seed_table(con, "synth.pairs", synthetic)
        if with_preferences:
            seed_table(con, "raw.preferences", preference_frame().assign(origin="human", role="preference", source="hh"))
        if with_judged:
            prompts = train.iloc[:60]
            responses = pd.concat([
                pd.DataFrame({"response_id": prompts["record_id"], "prompt_id": prompts["record_id"], "text": prompts["response"], "origin": "existing"}),
                pd.DataFrame({"response_id": "deg-" + prompts["record_id"], "prompt_id": prompts["record_id"],
                              "text": prompts["response"].str.split().str[:3].str.join(" "), "origin": "degraded"}),
            ], ignore_index=True)
            seed_table(con, "prefs.responses", responses)
            seed_table(con, "prefs.pairs", pd.DataFrame({
                "pair_id": "pair-" + prompts["record_id"], "source": "sft", "prompt_id": prompts["record_id"],
                "prompt": prompts["instruction"], "response_a_id": prompts["record_id"], "response_b_id": "deg-" + prompts["record_id"],
                "verdict": "a", "chosen_id": prompts["record_id"], "rejected_id": "deg-" + prompts["record_id"],
            }))
    return {"train": train, "eval": evaluation}


FAST = {"bootstrap": 30, "seeds": [0, 1, 2], "sizes": 6}


def _materialize(warehouse: WarehouseResource, config: dict | None = None) -> dg.AssetMaterialization:
    result = dg.materialize(
        [*curves_assets.ASSETS, *curves_assets.CHECKS],
        resources={"warehouse": warehouse},
        run_config={"ops": {"data_curves": {"config": {**FAST, **(config or {})}}}},
    )
    assert result.success
    return result.asset_materializations_for_node("data_curves")[0]


def test_data_curves_materializes_every_variant(warehouse: WarehouseResource):
    # Its speed is measured by `make bench` (benchmarks/curves.py), not asserted here: the machine is shared.
    seed_warehouse(warehouse)
    materialization = _materialize(warehouse)
    with warehouse.connect() as con:
        points = con.execute("SELECT * FROM curves.points").df()
        fits = con.execute("SELECT * FROM curves.fits").df()
    fitted = fits[fits["status"] == "fitted"]
    assert set(fitted[fitted["trainer"] == "sft"]["variant"]) == {"curated", "raw", "human", "synthetic", "mixed", "diverse", "narrow"}
    assert set(fitted[fitted["trainer"] == "reward"]["variant"]) == {"curated", "human", "synthetic", "mixed"}
    assert set(fits[fits["status"] == "skipped"]["variant"]) == {"raw", "diverse", "narrow"}  # not questions for preferences
    curated = points[(points["trainer"] == "sft") & (points["variant"] == "curated")]
    assert curated["n"].nunique() >= 6 and curated["n"].min() == 25 and curated["seed"].nunique() == 3
    # Raw is measured at every curated size (plus its own full size): the curves meet at equal n.
    raw_sizes = set(points[(points["trainer"] == "sft") & (points["variant"] == "raw")]["n"])
    assert set(curated["n"]) <= raw_sizes and max(raw_sizes) > curated["n"].max()
    assert f"curated vs raw at n = {curated['n'].max():,}" in materialization.metadata["comparisons"].value
    # The task is learnable: the biggest subsets beat the smallest.
    by_size = curated.groupby("n")["value"].mean()
    assert by_size.iloc[-1] > by_size.iloc[0] + 0.1
    reward = points[(points["trainer"] == "reward") & (points["variant"] == "human")].groupby("n")["value"].mean()
    assert reward.iloc[-1] > 0.8
    metadata = materialization.metadata
    # The fixture's task is learnable within its 360 records: the default target is reached inside the data.
    assert "**sft / curated**: novel_rouge_l_f 0.1 needs about" in metadata["how_many_examples"].value
    assert "within the measured range (≤ 360)" in metadata["how_many_examples"].value.split("**sft / raw**")[0]
    assert metadata["plot_sft"].value.startswith("![")
    reports = Path(os.environ["DATA_ASSETS_REPORTS"])
    assert (reports / "curves_sft.png").stat().st_size > 1000 and (reports / "curves_reward.png").is_file()
    removed = metadata["leakage_removed_before_training"].value
    assert "dedup_contamination" in removed and "same_prompt_as_eval" in removed


def test_rerun_replaces_rows_with_identical_values(warehouse: WarehouseResource):
    seed_warehouse(warehouse, with_judged=False, with_raw=False)
    config = {"variants": ["curated", "diverse", "narrow"]}
    _materialize(warehouse, config)
    with warehouse.connect() as con:
        first = con.execute("SELECT variant, trainer, n, seed, metric, value FROM curves.points ORDER BY ALL").df()
        first_fits = con.execute("SELECT variant, trainer, a, b, c, n_for_target, ci_low, ci_high FROM curves.fits ORDER BY ALL").df()
    _materialize(warehouse, config)
    with warehouse.connect() as con:
        second = con.execute("SELECT variant, trainer, n, seed, metric, value FROM curves.points ORDER BY ALL").df()
        second_fits = con.execute("SELECT variant, trainer, a, b, c, n_for_target, ci_low, ci_high FROM curves.fits ORDER BY ALL").df()
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first_fits, second_fits)


def test_a_perfect_score_is_answered_as_not_reachable(warehouse: WarehouseResource):
    # The floor c is never below 0, so an error of 0 is never reached: the one answer is "not reachable".
    seed_warehouse(warehouse, with_judged=False, with_raw=False, with_preferences=False)
    materialization = _materialize(warehouse, {"variants": ["curated"], "targets": {"sft": 1.0}})
    answer = materialization.metadata["how_many_examples"].value
    assert answer.startswith("**sft / curated**: novel_rouge_l_f 1 is **not reachable** with more of this data")
    with warehouse.connect() as con:
        n_for_target = con.execute("SELECT n_for_target FROM curves.fits WHERE trainer = 'sft' AND variant = 'curated'").fetchone()[0]
    assert math.isinf(n_for_target)


class _EchoTrainer:
    """A "trainer" that learns nothing: it answers every item with its own prompt."""

    name = "echo"
    metric = "novel_rouge_l_f"
    data = "sft"

    def fit_and_score(self, train, evaluation, seed):
        return response_metric(self.metric).score(prompt_text(evaluation), evaluation)


def test_curves_are_judged_against_baselines_measured_the_same_way(warehouse: WarehouseResource):
    seed_warehouse(warehouse, with_judged=False, with_raw=False, with_preferences=False)
    register_trainer("echo", _EchoTrainer)
    materialization = _materialize(warehouse, {"trainers": ["sft", "echo"], "variants": ["curated", "diverse", "narrow"]})
    with warehouse.connect() as con:
        fits = con.execute("SELECT * FROM curves.fits WHERE status = 'fitted'").df().set_index(["trainer", "variant"])
        baselines = con.execute("SELECT * FROM curves.baselines").df()
        points = con.execute("SELECT * FROM curves.points").df()
    # Four baselines x three seeds per fitted curve, on each seed's largest subset, in the trainer's metric.
    assert len(baselines) == 4 * 3 * len(fits)
    assert set(baselines["baseline"]) == {"echo_prompt", "most_frequent_response", "random_response", "typical_response"}
    assert set(baselines["metric"]) == {"novel_rouge_l_f"}
    largest = points.groupby(["trainer", "variant"])["n"].max()
    assert (baselines.set_index(["trainer", "variant"])["n"] == largest.reindex(baselines.set_index(["trainer", "variant"]).index)).all()
    # The consensus responder learns the fixture's topics; the echo learns nothing and is labelled so.
    assert fits.loc[("sft", "curated"), "informative"] == True  # noqa: E712  (a numpy bool, never NULL here)
    assert fits.loc[("sft", "curated"), "margin_ci_low"] > 0 and fits.loc[("sft", "curated"), "grows_with_n"]
    assert not fits.loc[("echo", "curated"), "informative"] and not fits.loc[("echo", "curated"), "grows_with_n"]
    assert fits.loc[("echo", "curated"), "best_baseline"] != "echo_prompt"  # ties with the echo never count as beating it
    assert fits.loc[("echo", "curated"), "informative_reason"].startswith("not informative: does not beat the baselines")
    metadata = materialization.metadata
    assert "- echo / curated: not informative" in metadata["not_informative"].value
    assert "- sft /" not in metadata["not_informative"].value
    assert "**echo / curated** (**not informative**" in metadata["how_many_examples"].value


def test_a_warehouse_from_before_the_informative_columns_is_upgraded(warehouse: WarehouseResource):
    # curves.fits as it was: every column up to run_id, none of the verdict's.
    columns = [c for c in table_columns("curves.fits")]
    old = columns[:[name for name, *_ in columns].index("run_id") + 1]
    with duckdb.connect(warehouse.database) as con:
        con.execute("CREATE SCHEMA curves")
        con.execute(f"CREATE TABLE curves.fits ({', '.join(f'{n} {t}' + (' NOT NULL' if r else '') for n, t, r, _ in old)})")
        con.execute("INSERT INTO curves.fits (variant, trainer, status, run_id) VALUES ('curated', 'sft', 'fitted', 'old')")
    seed_warehouse(warehouse, with_judged=False, with_raw=False, with_preferences=False)
    _materialize(warehouse, {"variants": ["curated"]})
    with warehouse.connect() as con:
        rows = con.execute("SELECT run_id, informative FROM curves.fits WHERE trainer = 'sft'").fetchall()
    assert len(rows) == 1 and rows[0][0] != "old" and rows[0][1] is True


class _SpyResponder(RetrievalResponder):
    """The built-in SFT proxy, recording every training subset it is handed."""

    name = "spy"
    seen: list[pd.DataFrame] = []

    def fit_and_score(self, train, evaluation, seed):
        type(self).seen.append(train.copy())
        return super().fit_and_score(train, evaluation, seed)


def test_planted_eval_items_are_removed_before_training(warehouse: WarehouseResource):
    data = seed_warehouse(warehouse, with_judged=False, with_preferences=False)
    _SpyResponder.seen = []
    register_trainer("spy", _SpyResponder)
    _materialize(warehouse, {"trainers": ["spy"], "variants": ["curated", "raw"], "bootstrap": 5})
    assert _SpyResponder.seen
    eval_prompts = set(data["eval"]["instruction"])
    for train in _SpyResponder.seen:
        assert PLANTED_COPY not in set(train["record_id"])
        assert PLANTED_LISTED not in set(train["record_id"])
        assert not set(train["instruction"]) & eval_prompts
    # Without the guard they would have been there: both sit in the curated and raw train pools.
    with warehouse.connect() as con:
        pools = con.execute(
            "SELECT count(*) FROM dedup.documents WHERE role = 'train' AND record_id IN (?, ?)", [PLANTED_COPY, PLANTED_LISTED]
        ).fetchone()[0]
    assert pools == 2
    curated_only = [len(t) for t in _SpyResponder.seen if not t["record_id"].str.startswith("dup-").any()]
    assert max(curated_only) == len(data["train"])  # everything but the planted items was trained on


def test_only_train_data_holds_out_eval_and_skips_the_rest_with_reasons(warehouse: WarehouseResource):
    seed_warehouse(warehouse, with_eval=False, with_preferences=False, with_judged=False, with_synthetic=False, with_raw=False,
                   human_only=True)
    materialization = _materialize(warehouse)
    with warehouse.connect() as con:
        fits = con.execute("SELECT trainer, variant, status, note FROM curves.fits").df()
    skipped = fits[fits["status"] == "skipped"].set_index(["trainer", "variant"])["note"]
    assert "no human-labeled preference pairs" in skipped[("reward", "curated")]
    assert "raw.documents has no train records" in skipped[("sft", "raw")]
    assert "synthetic" in skipped[("sft", "synthetic")]
    assert set(fits[fits["status"] == "fitted"]["variant"]) == {"curated", "diverse", "narrow"}
    assert "held-out" in materialization.metadata["sft_eval_set"].value
    assert "skipped" in materialization.metadata


def test_definitions_load_with_the_curves_asset():
    from data_assets.definitions import defs

    spec = defs.resolve_assets_def("data_curves")
    deps = {key.to_user_string() for key in spec.asset_deps[dg.AssetKey("data_curves")]}
    assert deps == {"dedup_documents", "semantic_dedup", "topic_clusters", "raw_documents", "synthetic_pairs",
                    "preference_pairs", "raw_preferences"}
