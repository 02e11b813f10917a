"""Trivial baselines, measured the way the trainer is: same eval items, same metric, same subsets.

A curve only says something about data when its trainer beats answers that need no learning.
Each baseline scores every eval item given a training subset and a seed, like a trainer:

SFT (scored with the trainer's own response metric, `metrics.response_metric(trainer.metric)`):
- `echo_prompt`: the instruction and input, copied back as the answer;
- `most_frequent_response`: the subset's most frequent response (normalized text; ties go to
  the smallest record id), the same answer for every item;
- `random_response`: for each item a training response drawn at random (seeded by the seed);
- `typical_response`: the subset's most generic response, the one whose word-count vector is
  closest (cosine) to the subset's mean: a stronger constant answer than the most frequent one
  when every response is unique, and the answer a retrieval model drifts to when it learns nothing.

Preference (pairwise accuracy; a tie scores 0.5 as it does for the trainer):
- `always_longer`, `always_shorter`: the reply with more (fewer) characters wins;
- `chance`: every pair a coin flip, scored at its expected value 0.5.

A trainer whose metric none of these know (a `CommandTrainer` reporting its own score) gets no
baselines, and its curves are neither informative nor not: the report says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from data_assets.curves.metrics import RESPONSE_METRICS, ResponseMetric, prompt_text, response_metric
from data_assets.text.rouge import tokens
from data_assets.curves.subsets import seeded_rng
from data_assets.curves.trainers import Trainer


@dataclass(frozen=True)
class Baseline:
    name: str
    score: Callable[[pd.DataFrame, pd.DataFrame, int], np.ndarray]
    """(train, evaluation, seed) -> one score in [0, 1] per row of evaluation."""


def echo_prompt(train: pd.DataFrame, evaluation: pd.DataFrame, seed: int) -> list[str]:
    return prompt_text(evaluation)


def most_frequent_response(train: pd.DataFrame, evaluation: pd.DataFrame, seed: int) -> list[str]:
    ordered = train.sort_values("record_id", kind="stable")
    keys = [" ".join(tokens(r)) for r in ordered["response"]]
    counts = Counter(keys)
    top = max(counts.values())
    # The first key (in record-id order) reaching the top count: ties never depend on the seed's ordering.
    winner = next(k for k, key in enumerate(keys) if counts[key] == top)
    return [ordered["response"].iloc[winner]] * len(evaluation)


def random_response(train: pd.DataFrame, evaluation: pd.DataFrame, seed: int) -> list[str]:
    picks = seeded_rng(seed, "random_response").integers(0, len(train), len(evaluation))
    responses = train["response"].tolist()
    return [responses[k] for k in picks]


def typical_response(train: pd.DataFrame, evaluation: pd.DataFrame, seed: int) -> list[str]:
    try:
        counts = CountVectorizer(lowercase=True, token_pattern=r"[a-z0-9]+").fit_transform(train["response"])
    except ValueError:  # no response has a word: any of them is as typical as another
        return [train["response"].iloc[0]] * len(evaluation)
    rows = l2_normalize(counts)
    centroid = np.asarray(rows.mean(axis=0)).ravel()
    closeness = np.asarray(rows @ centroid).ravel()
    return [train["response"].iloc[int(np.argmax(closeness))]] * len(evaluation)


SFT_RESPONDERS = {
    "echo_prompt": echo_prompt,
    "most_frequent_response": most_frequent_response,
    "random_response": random_response,
    "typical_response": typical_response,
}


def _longer_wins(evaluation: pd.DataFrame) -> np.ndarray:
    chosen = evaluation["chosen"].str.len().to_numpy()
    rejected = evaluation["rejected"].str.len().to_numpy()
    return np.where(chosen > rejected, 1.0, np.where(chosen < rejected, 0.0, 0.5))


PREFERENCE_BASELINES = [
    Baseline("always_longer", lambda train, evaluation, seed: _longer_wins(evaluation)),
    Baseline("always_shorter", lambda train, evaluation, seed: 1.0 - _longer_wins(evaluation)),
    Baseline("chance", lambda train, evaluation, seed: np.full(len(evaluation), 0.5)),
]


def _scored(name: str, respond, metric: ResponseMetric) -> Baseline:
    return Baseline(name, lambda train, evaluation, seed: metric.score(respond(train, evaluation, seed), evaluation))


def baselines_for(trainer: Trainer) -> tuple[list[Baseline], str]:
    """The baselines that apply to `trainer`, or none and why."""
    if trainer.data == "preference":
        if trainer.metric == "pairwise_accuracy":
            return PREFERENCE_BASELINES, ""
        return [], f"no baselines for preference metric {trainer.metric!r} (known: pairwise_accuracy)"
    if trainer.metric in RESPONSE_METRICS:
        metric = response_metric(trainer.metric)
        return [_scored(name, respond, metric) for name, respond in SFT_RESPONDERS.items()], ""
    return [], f"no baselines for SFT metric {trainer.metric!r} (known: {', '.join(sorted(RESPONSE_METRICS))})"
