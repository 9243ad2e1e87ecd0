"""Percentile bootstrap for linear models, vectorised: thousands of resamples in one pass.

A resample of n rows drawn with replacement is the same as the original rows weighted by how
often each was drawn. So the least-squares estimates of every resample come from weighted
cross-products, ``X' diag(w_b) X`` and ``X' diag(w_b) y``, which for all B resamples at once
are two matrix products of the B × n count matrix with per-row products of the columns, followed
by B small k × k solves. Columns are centred and scaled first so that the normal equations stay
well conditioned; estimates are transformed back to the original scale.

Conventions (stated in every report that uses them):

- resampling of whole rows (cases), B resamples from ``numpy.random.default_rng(seed)``;
- a resample whose design is singular (for example every drawn row has the same value of a
  0/1 predictor) is dropped and counted, not replaced;
- the percentile interval is the ``alpha/2`` and ``1 - alpha/2`` quantiles of the resampled
  estimates by linear interpolation (numpy's default, R's ``quantile`` type 7); the bootstrap
  SE is their standard deviation (n − 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BootstrapDraws", "bootstrap_counts", "bootstrap_ols", "percentile_interval"]

#: Resamples whose scaled cross-product matrix has a condition number above this are singular.
_SINGULAR = 1e12
#: Rows × resamples handled per block, to bound memory (about 64 MB of counts per block).
_BLOCK = 8_000_000


def _check_boot(n_boot: int, seed: int | None) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise ValueError(
            f"the number of bootstrap resamples must be a positive integer; got {n_boot!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an integer; got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")


def bootstrap_counts(
    n: int, n_boot: int, seed: int | None, start: int = 0, stop: int | None = None
):
    """Yield (first resample, counts) blocks: counts[b, i] is how often row i is in resample b.

    The draws are those of ``rng.integers(0, n, size=(n_boot, n))`` with
    ``rng = numpy.random.default_rng(seed)``, generated block by block.
    """
    _check_boot(n_boot, seed)
    rng = np.random.default_rng(seed)
    per_block = max(1, _BLOCK // max(n, 1))
    for first in range(0, n_boot, per_block):
        size = min(per_block, n_boot - first)
        draws = rng.integers(0, n, size=(size, n))
        flat = draws + (np.arange(size) * n)[:, None]
        counts = np.bincount(flat.ravel(), minlength=size * n).reshape(size, n)
        yield first, counts.astype(float)


@dataclass(frozen=True, eq=False)
class BootstrapDraws:
    """Estimates of every equation in every resample, and which resamples were kept."""

    params: tuple[np.ndarray, ...]  # one (n_boot, k_j) array per equation, NaN where singular
    n_boot: int
    seed: int | None

    @property
    def ok(self) -> np.ndarray:
        """Resamples in which every equation could be estimated."""
        return np.all([np.all(np.isfinite(p), axis=1) for p in self.params], axis=0)

    @property
    def n_failed(self) -> int:
        return int((~self.ok).sum())


def _weighted_solve(counts: np.ndarray, Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weighted least squares of y on Z (centred-and-scaled, constant first) per resample."""
    n, k = Z.shape
    products = (Z[:, :, None] * Z[:, None, :]).reshape(n, k * k)
    ZtZ = (counts @ products).reshape(-1, k, k)
    Zty = counts @ (Z * y[:, None])
    u, s, vt = np.linalg.svd(ZtZ)
    singular = s[:, -1] <= s[:, 0] / _SINGULAR
    s_inv = np.where(singular[:, None], 0.0, 1.0 / np.where(s > 0, s, 1.0))
    rotated = np.einsum("bkj,bk->bj", u, Zty) * s_inv  # pseudo-inverse through the SVD
    beta = np.einsum("bji,bj->bi", vt, rotated)
    beta[singular] = np.nan
    return beta


def bootstrap_ols(
    y: Sequence[np.ndarray], X: Sequence[np.ndarray], n_boot: int, seed: int | None
) -> BootstrapDraws:
    """Least-squares estimates of several equations on the same resamples of rows.

    ``y[j]`` and ``X[j]`` (n rows; the first column of ``X[j]`` is the constant) are equation
    j. Returns the estimates on the original scale of each ``X[j]``.
    """
    equations = []
    for yj, Xj in zip(y, X, strict=True):
        Xj = np.asarray(Xj, dtype=float)
        mean = Xj[:, 1:].mean(axis=0)
        scale = Xj[:, 1:].std(axis=0)
        scale[scale == 0] = 1.0
        Z = np.column_stack([np.ones(len(Xj)), (Xj[:, 1:] - mean) / scale])
        ym = float(np.mean(yj))
        equations.append((np.asarray(yj, dtype=float) - ym, Z, mean, scale, ym))
    n = len(equations[0][0])
    out = [np.empty((n_boot, Z.shape[1])) for _, Z, _, _, _ in equations]
    for first, counts in bootstrap_counts(n, n_boot, seed):
        rows = slice(first, first + len(counts))
        for j, (yc, Z, mean, scale, ym) in enumerate(equations):
            c = _weighted_solve(counts, Z, yc)
            slopes = c[:, 1:] / scale
            out[j][rows, 0] = ym + c[:, 0] - slopes @ mean
            out[j][rows, 1:] = slopes
    return BootstrapDraws(tuple(out), int(n_boot), seed)


def percentile_interval(
    draws: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap SE and percentile interval of each column of ``draws`` (NaN rows ignored)."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim == 1:
        draws = draws[:, None]
    kept = draws[np.all(np.isfinite(draws), axis=1)]
    if len(kept) < 2:
        nan = np.full(draws.shape[1], math.nan)
        return nan, nan, nan.copy()
    lo, hi = np.percentile(kept, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    return kept.std(axis=0, ddof=1), lo, hi
