"""Whether a curve says anything: does its trainer beat the trivial baselines, and does it grow with n?

A curve is **informative** when, at its largest n, its trainer beats the best baseline beyond
the bootstrap noise: the 95% interval of (trainer score - best baseline score) lies above 0,
seeds and eval items resampled together (the scheme of the curve fit), the best baseline
re-chosen in every replicate so one that is only sometimes ahead still counts against it.

Separately, a curve **grows with n** when the trainer at its largest n beats itself at its
smallest n, by the same test. An informative curve that does not grow is saturated: its task is
learned by the smallest size measured (or this trainer cannot use more of this data), so its size
answer is "no more than that", and the report says so.
Both comparisons are paired: the same eval items (and, for the gain, the same seeds' nested
subsets), so item difficulty cancels out instead of widening the interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Verdict:
    informative: bool | None
    """None when there are no baselines to compare against."""
    reason: str
    best_baseline: str | None = None
    best_baseline_score: float = float("nan")
    margin: float = float("nan")
    """Trainer score minus best baseline score at the largest n (mean over seeds and items)."""
    margin_ci_low: float = float("nan")
    margin_ci_high: float = float("nan")
    gain: float = float("nan")
    """Trainer score at the largest n minus at the smallest n."""
    gain_ci_low: float = float("nan")
    gain_ci_high: float = float("nan")
    grows: bool = False
    """The gain's interval lies above 0."""


def _rows_by_seed(sizes: np.ndarray, seeds: np.ndarray, n: int, order: np.ndarray) -> np.ndarray:
    rows = []
    for seed in order:
        found = np.flatnonzero((sizes == n) & (seeds == seed))
        if len(found) != 1:
            raise ValueError(f"expected one point at n = {n} for seed {seed}, found {len(found)}")
        rows.append(found[0])
    return np.array(rows)


def judge(
    sizes: np.ndarray,
    seeds: np.ndarray,
    item_scores: np.ndarray,
    baselines: dict[str, np.ndarray],
    baseline_seeds: np.ndarray,
    no_baselines_reason: str = "",
    iterations: int = 200,
    random_seed: int = 0,
    confidence: float = 0.95,
) -> Verdict:
    """`item_scores` has one row per (size, seed) point; each baseline one row per seed in
    `baseline_seeds` order, measured on that seed's largest subset; columns are eval items."""
    sizes, seeds = np.asarray(sizes), np.asarray(seeds)
    largest, smallest = int(sizes.max()), int(sizes.min())
    order = np.asarray(baseline_seeds) if len(baselines) else np.unique(seeds)
    top = item_scores[_rows_by_seed(sizes, seeds, largest, order)]
    bottom = item_scores[_rows_by_seed(sizes, seeds, smallest, order)]
    names = sorted(baselines)
    stacked = np.stack([baselines[name] for name in names]) if names else np.empty((0, *top.shape))

    rng = np.random.default_rng(random_seed)
    items = top.shape[1]
    margins, gains = [], []
    for _ in range(iterations):
        drawn = rng.integers(0, len(order), len(order))
        weights = rng.multinomial(items, np.full(items, 1.0 / items)) / items
        trainer = float(top[drawn].mean(axis=0) @ weights)
        gains.append(trainer - float(bottom[drawn].mean(axis=0) @ weights))
        if names:
            margins.append(trainer - float(np.max(stacked[:, drawn].mean(axis=1) @ weights)))
    tail = (1.0 - confidence) / 2 * 100

    def interval(values: list[float]) -> tuple[float, float]:
        return (float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))) if values else (np.nan, np.nan)

    gain = float(top.mean() - bottom.mean())
    gain_ci = interval(gains)
    grows = largest > smallest and gain_ci[0] > 0
    growth = (f"score change {gain:+.3f} (95% CI {gain_ci[0]:+.3f} to {gain_ci[1]:+.3f}) from n = {smallest:,} to {largest:,}"
              if largest > smallest else f"measured at one size only (n = {largest:,})")
    if not names:
        return Verdict(None, f"{no_baselines_reason or 'no baselines'}; {growth}", gain=gain,
                       gain_ci_low=gain_ci[0], gain_ci_high=gain_ci[1], grows=grows)

    means = {name: float(baselines[name].mean()) for name in names}
    best = max(names, key=lambda name: (means[name], name))
    margin = float(top.mean() - means[best])
    margin_ci = interval(margins)
    beats = margin_ci[0] > 0
    versus = (f"{margin:+.3f} (95% CI {margin_ci[0]:+.3f} to {margin_ci[1]:+.3f}) against the best baseline, "
              f"{best} at {means[best]:.3f}, at n = {largest:,}")
    if not beats:
        reason = f"not informative: does not beat the baselines: {versus}; {growth}"
    elif grows:
        reason = f"informative: {versus}; grows with n: {growth}"
    else:
        reason = f"informative but flat: {versus}; does not grow with n: {growth}"
    return Verdict(beats, reason, best, means[best], margin, margin_ci[0], margin_ci[1], gain, gain_ci[0], gain_ci[1], grows)
