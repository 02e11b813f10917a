"""The saturating power law error(n) = a * n^(-b) + c, its bootstrap, and the size for a target.

Error is 1 - score for every built-in metric (ROUGE-L F and pairwise accuracy both live in
[0, 1], higher is better), so `c` is the error floor that no amount of this data removes and
1 - c the best score the curve allows. Bounds keep the fit physical: a >= 0 (error falls with
n), 0 <= b <= 3 (steeper than n^-3 is never seen in learning curves and only means noise),
0 <= c <= 1.

The bootstrap resamples seeds (the subsets) and eval items (the measurement) together, refits
each replicate, and gives percentile intervals for b, the size needed for the target and the
curve itself. A size the curve cannot reach (floor above the target error, or beyond
`horizon` examples, where any number is meaningless) counts as infinite, so an interval's upper
end may be unbounded and `reachable_share` says how many replicates reached the target at all.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit, minimize_scalar

LOWER = (0.0, 0.0, 0.0)
UPPER = (np.inf, 3.0, 1.0)
DEFAULT_HORIZON = 1e9


def power_law(n, a: float, b: float, c: float):
    return a * np.power(n, -b) + c


_B_GRID = np.concatenate([[0.0], np.geomspace(1e-3, UPPER[1], 160)])


def _best_a_c(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of x (x = n^-b for one b), the least-squares a >= 0, 0 <= c <= 1, and the loss.

    A convex quadratic over a box: its minimum is the unconstrained one when that is feasible,
    else on an edge, where the one-dimensional optimum is the clipped one. Every candidate is
    computed for all rows at once and the best feasible one kept.
    """
    m = x.shape[1]
    sx, sy = x.sum(axis=1), y.sum()
    sxx, sxy = (x * x).sum(axis=1), x @ y
    det = m * sxx - sx * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        a_free = np.where(det > 1e-15, (m * sxy - sx * sy) / det, np.nan)
        c_free = np.where(det > 1e-15, (sxx * sy - sx * sxy) / det, np.nan)
        a_c0 = np.maximum(0.0, np.where(sxx > 0, sxy / sxx, 0.0))
        a_c1 = np.maximum(0.0, np.where(sxx > 0, (sxy - sx) / sxx, 0.0))
    candidates = [
        (a_free, c_free),
        (np.zeros_like(sx), np.full_like(sx, np.clip(y.mean(), 0.0, 1.0))),
        (a_c0, np.zeros_like(sx)),
        (a_c1, np.ones_like(sx)),
    ]
    best_a, best_c = np.zeros_like(sx), np.zeros_like(sx)
    best_loss = np.full_like(sx, np.inf)
    for a, c in candidates:
        feasible = np.isfinite(a) & np.isfinite(c) & (a >= 0) & (c >= 0) & (c <= 1)
        loss = ((a[:, None] * x + c[:, None] - y) ** 2).sum(axis=1)
        better = feasible & (loss < best_loss)
        best_a, best_c, best_loss = np.where(better, a, best_a), np.where(better, c, best_c), np.where(better, loss, best_loss)
    return best_a, best_c, best_loss


def _profile_fit(sizes: np.ndarray, errors: np.ndarray) -> tuple[float, float, float]:
    """Variable projection: for a given b the model is linear in (a, c), solved exactly; b is
    searched on a grid and refined by bounded scalar minimization. No starting guess to get
    wrong, so bootstrap replicates cannot stall in a local minimum."""
    log_n = np.log(sizes)
    x = np.exp(-_B_GRID[:, None] * log_n[None, :])
    _, _, losses = _best_a_c(x, errors)
    k = int(np.argmin(losses))
    low, high = _B_GRID[max(k - 1, 0)], _B_GRID[min(k + 1, len(_B_GRID) - 1)]

    def loss_at(b: float) -> float:
        return float(_best_a_c(np.exp(-b * log_n)[None, :], errors)[2][0])

    b = _B_GRID[k]
    if high > low:
        refined = minimize_scalar(loss_at, bounds=(low, high), method="bounded", options={"xatol": 1e-6})
        if refined.fun <= losses[k]:
            b = float(refined.x)
    a, c, _ = _best_a_c(np.exp(-b * log_n)[None, :], errors)
    return float(a[0]), float(b), float(c[0])


def fit_power_law(sizes: np.ndarray, errors: np.ndarray, polish: bool = True) -> tuple[float, float, float]:
    """Bounded least-squares fit of error(n) = a * n^-b + c.

    The global profile fit, then (with `polish`) `scipy.optimize.curve_fit` with the same bounds
    started from it, kept only when it lowers the squared error further.
    """
    sizes = np.asarray(sizes, dtype=float)
    errors = np.asarray(errors, dtype=float)
    best = _profile_fit(sizes, errors)
    if polish:
        loss = float(np.sum((power_law(sizes, *best) - errors) ** 2))
        start = tuple(float(np.clip(v, lo, hi)) for v, lo, hi in zip(best, LOWER, UPPER))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                params, _ = curve_fit(power_law, sizes, errors, p0=start, bounds=(LOWER, UPPER), maxfev=2000)
            if float(np.sum((power_law(sizes, *params) - errors) ** 2)) < loss:
                best = tuple(float(v) for v in params)
        except (RuntimeError, ValueError):
            pass
    return best


def size_for_error(a: float, b: float, c: float, target_error: float, horizon: float = DEFAULT_HORIZON) -> float:
    """Smallest n with a * n^-b + c <= target_error; inf when the curve never gets there."""
    if target_error <= c:
        return math.inf
    if a <= 0 or b <= 0:
        # A flat curve: either every size already reaches the target or none does.
        return 1.0 if a + c <= target_error else math.inf
    # In logs: a shallow exponent sends n past any float long before the horizon check.
    log_n = (math.log(a) - math.log(target_error - c)) / b
    if log_n > math.log(horizon):
        return math.inf
    return max(math.exp(log_n), 1.0)


@dataclass
class CurveFit:
    a: float
    b: float
    c: float
    target: float
    """Target score (not error)."""
    n_for_target: float
    ci_low: float
    ci_high: float
    reachable_share: float
    b_ci_low: float
    b_ci_high: float
    largest_n: int
    points: int
    replicates: int
    horizon: float
    band_sizes: np.ndarray = field(repr=False)
    band_low: np.ndarray = field(repr=False)
    """Score (not error) percentiles of the bootstrap curves at `band_sizes`."""
    band_high: np.ndarray = field(repr=False)

    @property
    def reachable(self) -> bool:
        return math.isfinite(self.n_for_target)

    @property
    def extrapolation_factor(self) -> float:
        """n_for_target / largest measured n: above 1 the answer lies beyond the data."""
        return self.n_for_target / self.largest_n if self.reachable else math.inf

    def score_at(self, n) -> np.ndarray:
        return 1.0 - power_law(np.asarray(n, dtype=float), self.a, self.b, self.c)


def _percentile(values: np.ndarray, q: float) -> float:
    # "inverted_cdf" picks an observed value, so infinite replicates never turn a bound into NaN.
    return float(np.percentile(values, q, method="inverted_cdf"))


def fit_curve(
    sizes: np.ndarray,
    seeds: np.ndarray,
    item_scores: np.ndarray,
    target: float,
    iterations: int = 200,
    random_seed: int = 0,
    horizon: float = DEFAULT_HORIZON,
    confidence: float = 0.95,
) -> CurveFit:
    """Fit the curve to one point per (size, seed) and bootstrap seeds and eval items.

    `item_scores` has one row per point and one column per eval item (the same items for every
    point), so a bootstrap replicate reweights the columns and redraws the seeds.
    """
    sizes = np.asarray(sizes, dtype=float)
    seeds = np.asarray(seeds)
    item_scores = np.asarray(item_scores, dtype=float)
    errors = 1.0 - item_scores.mean(axis=1)
    a, b, c = fit_power_law(sizes, errors)
    target_error = 1.0 - target
    n_target = size_for_error(a, b, c, target_error, horizon)

    rng = np.random.default_rng(random_seed)
    unique_seeds = np.unique(seeds)
    rows_by_seed = [np.flatnonzero(seeds == s) for s in unique_seeds]
    items = item_scores.shape[1]
    band_sizes = np.geomspace(max(1.0, sizes.min() / 2), sizes.max() * 10, 60)
    n_values, b_values, bands = [], [], []
    for _ in range(iterations):
        drawn = rng.integers(0, len(unique_seeds), len(unique_seeds))
        rows = np.concatenate([rows_by_seed[k] for k in drawn])
        weights = rng.multinomial(items, np.full(items, 1.0 / items)) / items
        replicate_errors = 1.0 - item_scores[rows] @ weights
        ra, rb, rc = fit_power_law(sizes[rows], replicate_errors, polish=False)
        n_values.append(size_for_error(ra, rb, rc, target_error, horizon))
        b_values.append(rb)
        bands.append(1.0 - power_law(band_sizes, ra, rb, rc))
    tail = (1.0 - confidence) / 2 * 100
    if n_values:
        n_array, b_array, band_array = np.array(n_values), np.array(b_values), np.array(bands)
        ci = (_percentile(n_array, tail), _percentile(n_array, 100 - tail))
        b_ci = (_percentile(b_array, tail), _percentile(b_array, 100 - tail))
        reachable = float(np.isfinite(n_array).mean())
        band = (np.percentile(band_array, tail, axis=0), np.percentile(band_array, 100 - tail, axis=0))
    else:
        ci, b_ci, reachable = (math.nan, math.nan), (math.nan, math.nan), math.nan
        band = (np.full_like(band_sizes, np.nan), np.full_like(band_sizes, np.nan))
    return CurveFit(
        a=a, b=b, c=c, target=target, n_for_target=n_target, ci_low=ci[0], ci_high=ci[1],
        reachable_share=reachable, b_ci_low=b_ci[0], b_ci_high=b_ci[1], largest_n=int(sizes.max()),
        points=len(sizes), replicates=len(n_values), horizon=horizon, band_sizes=band_sizes, band_low=band[0], band_high=band[1],
    )
