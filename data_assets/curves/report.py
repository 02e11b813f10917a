"""What the curves say: one plot per trainer and the "how many examples" answer in words."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from data_assets.curves.run import Curve  # noqa: E402

_METRIC_LABEL = {"rouge_l_f": "ROUGE-L F on eval references", "pairwise_accuracy": "pairwise accuracy on held-out human pairs"}


def plot_trainer(curves: list[Curve], trainer: str) -> plt.Figure:
    """Every variant's points (one per seed), fitted curve and 95% band, on a log size axis.
    The fitted line is drawn solid over the measured sizes and dashed beyond them."""
    figure, axis = plt.subplots(figsize=(10, 5))
    colors = plt.get_cmap("tab10")
    target = None
    for k, curve in enumerate(c for c in curves if c.trainer == trainer):
        color = colors(k % 10)
        values = curve.item_scores.mean(axis=1)
        jitter = np.exp(np.random.default_rng(k).uniform(-0.03, 0.03, len(curve.sizes)))
        axis.scatter(curve.sizes * jitter, values, s=14, color=color, alpha=0.7, label=f"{curve.variant} (points)")
        if curve.fit is None:
            continue
        f = curve.fit
        target = f.target
        inside = f.band_sizes[f.band_sizes <= f.largest_n]
        beyond = f.band_sizes[f.band_sizes >= f.largest_n]
        axis.plot(inside, f.score_at(inside), color=color, label=f"{curve.variant}: 1 - ({f.a:.2g} n^-{f.b:.2f} + {f.c:.2f})")
        axis.plot(beyond, f.score_at(beyond), color=color, linestyle="--")
        axis.fill_between(f.band_sizes, f.band_low, f.band_high, color=color, alpha=0.15)
    if target is not None:
        axis.axhline(target, color="grey", linestyle=":", label=f"target {target:g}")
    axis.set_xscale("log")
    axis.set_xlabel("training examples (log scale; dashed = extrapolated)")
    metric = next((c.metric for c in curves if c.trainer == trainer), "score")
    axis.set_ylabel(_METRIC_LABEL.get(metric, metric))
    axis.set_title(f"{trainer}: score against training-set size")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never hides points
    figure.tight_layout()
    return figure


def _count(n: float) -> str:
    return "unbounded" if not math.isfinite(n) else f"{n:,.0f}"


def answer(curve: Curve) -> str:
    """One sentence a person can act on, with its uncertainty and how far it extrapolates."""
    head = f"**{curve.trainer} / {curve.variant}**"
    if curve.fit is None:
        return f"{head}: no fit ({curve.status}: {curve.note})."
    f = curve.fit
    measured = float(curve.item_scores[curve.sizes == f.largest_n].mean())
    ceiling = 1.0 - f.c
    share = f"{f.reachable_share:.0%}" if not math.isnan(f.reachable_share) else "n/a"
    if not f.reachable:
        reason = (f"the fitted ceiling is {ceiling:.3f}" if ceiling <= f.target
                  else f"the curve passes it only beyond {f.horizon:,.0g} examples")
        return (f"{head}: {curve.metric} {f.target:g} is **not reachable** with more of this data ({reason}; "
                f"{measured:.3f} measured at n = {f.largest_n:,}); {share} of bootstrap fits reach it at all.")
    factor = f.extrapolation_factor
    if factor <= 1:
        where = f"within the measured range (≤ {f.largest_n:,})"
    elif factor <= 10:
        where = f"**{factor:.1f}× beyond the largest measured size** ({f.largest_n:,}), an extrapolation"
    else:
        where = (f"**{factor:,.0f}× beyond the largest measured size** ({f.largest_n:,}): far outside the data, "
                 f"read it as a direction, not a number")
    return (f"{head}: {curve.metric} {f.target:g} needs about **{_count(f.n_for_target)} examples** "
            f"(95% CI {_count(f.ci_low)} to {_count(f.ci_high)}; reached in {share} of bootstrap fits), {where}. "
            f"Exponent b = {f.b:.2f} (CI {f.b_ci_low:.2f} to {f.b_ci_high:.2f}), ceiling {ceiling:.3f}; "
            f"{measured:.3f} measured at n = {f.largest_n:,}.")


def comparison(curves: list[Curve], trainer: str, variants: tuple[str, ...]) -> str | None:
    """Which variant is ahead at the largest size they share, with the seed spread."""
    chosen = [c for c in curves if c.trainer == trainer and c.variant in variants]
    if len(chosen) < 2:
        return None
    # Grids differ when pools differ in size (raw is larger than curated), so compare at the largest
    # size every curve measured; without one, each at its largest size up to the smallest maximum.
    common = set.intersection(*(set(c.sizes.tolist()) for c in chosen))
    ceiling = min(int(c.sizes.max()) for c in chosen)
    shared = max(common) if common else ceiling
    parts = []
    for c in chosen:
        n = shared if common else int(c.sizes[c.sizes <= ceiling].max())
        at = c.item_scores[c.sizes == n].mean(axis=1)
        parts.append((c.variant if common else f"{c.variant} (n = {n:,})", float(np.mean(at)), float(np.std(at))))
    parts.sort(key=lambda p: -p[1])
    listed = ", ".join(f"{v} {m:.3f} ± {s:.3f}" for v, m, s in parts)
    where = f"at n = {shared:,}" if common else f"each at its largest size up to {ceiling:,}"
    return f"{trainer}, {' vs '.join(variants)} {where}: {listed} (mean ± sd over seeds)."
