"""The report page's plots, drawn from the run's tables, each returned as PNG bytes.

A plot with nothing to show still renders, saying so: a broken image would look like a bug.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from data_assets.publish.facts import RunFacts  # noqa: E402

TEXT_FIELDS = ("instruction", "input", "response")


def all_plots(facts: RunFacts) -> dict[str, tuple[str, bytes]]:
    """name -> (caption, PNG) for every plot of the page, in page order."""
    plots = {
        "profiles": ("Approximate tokens per field, raw vs curated (p50 bars, p90 whiskers)", profiles(facts)),
        "drops": ("Rows dropped, rejected or held back, by stage and reason", drops(facts)),
        "clusters": ("Duplicate clusters by size", cluster_sizes(facts)),
        "bias": ("Judge figures of the latest run", bias(facts)),
    }
    for trainer in sorted(set(facts.points["trainer"])) or ["curves"]:
        plots[f"curves_{trainer}"] = (f"{trainer}: score against training-set size, with the fitted curve", curves(facts, trainer))
    return plots


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _empty(title: str, why: str) -> bytes:
    figure, axis = plt.subplots(figsize=(6, 2))
    axis.text(0.5, 0.5, why, ha="center", va="center")
    axis.set_axis_off()
    axis.set_title(title)
    return png(figure)


def profiles(facts: RunFacts) -> bytes:
    stats = facts.profile
    if stats.empty:
        return _empty("profiles", "no profile snapshot yet")
    figure, axis = plt.subplots(figsize=(8, 3.5))
    datasets = sorted(set(stats["dataset"]))
    width = 0.8 / len(datasets)
    for k, dataset in enumerate(datasets):
        mine = stats[stats["dataset"] == dataset]
        value = lambda f, s: float(mine[(mine.field == f) & (mine.statistic == s)]["value"].sum())  # noqa: E731
        p50 = [value(f, "tokens_p50") for f in TEXT_FIELDS]
        p90 = [value(f, "tokens_p90") for f in TEXT_FIELDS]
        x = np.arange(len(TEXT_FIELDS)) + k * width
        axis.bar(x, p50, width, label=f"{dataset} p50")
        axis.errorbar(x, p50, yerr=[np.zeros(len(p50)), np.subtract(p90, p50)], fmt="none", ecolor="black", capsize=3)
    axis.set_xticks(np.arange(len(TEXT_FIELDS)) + width * (len(datasets) - 1) / 2, TEXT_FIELDS)
    axis.set_ylabel("approx. tokens")
    axis.legend()
    return png(figure)


def drops(facts: RunFacts) -> bytes:
    if facts.drops.empty:
        return _empty("drops by reason", "nothing was dropped")
    frame = facts.drops.sort_values("rows")
    figure, axis = plt.subplots(figsize=(9, 0.3 * len(frame) + 1.2))
    axis.barh([f"{s}: {r}"[:70] for s, r in zip(frame["stage"], frame["reason"])], frame["rows"], color="#c44e52")
    axis.set_xlabel("rows (each kept in its stage's table, with its reason)")
    return png(figure)


def cluster_sizes(facts: RunFacts) -> bytes:
    sizes = facts.cluster_sizes
    if sizes.empty:
        return _empty("duplicate clusters", "no duplicate clusters")
    figure, axis = plt.subplots(figsize=(7, 3))
    for method, group in sizes.groupby("method"):
        axis.bar(group["cluster_size"].astype(str) + f" ({method})", group["clusters"], label=method)
    axis.set_xlabel("records in the cluster (method)")
    axis.set_ylabel("clusters")
    axis.legend()
    return png(figure)


def bias(facts: RunFacts) -> bytes:
    if not facts.bias:
        return _empty("judge", "no preference pairs were judged")
    circular = {"consistency_rate", "degraded_loses_rate"} if facts.offline_judge else set()
    names = ["consistency_rate", "first_position_win_rate", "longer_response_win_rate",
             "human_agreement_excluding_ties", "degraded_loses_rate"]
    values = [facts.bias.get(n) for n in names]
    labels = [n.replace("_", " ") + ("\n(self-consistency)" if n in circular else "") for n in names]
    figure, axis = plt.subplots(figsize=(9, 3.2))
    axis.bar(labels, [0 if v is None else v for v in values],
             color=["#999999" if n in circular else "#4c72b0" for n in names])
    axis.axhline(0.5, color="grey", linestyle=":")
    axis.set_ylim(0, 1.05)
    axis.tick_params(axis="x", labelsize=7)
    axis.set_title(f"judge {facts.bias.get('judge_model')} (grey: self-consistency checks, not accuracy)")
    return png(figure)


def curves(facts: RunFacts, trainer: str) -> bytes:
    points = facts.points[facts.points["trainer"] == trainer]
    if points.empty:
        return _empty("curves", "no curves were measured")
    fits = facts.fits[facts.fits["trainer"] == trainer].set_index("variant") if len(facts.fits) else pd.DataFrame()
    figure, axis = plt.subplots(figsize=(9, 4))
    colors = plt.get_cmap("tab10")
    for k, (variant, group) in enumerate(points.groupby("variant")):
        label = variant
        if variant in fits.index and "informative" in fits.columns and fits.loc[variant, "informative"] is not None:
            label += "" if bool(fits.loc[variant, "informative"]) else " (not informative)"
        axis.scatter(group["n"], group["value"], color=colors(k % 10), s=14, label=label)
        if variant in fits.index and fits.loc[variant, "status"] == "fitted":
            a, b, c = (float(fits.loc[variant, key]) for key in ("a", "b", "c"))
            n = np.geomspace(max(1, group["n"].min()), group["n"].max(), 50)
            axis.plot(n, 1 - (a * n ** -b + c), color=colors(k % 10))
    axis.set_xscale("log")
    axis.set_xlabel("training examples (log scale)")
    axis.set_ylabel(str(points["metric"].iloc[0]))
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return png(figure)
