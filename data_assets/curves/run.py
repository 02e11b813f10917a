"""Planning the variants, training on every subset, and fitting each curve.

Variants are the data-centric questions, each answered by comparing curves:
- `curated` (every trainer): everything the pipeline hands to training; the main curve and the
  one the "how many examples" answer is about.
- `raw` (SFT): raw train records instead of the curated ones: what compliance and dedup bought.
- `human`, `synthetic`, `mixed` (both): one origin only, or half and half, on the same sizes
  (the grid stops at the smaller pool, so every size exists for all three).
- `diverse`, `narrow` (SFT): the same sizes drawn across all task types (balanced) or from the
  few most common ones; the eval set covers every type, so this asks whether breadth helps.
A variant whose data is missing or too small is skipped with the reason, never silently.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_assets.common.progress import Progress
from data_assets.curves.baselines import baselines_for
from data_assets.curves.data import CurveInputs, LeakageGuard
from data_assets.curves.fit import DEFAULT_HORIZON, CurveFit, fit_curve
from data_assets.curves.informative import Verdict, judge
from data_assets.curves.subsets import balanced, mixed, shuffled, size_grid
from data_assets.curves.trainers import Trainer
from data_assets.text.taxonomy import coarse_task_type

VARIANTS = ("curated", "raw", "human", "synthetic", "mixed", "diverse", "narrow")
QUESTION = {
    "curated": "main curve", "raw": "curated vs raw", "human": "human vs synthetic vs mixed",
    "synthetic": "human vs synthetic vs mixed", "mixed": "human vs synthetic vs mixed",
    "diverse": "diverse vs narrow", "narrow": "diverse vs narrow",
}
MIN_POOL = 8
MIN_SIZES_TO_FIT = 4
TRAIN_COLUMNS = {"sft": ["record_id", "instruction", "input", "response"], "preference": ["record_id", "prompt", "chosen", "rejected"]}


@dataclass(frozen=True)
class CurveSettings:
    seeds: tuple[int, ...] = (0, 1, 2)
    sizes: int = 8
    smallest: int = 25
    max_train_size: int = 20_000
    variants: tuple[str, ...] = VARIANTS
    narrow_task_types: int = 2
    bootstrap: int = 200
    horizon: float = DEFAULT_HORIZON
    targets: dict[str, float] = field(default_factory=lambda: {"sft": 0.1, "reward": 0.65})
    default_target: float = 0.5


@dataclass
class CurvePlan:
    variant: str
    orderings: dict[int, pd.DataFrame]
    sizes: list[int]
    detail: str


@dataclass
class Skip:
    variant: str
    reason: str


@dataclass
class Curve:
    trainer: str
    metric: str
    variant: str
    sizes: np.ndarray
    seeds: np.ndarray
    item_scores: np.ndarray
    detail: str
    fit: CurveFit | None = None
    status: str = "fitted"
    note: str = ""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """Processor time of the trainings: on a shared machine a fairer speed figure than wall time."""
    baselines: dict[str, np.ndarray] = field(default_factory=dict)
    """Per baseline, one row of item scores per seed (in `baseline_seeds` order), on that seed's largest subset."""
    baseline_seeds: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))
    no_baselines_reason: str = ""
    verdict: Verdict | None = None

    @property
    def informative(self) -> bool | None:
        return self.verdict.informative if self.verdict else None


@dataclass
class CurvesResult:
    curves: list[Curve]
    skipped: dict[str, list[Skip]]
    leakage_removed: dict[str, Counter]
    eval_items: dict[str, int]
    notes: list[str]


def _ordered(pool: pd.DataFrame, seeds: Sequence[int], variant: str) -> dict[int, pd.DataFrame]:
    return {s: shuffled(pool, s, variant) for s in seeds}


def _grid(full: int, settings: CurveSettings) -> list[int]:
    return size_grid(min(full, settings.max_train_size), settings.sizes, settings.smallest)


def _cleaner(guard: LeakageGuard, kind: str, removed: Counter):
    """`clean(frame, label)`: the frame without what leaks into the eval set, counting each
    removal in `removed` under `label: reason`."""

    def clean(frame: pd.DataFrame, label: str) -> pd.DataFrame:
        kept, why = guard.clean(frame, kind)
        for reason, count in why.items():
            removed[f"{label}: {reason}"] += count
        return kept

    return clean


def _add_origin_variants(variants: list[str], human: pd.DataFrame, synthetic: pd.DataFrame, seeds, add, skips: list[Skip],
                         missing: str, available: str) -> None:
    """The human / synthetic / mixed curves of SFT and preference data alike: drawn at equal sizes
    (the smaller pool's), so they compare where the data came from, not how much of it there is.
    `missing` is the skip reason when either pool is below MIN_POOL; `available` ends the detail."""
    equal = min(len(human), len(synthetic))
    if equal < MIN_POOL:
        for v in variants:
            skips.append(Skip(v, missing))
        return
    detail = f"equal sizes up to {equal}: {available}"
    pools = {"human": lambda s: shuffled(human, s, "human"), "synthetic": lambda s: shuffled(synthetic, s, "synthetic"),
             "mixed": lambda s: mixed(human, synthetic, s, "mixed")}
    for v in variants:
        add(v, equal, {s: pools[v](s) for s in seeds}, detail)


def plan_sft(inputs: CurveInputs, settings: CurveSettings) -> tuple[list[CurvePlan], list[Skip], Counter]:
    plans: list[CurvePlan] = []
    skips: list[Skip] = []
    removed: Counter = Counter()
    wanted = set(settings.variants)
    if inputs.sft_eval.empty:
        return [], [Skip(v, "no SFT eval set (no eval-role or train records in dedup.documents)") for v in VARIANTS if v in wanted], removed
    guard = LeakageGuard.for_sft(inputs.sft_eval, inputs.contaminated_ids)

    clean = _cleaner(guard, "sft", removed)

    curated = clean(inputs.curated, "curated")
    seeds = settings.seeds

    def add(variant: str, full: int, orderings: dict[int, pd.DataFrame], detail: str, sizes: list[int] | None = None) -> None:
        sizes = sizes or _grid(full, settings)
        if full < MIN_POOL or not sizes:
            skips.append(Skip(variant, f"only {full} training records (needs {MIN_POOL})"))
        else:
            plans.append(CurvePlan(variant, orderings, sizes, detail))

    if "curated" in wanted:
        add("curated", len(curated), _ordered(curated, seeds, "curated"), f"{len(curated)} curated train records")
    if "raw" in wanted:
        if inputs.raw.empty:
            skips.append(Skip("raw", "raw.documents has no train records"))
        else:
            raw = clean(inputs.raw, "raw")
            # Raw is measured at the curated grid's sizes (plus its own full size), so the two
            # curves meet at equal n: what compliance and dedup bought per example, not per pool.
            shared = [n for n in _grid(len(curated), settings) if n <= len(raw)] if len(curated) >= MIN_POOL else []
            sizes = sorted({*shared, min(len(raw), settings.max_train_size)}) if shared else None
            add("raw", len(raw), _ordered(raw, seeds, "raw"), f"{len(raw)} raw train records (decontaminated, nothing else)", sizes)

    origin_variants = [v for v in ("human", "synthetic", "mixed") if v in wanted]
    if origin_variants:
        human = curated[curated["origin"] == "human"]
        synthetic = pd.concat([curated[curated["origin"] == "synthetic"], clean(inputs.synthetic_pairs, "synthetic")], ignore_index=True)
        synthetic = synthetic.drop_duplicates("record_id").sort_values("record_id", kind="stable").reset_index(drop=True)
        _add_origin_variants(
            origin_variants, human, synthetic, seeds, add, skips,
            missing=f"needs human and synthetic training records: {len(human)} human, {len(synthetic)} synthetic "
                    f"(curated synthetic-origin records plus verified synth.pairs)",
            available=f"{len(human)} human, {len(synthetic)} synthetic available")

    diversity_variants = [v for v in ("diverse", "narrow") if v in wanted]
    if diversity_variants:
        # Topic clusters of the task embeddings when the semantic layer ran, else task types by rule.
        by_topic = "topic" in curated and len(curated) > 0 and curated["topic"].notna().all()
        unit = "topics" if by_topic else "task types"
        labels = curated["topic"].tolist() if by_topic else [coarse_task_type(i) for i in curated["instruction"]]
        counts = Counter(labels)
        few = [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: settings.narrow_task_types]]
        narrow_pool = curated[[label in few for label in labels]].reset_index(drop=True)
        if len(counts) <= settings.narrow_task_types:
            for v in diversity_variants:
                skips.append(Skip(v, f"only {len(counts)} {unit} in the curated set; narrow would equal diverse"))
        else:
            equal = len(narrow_pool)
            detail = (f"equal sizes up to {equal}: narrow = {', '.join(few)}; diverse = balanced over {len(counts)} {unit} "
                      f"({', '.join(f'{k} {v}' for k, v in counts.most_common())})")
            for v in diversity_variants:
                orderings = ({s: balanced(curated, labels, s, "diverse") for s in seeds} if v == "diverse"
                             else _ordered(narrow_pool, seeds, "narrow"))
                add(v, equal, orderings, detail)
    return plans, skips, removed


def plan_preferences(inputs: CurveInputs, settings: CurveSettings) -> tuple[list[CurvePlan], list[Skip], Counter]:
    plans: list[CurvePlan] = []
    skips: list[Skip] = []
    removed: Counter = Counter()
    wanted = [v for v in ("curated", "human", "synthetic", "mixed") if v in settings.variants]
    not_applicable = [Skip(v, "not a question for preference data") for v in settings.variants if v in ("raw", "diverse", "narrow")]
    if inputs.preference_eval.empty:
        return [], [Skip(v, "no human-labeled preference pairs to evaluate on (raw.preferences is empty)") for v in wanted] + not_applicable, removed
    guard = LeakageGuard.for_preferences(inputs.preference_eval, inputs.contaminated_ids)

    clean = _cleaner(guard, "preference", removed)

    human = clean(inputs.human_pairs, "human pairs")
    judged = clean(inputs.judged_pairs, "AI-judged pairs")
    seeds = settings.seeds

    def add(variant: str, full: int, orderings: dict[int, pd.DataFrame], detail: str) -> None:
        sizes = _grid(full, settings)
        if full < MIN_POOL or not sizes:
            skips.append(Skip(variant, f"only {full} training pairs (needs {MIN_POOL})"))
        else:
            plans.append(CurvePlan(variant, orderings, sizes, detail))

    if "curated" in wanted:
        pool = pd.concat([human, judged], ignore_index=True).sort_values("record_id", kind="stable").reset_index(drop=True)
        add("curated", len(pool), _ordered(pool, seeds, "curated"), f"{len(human)} human + {len(judged)} AI-judged pairs")
    origin = [v for v in wanted if v != "curated"]
    if origin:
        _add_origin_variants(
            origin, human, judged, seeds, add, skips,
            missing=f"needs human and AI-judged training pairs: {len(human)} human, {len(judged)} AI-judged",
            available=f"{len(human)} human, {len(judged)} AI-judged pairs available")
    return plans, skips + not_applicable, removed


def measure(trainer: Trainer, plan: CurvePlan, evaluation: pd.DataFrame, log: logging.Logger | None = None,
            progress: Progress | None = None) -> Curve:
    columns = TRAIN_COLUMNS[trainer.data]
    eval_frame = evaluation[columns].reset_index(drop=True)
    sizes, seeds, rows = [], [], []
    started, cpu_started = time.monotonic(), time.process_time()
    for seed, ordering in plan.orderings.items():
        for n in plan.sizes:
            scores = np.asarray(trainer.fit_and_score(ordering.iloc[:n][columns].reset_index(drop=True), eval_frame, seed), dtype=float)
            if scores.shape != (len(eval_frame),):
                raise ValueError(f"trainer {trainer.name} returned {scores.shape} scores for {len(eval_frame)} eval items")
            sizes.append(n)
            seeds.append(seed)
            rows.append(scores)
            if progress is not None:
                progress.advance()
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    if log:
        log.info(f"{trainer.name}/{plan.variant}: {len(rows)} trainings in {seconds:.1f}s")
    curve = Curve(trainer.name, trainer.metric, plan.variant, np.array(sizes), np.array(seeds), np.vstack(rows), plan.detail,
                  seconds=seconds, cpu_seconds=cpu_seconds)
    baselines, curve.no_baselines_reason = baselines_for(trainer)
    largest = max(plan.sizes)
    curve.baseline_seeds = np.array(list(plan.orderings), dtype=int)
    for baseline in baselines:
        curve.baselines[baseline.name] = np.vstack([
            np.asarray(baseline.score(ordering.iloc[:largest][columns].reset_index(drop=True), eval_frame, seed), dtype=float)
            for seed, ordering in plan.orderings.items()
        ])
    return curve


def fit(curve: Curve, settings: CurveSettings, target: float) -> Curve:
    curve.verdict = judge(curve.sizes, curve.seeds, curve.item_scores, curve.baselines, curve.baseline_seeds,
                          curve.no_baselines_reason, settings.bootstrap, random_seed=min(settings.seeds))
    distinct = len(np.unique(curve.sizes))
    if distinct < MIN_SIZES_TO_FIT:
        curve.status, curve.note = "too_few_sizes", f"{distinct} distinct sizes; a 3-parameter curve needs {MIN_SIZES_TO_FIT}"
        return curve
    curve.fit = fit_curve(curve.sizes, curve.seeds, curve.item_scores, target, settings.bootstrap,
                          random_seed=min(settings.seeds), horizon=settings.horizon)
    return curve


def run_curves(inputs: CurveInputs, trainers: Sequence[Trainer], settings: CurveSettings, log: logging.Logger | None = None) -> CurvesResult:
    unknown = set(settings.variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown variants {sorted(unknown)}; choose from {list(VARIANTS)}")
    curves: list[Curve] = []
    skipped: dict[str, list[Skip]] = {}
    removed: dict[str, Counter] = {}
    eval_items: dict[str, int] = {}
    work: list[tuple[Trainer, CurvePlan, pd.DataFrame, float]] = []
    for trainer in trainers:
        if trainer.data == "sft":
            plans, skips, why = plan_sft(inputs, settings)
            evaluation = inputs.sft_eval
        else:
            plans, skips, why = plan_preferences(inputs, settings)
            evaluation = inputs.preference_eval
        skipped[trainer.name], removed[trainer.name], eval_items[trainer.name] = skips, why, len(evaluation)
        work.extend((trainer, plan, evaluation, settings.targets.get(trainer.name, settings.default_target)) for plan in plans)
    # One progress line per 10% of all trainings, across every trainer and variant.
    progress = Progress(log, sum(len(plan.orderings) * len(plan.sizes) for _, plan, _, _ in work), "curve trainings")
    for trainer, plan, evaluation, target in work:
        curves.append(fit(measure(trainer, plan, evaluation, log, progress), settings, target))
    return CurvesResult(curves, skipped, removed, eval_items, list(inputs.notes))


def points_frame(result: CurvesResult, run_id: str) -> pd.DataFrame:
    rows = []
    for curve in result.curves:
        means = curve.item_scores.mean(axis=1)
        for n, seed, value in zip(curve.sizes, curve.seeds, means):
            rows.append((curve.variant, curve.trainer, int(n), int(seed), curve.metric, float(value), run_id))
    return pd.DataFrame(rows, columns=["variant", "trainer", "n", "seed", "metric", "value", "run_id"])


def fits_frame(result: CurvesResult, run_id: str) -> pd.DataFrame:
    rows = []
    for curve in result.curves:
        f = curve.fit
        largest = int(curve.sizes.max())
        row = {
            "variant": curve.variant, "trainer": curve.trainer, "metric": curve.metric, "status": curve.status,
            "note": curve.note or curve.detail, "points": len(curve.sizes), "seeds": len(np.unique(curve.seeds)),
            "eval_items": curve.item_scores.shape[1], "largest_n": largest,
            "score_at_largest_n": float(curve.item_scores[curve.sizes == largest].mean()), "run_id": run_id,
        }
        if curve.verdict is not None:
            v = curve.verdict
            row.update({
                "informative": v.informative, "informative_reason": v.reason, "best_baseline": v.best_baseline,
                "best_baseline_score": v.best_baseline_score, "margin_over_baseline": v.margin,
                "margin_ci_low": v.margin_ci_low, "margin_ci_high": v.margin_ci_high, "gain_over_n": v.gain,
                "gain_ci_low": v.gain_ci_low, "gain_ci_high": v.gain_ci_high, "grows_with_n": v.grows,
            })
        if f is not None:
            row.update({
                "a": f.a, "b": f.b, "c": f.c, "b_ci_low": f.b_ci_low, "b_ci_high": f.b_ci_high, "target": f.target,
                "n_for_target": f.n_for_target, "ci_low": f.ci_low, "ci_high": f.ci_high,
                "reachable_share": f.reachable_share, "extrapolation_factor": f.extrapolation_factor,
                "bootstrap_replicates": f.replicates,
            })
        rows.append(row)
    for trainer, skips in result.skipped.items():
        for skip in skips:
            rows.append({"variant": skip.variant, "trainer": trainer, "status": "skipped", "note": skip.reason, "run_id": run_id})
    columns = ["variant", "trainer", "metric", "status", "a", "b", "c", "b_ci_low", "b_ci_high", "target", "n_for_target",
               "ci_low", "ci_high", "reachable_share", "extrapolation_factor", "largest_n", "score_at_largest_n", "points",
               "seeds", "eval_items", "bootstrap_replicates", "note", "run_id", "informative", "informative_reason",
               "best_baseline", "best_baseline_score", "margin_over_baseline", "margin_ci_low", "margin_ci_high",
               "gain_over_n", "gain_ci_low", "gain_ci_high", "grows_with_n"]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    # Nullable, not object: DuckDB reads True/False/None as BOOLEAN whatever the row mix.
    frame["informative"] = frame["informative"].astype("boolean")
    frame["grows_with_n"] = frame["grows_with_n"].astype("boolean")
    return frame


def baselines_frame(result: CurvesResult, run_id: str) -> pd.DataFrame:
    """One row per (curve, baseline, seed): the baseline's mean score on that seed's largest subset."""
    rows = []
    for curve in result.curves:
        largest = int(curve.sizes.max())
        for name, scores in sorted(curve.baselines.items()):
            for seed, values in zip(curve.baseline_seeds, scores):
                rows.append((curve.variant, curve.trainer, name, curve.metric, largest, int(seed), float(values.mean()), run_id))
    return pd.DataFrame(rows, columns=["variant", "trainer", "baseline", "metric", "n", "seed", "value", "run_id"])
