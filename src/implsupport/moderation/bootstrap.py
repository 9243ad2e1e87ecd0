"""Percentile bootstrap for linear models, vectorised: thousands of resamples in one pass.

A resample of n rows drawn with replacement is the same as the original rows weighted by how
often each was drawn. So the least-squares estimates of every resample come from weighted
cross-products, ``X' diag(w_b) X`` and ``X' diag(w_b) y``. For a block of resamples at once
these are one matrix product of the block's count matrix (resamples × rows) with the per-row
products of the columns, followed by one batch of small k × k solves. Several equations fitted
on the same resamples (mediation) share one matrix product: the products are those of the
distinct columns of all the equations, each pair once. Columns are centred and scaled first so
that the normal equations stay well conditioned; estimates are transformed back to the
original scale. Blocks are small enough to stay in the processor's cache, and each block
draws from its own random stream (a child of ``numpy.random.SeedSequence(seed)``), so blocks
run on several threads at once and the numbers for a seed are the same with any number of
threads or cores (see :func:`bootstrap_rows`).

Conventions (stated in every report that uses them):

- resampling of whole rows (cases) with replacement, each row drawn with probability 1/n:
  B resamples, in blocks seeded from ``numpy.random.SeedSequence(seed)``;
- a resample whose design is singular (for example every drawn row has the same value of a
  0/1 predictor) is dropped and counted, not replaced;
- the percentile interval is the ``alpha/2`` and ``1 - alpha/2`` quantiles of the resampled
  estimates by linear interpolation (numpy's default, R's ``quantile`` type 7); the bootstrap
  SE is their standard deviation (n − 1).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "BootstrapDraws",
    "bootstrap_counts",
    "bootstrap_logistic",
    "bootstrap_ols",
    "bootstrap_rows",
    "percentile_interval",
    "resamples_per_block",
]

#: Resamples whose scaled cross-product matrix has a condition number above this are singular.
_SINGULAR = 1e12
#: Rows × resamples per block (about 2 MB of counts as floats, so a block stays in the
#: processor's cache). Each block has its own random stream, so the block size is part of the
#: random scheme: changing it changes the resamples drawn for a seed.
_BLOCK = 262_144


def _check_boot(n_boot: int, seed: int | None) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
        raise ValueError(
            f"the number of bootstrap resamples must be a positive integer; got {n_boot!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an integer; got {seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}")


def resamples_per_block(n: int) -> int:
    """How many resamples of ``n`` rows each block (and its random stream) holds."""
    return max(1, _BLOCK // max(n, 1))


def _blocks(n: int, n_boot: int, seed: int | None) -> list[tuple[int, int, np.random.Generator]]:
    """(first resample, resamples, generator) of each block: block k draws from
    ``numpy.random.default_rng(children[k])``, ``children = SeedSequence(seed).spawn(...)``."""
    _check_boot(n_boot, seed)
    per_block = resamples_per_block(n)
    starts = range(0, int(n_boot), per_block)
    children = np.random.SeedSequence(seed).spawn(len(starts))
    return [
        (first, min(per_block, n_boot - first), np.random.default_rng(child))
        for first, child in zip(starts, children, strict=True)
    ]


def _draw(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """A block's drawn rows, (size, n): the smallest integer type that holds the row numbers
    (16-bit draws take fewer random bits and less memory than 64-bit ones)."""
    dtype = np.uint16 if n <= 2**16 else np.int32 if n < 2**31 else np.int64
    return rng.integers(0, n, size=(size, n), dtype=dtype)


def bootstrap_rows(n: int, n_boot: int, seed: int | None) -> np.ndarray:
    """The rows drawn for each resample, (n_boot, n): row b holds resample b's row numbers.

    Resamples come in blocks of :func:`resamples_per_block` (the last may be shorter); block
    k's draws are ``rng.integers(0, n, size=(block size, n), dtype=...)`` with
    ``rng = numpy.random.default_rng(numpy.random.SeedSequence(seed).spawn(K)[k])`` and the
    dtype ``uint16`` when ``n <= 65536``. Every block has its own stream, so the resamples do
    not depend on how many threads compute them, and the first B resamples of a larger run
    are those of a run of B. For tests and for reproducing a bootstrap by hand; the
    estimators use the counts (:func:`bootstrap_counts`), not this matrix.
    """
    return np.vstack([_draw(rng, n, size) for _, size, rng in _blocks(n, n_boot, seed)])


def _counts(rng: np.random.Generator, n: int, size: int, out: np.ndarray) -> np.ndarray:
    """Fill ``out[:size]`` with a block's counts: out[b, i] = how often resample b drew row i."""
    counts = out[:size]
    counts[...] = 0.0
    draws = _draw(rng, n, size)
    # Row b's draws count in cells b*n .. b*n + n - 1 of the flattened block.
    cells = np.add(draws, (np.arange(size, dtype=np.intp) * n)[:, None], dtype=np.intp)
    np.add.at(counts.reshape(-1), cells.reshape(-1), 1.0)
    return counts


def bootstrap_counts(n: int, n_boot: int, seed: int | None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first resample, counts) blocks: counts[b, i] is how often row i is in resample b.

    The resamples are those of :func:`bootstrap_rows`. The counts are floats, in a buffer that
    the next block reuses: use each block before asking for the next.
    """
    blocks = _blocks(n, n_boot, seed)
    buffer = np.empty((min(resamples_per_block(n), n_boot), n))
    for first, size, rng in blocks:
        yield first, _counts(rng, n, size, buffer)


def _threads(threads: int | None) -> int:
    """The worker threads to use: ``threads``, or by default the processor cores available."""
    if threads is None:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}")
    return int(threads)


#: Count buffers kept from one bootstrap for the next of the same shape (a fresh 2 MB buffer
#: costs the kernel hundreds of page faults each call); only buffers up to this many bytes.
_SPARE_BYTES = 4 * 2**20
_spare_buffers: list[np.ndarray] = []
_spare_lock = threading.Lock()


def _take_buffer(shape: tuple[int, int]) -> np.ndarray:
    """A spare count buffer of this shape, or a new one."""
    with _spare_lock:
        for i, buffer in enumerate(_spare_buffers):
            if buffer.shape == shape:
                return _spare_buffers.pop(i)
    return np.empty(shape)


def _keep_buffers(buffers: list[np.ndarray]) -> None:
    """Keep these buffers (small enough) for the next bootstrap, in place of older ones."""
    with _spare_lock:
        _spare_buffers[:] = [b for b in buffers if b.nbytes <= _SPARE_BYTES]


def _map_blocks(
    work: Callable[[int, np.ndarray], None],
    n: int,
    n_boot: int,
    seed: int | None,
    threads: int | None,
) -> None:
    """Call ``work(first, counts)`` for every block, on up to ``threads`` threads at once.

    Each block's draws come from its own generator and each call writes only its own rows of
    the results, so the results are the same whatever the number of threads. Drawing, the
    matrix products and the solves release the GIL, so two cores share the work.
    """
    blocks = _blocks(n, n_boot, seed)
    workers = min(_threads(threads), len(blocks))
    per_block = min(resamples_per_block(n), n_boot)
    local = threading.local()
    used: list[np.ndarray] = []  # each thread's count buffer

    def run(block: tuple[int, int, np.random.Generator]) -> None:
        first, size, rng = block
        if not hasattr(local, "buffer"):
            local.buffer = _take_buffer((per_block, n))
            used.append(local.buffer)
        work(first, _counts(rng, n, size, local.buffer))

    with one_blas_thread():
        if workers == 1:
            for block in blocks:
                run(block)
        else:
            with ThreadPoolExecutor(workers) as pool:
                for _ in pool.map(run, blocks):  # re-raises a worker's exception
                    pass
    _keep_buffers(used)


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Run the enclosed matrix products on one BLAS thread.

    The bootstrap's products are many and small; spreading each over threads costs more than it
    gains, and several times more when other programs share the processor cores.
    """
    global _BLAS
    if _BLAS is None:
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


_BLAS = None


@dataclass(frozen=True, eq=False)
class BootstrapDraws:
    """Estimates of every equation in every resample, and which resamples were kept."""

    params: tuple[np.ndarray, ...]  # one (n_boot, k_j) array per equation, NaN where singular
    n_boot: int
    seed: int | None

    @cached_property
    def ok(self) -> np.ndarray:
        """Resamples in which every equation could be estimated (worked out once)."""
        return np.all([np.all(np.isfinite(p), axis=1) for p in self.params], axis=0)

    @property
    def n_failed(self) -> int:
        return int((~self.ok).sum())


@dataclass(frozen=True)
class _Equation:
    """Where one equation's response and regressors are among the standardised columns."""

    response: int
    regressors: list[int]  # the constant (column 0) first


def _standardised_columns(
    y: Sequence[np.ndarray], X: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[_Equation]]:
    """The distinct columns of all equations, centred and scaled, the constant first.

    Returns the n × p matrix of columns, their means and scales, and each equation's place in
    it. A column that appears in several equations (the predictor, the mediator) is kept once.
    """
    columns: list[np.ndarray] = []

    def place(values: np.ndarray) -> int:
        for j, seen in enumerate(columns):
            if np.array_equal(seen, values):
                return j + 1
        columns.append(values)
        return len(columns)

    equations = []
    for yj, Xj in zip(y, X, strict=True):
        Xj = np.asarray(Xj, dtype=float)
        regressors = [0] + [place(Xj[:, c]) for c in range(1, Xj.shape[1])]
        equations.append(_Equation(place(np.asarray(yj, dtype=float)), regressors))
    stacked = np.column_stack(columns)
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0)
    scale[scale == 0] = 1.0
    Z = np.column_stack([np.ones(len(stacked)), (stacked - mean) / scale])
    return Z, np.r_[0.0, mean], np.r_[1.0, scale], equations


def _batched_solve(ZtZ: np.ndarray, Zty: np.ndarray) -> np.ndarray:
    """Solve each resample's normal equations; NaN where the matrix is (nearly) singular.

    Nearly singular means a condition number above :data:`_SINGULAR`, measured in the
    Frobenius norm, ``||A|| ||A^-1||`` (at least the 2-norm condition number, at most k times
    it). When some matrix is exactly singular, the 2-norm condition number of every matrix is
    computed from its eigenvalues instead.
    """
    try:
        inverse = np.linalg.inv(ZtZ)
    except np.linalg.LinAlgError:
        eigenvalues = np.linalg.eigvalsh(ZtZ)  # ascending; symmetric, so the singular values
        singular = eigenvalues[:, 0] <= eigenvalues[:, -1] / _SINGULAR
        ZtZ = ZtZ.copy()
        ZtZ[singular] = np.eye(ZtZ.shape[1])
        inverse = np.linalg.inv(ZtZ)
    else:
        condition = np.sqrt(np.einsum("bij,bij->b", ZtZ, ZtZ)) * np.sqrt(
            np.einsum("bij,bij->b", inverse, inverse)
        )
        singular = ~(condition < _SINGULAR)  # NaN (overflow) counts as singular
    beta = np.einsum("bij,bj->bi", inverse, Zty)
    beta[singular] = np.nan
    return beta


def bootstrap_ols(
    y: Sequence[np.ndarray],
    X: Sequence[np.ndarray],
    n_boot: int,
    seed: int | None,
    threads: int | None = None,
) -> BootstrapDraws:
    """Least-squares estimates of several equations on the same resamples of rows.

    ``y[j]`` and ``X[j]`` (n rows; the first column of ``X[j]`` is the constant) are equation
    j. Returns the estimates on the original scale of each ``X[j]``. ``threads`` (default:
    the processor cores available) changes only the speed, never the numbers.
    """
    Z, mean, scale, equations = _standardised_columns(y, X)
    n = len(Z)
    # The per-row products each equation needs (pairs of columns, each pair once).
    pairs: dict[tuple[int, int], int] = {}
    for eq in equations:
        for a in [*eq.regressors, eq.response]:
            for b in eq.regressors:
                pairs.setdefault((min(a, b), max(a, b)), len(pairs))
    first_of, second_of = np.array(list(pairs)).T
    products = Z[:, first_of] * Z[:, second_of]
    where = []  # for each equation, the columns of the products that make Z'Z and Z'y
    for eq in equations:
        r = eq.regressors
        gram = [[pairs[min(a, b), max(a, b)] for b in r] for a in r]
        cross = [pairs[min(a, eq.response), max(a, eq.response)] for a in r]
        where.append((np.array(gram), np.array(cross)))
    out = [np.empty((n_boot, len(eq.regressors))) for eq in equations]

    def fit_block(first: int, counts: np.ndarray) -> None:
        sums = counts @ products
        rows = slice(first, first + len(counts))
        for j, (gram, cross) in enumerate(where):
            out[j][rows] = _batched_solve(sums[:, gram], sums[:, cross])

    _map_blocks(fit_block, n, n_boot, seed, threads)
    for eq, params in zip(equations, out, strict=True):
        # Back from standardised columns: y = m_y + s_y * (c0 + sum c_j (x_j - m_j) / s_j).
        r = eq.regressors[1:]
        slopes = params[:, 1:] * (scale[eq.response] / scale[r])
        params[:, 0] = mean[eq.response] + scale[eq.response] * params[:, 0] - slopes @ mean[r]
        params[:, 1:] = slopes
    return BootstrapDraws(tuple(out), int(n_boot), seed)


#: Newton steps per resample, and the largest step (standardised scale) counted as converged.
_LOGISTIC_MAX_STEPS = 50
_LOGISTIC_TOLERANCE = 1e-9


def bootstrap_logistic(
    y: np.ndarray,
    X: np.ndarray,
    n_boot: int,
    seed: int | None,
    start: np.ndarray,
    threads: int | None = None,
) -> BootstrapDraws:
    """Maximum-likelihood logistic regression of 0/1 ``y`` on ``X`` in every resample of rows.

    Newton's method from ``start`` (the full sample's estimates), for a block of resamples at
    once: with the counts as case weights, the Hessians are one matrix product of the weights
    with the per-row products of the columns, as in :func:`bootstrap_ols`. A resample whose
    fit does not converge in :data:`_LOGISTIC_MAX_STEPS` steps (for example when a predictor
    separates the drawn 0s from the 1s, so that the estimates run off to infinity) or whose
    Hessian is singular gets NaN: it is dropped and counted, not replaced. ``threads`` as in
    :func:`bootstrap_ols`.
    """
    from scipy.special import expit

    Z, mean, scale, (equation,) = _standardised_columns([y], [X])
    r = equation.regressors
    Z, y = Z[:, r], np.asarray(y, dtype=float)
    mean, scale = mean[r], scale[r]
    # The start on the standardised columns: c_j = b_j s_j, c_0 = b_0 + sum b_j m_j.
    b = np.asarray(start, dtype=float)
    start_z = np.r_[b[0] + b[1:] @ mean[1:], b[1:] * scale[1:]]
    n, k = Z.shape
    products = (Z[:, :, None] * Z[:, None, :]).reshape(n, k * k)
    out = np.empty((n_boot, k))

    def fit_block(first: int, counts: np.ndarray) -> None:
        beta = np.tile(start_z, (len(counts), 1))
        for _ in range(_LOGISTIC_MAX_STEPS):
            p = expit(beta @ Z.T)
            hessian = ((counts * p * (1 - p)) @ products).reshape(-1, k, k)
            step = _batched_solve(hessian, (counts * (y - p)) @ Z)
            beta += step
            largest = np.max(np.abs(step), axis=1)
            if not np.any(largest >= _LOGISTIC_TOLERANCE):  # NaN (singular) stops too
                break
        beta[~(largest < _LOGISTIC_TOLERANCE)] = np.nan
        out[first : first + len(counts)] = beta

    _map_blocks(fit_block, n, n_boot, seed, threads)
    slopes = out[:, 1:] / scale[1:]
    out[:, 0] -= slopes @ mean[1:]
    out[:, 1:] = slopes
    return BootstrapDraws((out,), int(n_boot), seed)


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
