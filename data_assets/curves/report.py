"""What the curves say: one plot per trainer and the "how many examples" answer in words."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from data_assets.curves.run import Curve  # noqa: E402

_METRIC_LABEL = {
    "rouge_l_f": "ROUGE-L F on eval references",
    "novel_rouge_l_f": "ROUGE-L F on tokens not in the prompt",
    "pairwise_accuracy": "pairwise accuracy on held-out human pairs",
}
# Grey and in these styles, so no baseline is mistaken for the target (black dots) or a fitted curve.
_BASELINE_STYLES = ["-.", (0, (1, 1)), (0, (5, 2)), (0, (3, 1, 1, 1)), (0, (1, 3))]


def label(curve: Curve) -> str:
    """The variant's name with its verdict, for legends and tables."""
    if curve.informative is None:
        return curve.variant
    return curve.variant if curve.informative else f"{curve.variant} (NOT informative)"


def _main_curve(curves: list[Curve]) -> Curve | None:
    with_baselines = [c for c in curves if c.baselines]
    return next((c for c in with_baselines if c.variant == "curated"), with_baselines[0] if with_baselines else None)


def plot_trainer(curves: list[Curve], trainer: str) -> plt.Figure:
    """Every variant's points (one per seed), fitted curve and 95% band, on a log size axis.
    The fitted line is drawn solid over the measured sizes and dashed beyond them. The main
    variant's baselines are grey horizontal lines; every other variant's best baseline is a thin
    line in its colour (its baselines saw its own subsets). Legends say which curves are not informative."""
    figure, axis = plt.subplots(figsize=(10, 5))
    colors = plt.get_cmap("tab10")
    target = None
    mine = [c for c in curves if c.trainer == trainer]
    main = _main_curve(mine)
    if main is not None:
        for style, (name, scores) in zip(_BASELINE_STYLES * 2, sorted(main.baselines.items())):
            axis.axhline(float(scores.mean()), color="grey", linestyle=style, linewidth=1.2,
                         label=f"baseline {name} ({main.variant}): {scores.mean():.3f}")
    for k, curve in enumerate(mine):
        color = colors(k % 10)
        values = curve.item_scores.mean(axis=1)
        jitter = np.exp(np.random.default_rng(k).uniform(-0.03, 0.03, len(curve.sizes)))
        axis.scatter(curve.sizes * jitter, values, s=14, color=color, alpha=0.7, label=f"{label(curve)} (points)")
        shown = [float(b.mean()) for b in main.baselines.values()] if main is not None else []
        if (curve is not main and curve.verdict is not None and curve.verdict.best_baseline
                and not np.isclose(shown, curve.verdict.best_baseline_score).any()):
            axis.axhline(curve.verdict.best_baseline_score, color=color, linestyle="-.", linewidth=0.8, alpha=0.8,
                         label=f"{curve.variant}'s best baseline {curve.verdict.best_baseline}: {curve.verdict.best_baseline_score:.3f}")
        if curve.fit is None:
            continue
        f = curve.fit
        target = f.target
        inside = f.band_sizes[f.band_sizes <= f.largest_n]
        beyond = f.band_sizes[f.band_sizes >= f.largest_n]
        axis.plot(inside, f.score_at(inside), color=color, label=f"{label(curve)}: 1 - ({f.a:.2g} n^-{f.b:.2f} + {f.c:.2f})")
        axis.plot(beyond, f.score_at(beyond), color=color, linestyle="--")
        axis.fill_between(f.band_sizes, f.band_low, f.band_high, color=color, alpha=0.15)
    if target is not None:
        axis.axhline(target, color="black", linestyle=":", linewidth=1.5, label=f"target {target:g}")
    axis.set_xscale("log")
    axis.set_xlabel("training examples (log scale; dashed = extrapolated)")
    metric = next((c.metric for c in curves if c.trainer == trainer), "score")
    axis.set_ylabel(_METRIC_LABEL.get(metric, metric))
    axis.set_title(f"{trainer}: score against training-set size")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never hides points
    figure.tight_layout()
    return figure


def verdicts(curves: list[Curve]) -> pd.DataFrame:
    """One row per curve: its score at the largest n beside the best baseline, and the verdict."""
    rows = []
    for c in curves:
        v = c.verdict
        largest = int(c.sizes.max())
        row = {"trainer": c.trainer, "variant": c.variant, "largest_n": f"{largest:,}",
               "score": f"{c.item_scores[c.sizes == largest].mean():.3f}"}
        if v is not None and v.best_baseline:
            row |= {"best baseline": f"{v.best_baseline} {v.best_baseline_score:.3f}",
                    "margin (95% CI)": f"{v.margin:+.3f} ({v.margin_ci_low:+.3f} to {v.margin_ci_high:+.3f})"}
        if v is not None:
            row |= {"gain over n (95% CI)": f"{v.gain:+.3f} ({v.gain_ci_low:+.3f} to {v.gain_ci_high:+.3f})",
                    "grows with n": "yes" if v.grows else "no",
                    "informative": {True: "yes", False: "**NO**", None: "n/a"}[v.informative]}
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def _count(n: float) -> str:
    return "unbounded" if not math.isfinite(n) else f"{n:,.0f}"


def answer(curve: Curve) -> str:
    """One sentence a person can act on, with its uncertainty and how far it extrapolates."""
    head = f"**{curve.trainer} / {curve.variant}**"
    if curve.informative is False:
        # Said first: a size answer from a curve that loses to a trivial baseline must not be acted on.
        head += f" (**not informative**: {curve.verdict.reason.removeprefix('not informative: ')}; do not act on the size answer that follows)"
    elif curve.informative and not curve.verdict.grows:
        head += (f" (informative but **flat**: no gain beyond noise from n = {int(curve.sizes.min()):,}, so the task is "
                 f"learned by then or this trainer cannot use more of this data)")
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
