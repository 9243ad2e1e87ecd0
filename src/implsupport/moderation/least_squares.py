"""Ordinary least squares with classical or heteroskedasticity-consistent (HC0–HC3) covariance.

One fit for every linear model of the package (moderation, mediation), written with numpy so
that a million rows take a fraction of a second and so that a covariance that does not exist
is reported as missing rather than as a number.

HC2 and HC3 divide each squared residual by ``1 - h`` (HC2) or ``(1 - h)**2`` (HC3), with h
the row's leverage (hat value). A row with leverage 1 (for example the only row where a 0/1
covariate is 1) is fitted exactly: its residual is 0 and the division is 0/0. In floating
point both are merely tiny, and the quotient is noise (multiplying y by 10 changes it by far
more than 10 times). R's ``sandwich::vcovHC`` gives NaN when the hat value is exactly 1 and
warns when it is within ``sqrt(machine epsilon)`` of 1. Here the HC2/HC3 covariance is
**missing (NaN) whenever any leverage exceeds** :data:`LEVERAGE_ONE`, and
:attr:`OLSFit.se_note` says why in words. HC0 and HC1 exist at such rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LEVERAGE_ONE", "OLSFit", "QRFactor", "ols_fit", "qr_factor"]

#: A leverage above this is treated as 1 (the threshold at which R's sandwich warns).
LEVERAGE_ONE = 1 - math.sqrt(np.finfo(float).eps)


@dataclass(frozen=True, eq=False)
class OLSFit:
    """Estimates of one least-squares fit. ``cov`` is all NaN when it does not exist."""

    params: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    df_resid: int
    ssr: float
    r2: float
    se_type: str
    se_note: str | None = None
    bread: np.ndarray | None = None  # (X'X)^-1
    tss: float = math.nan  # total sum of squares about the mean of y

    def r2_without(self, column: int) -> float:
        """R² of the same regression without one column of X, without fitting it again:
        leaving out column j raises the residual sum of squares by b_j² / [(X'X)^-1]_jj."""
        increase = self.params[column] ** 2 / self.bread[column, column]
        return 1 - (self.ssr + increase) / self.tss


@dataclass(frozen=True, eq=False)
class QRFactor:
    """The R of a QR factorisation of X, with Q'y: enough for the estimates (Q is not formed,
    which halves the work on many rows)."""

    R: np.ndarray
    qty: np.ndarray

    @property
    def full_rank(self) -> bool:
        """Whether the columns of X are linearly independent."""
        return independent_columns(self.R)


def independent_columns(R: np.ndarray) -> bool:
    """Whether the columns of the matrix whose QR has this R are linearly independent."""
    return bool(np.linalg.matrix_rank(R) == R.shape[1])


def qr_factor(y: np.ndarray, X: np.ndarray) -> QRFactor:
    """R and Q'y from one QR of ``[X, y]`` in mode "r": its last column holds Q'y."""
    k = X.shape[1]
    R_aug = np.linalg.qr(np.column_stack([X, y]), mode="r")
    return QRFactor(R_aug[:k, :k], R_aug[:k, k])


def ols_fit(
    y: np.ndarray,
    X: np.ndarray,
    se: str = "classical",
    row_numbers: Sequence[int] | np.ndarray | None = None,
    factor: QRFactor | None = None,
) -> OLSFit:
    """Least squares of ``y`` on the columns of ``X`` (which holds its own constant column).

    ``row_numbers`` (1-based data rows, one per row of ``X``) name the rows in
    :attr:`OLSFit.se_note`; without them rows are counted from 1 within ``X``. ``factor``:
    :func:`qr_factor` of the same ``y`` and ``X``, when the caller has it already (for
    example to check the rank first).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if factor is None:
        factor = qr_factor(y, X)
    R = factor.R
    params = np.linalg.solve(R, factor.qty)
    resid = y - X @ params
    ssr = float(resid @ resid)
    df_resid = n - k
    centred = y - y.mean()
    tss = float(centred @ centred)
    r2 = 1 - ssr / tss
    R_inv = np.linalg.solve(R, np.eye(k))
    bread = R_inv @ R_inv.T  # (X'X)^-1
    note = None
    if se == "classical":
        cov = bread * (ssr / df_resid)
    else:
        if se in ("hc0", "hc1"):
            omega = resid**2
        else:
            Q = X @ R_inv  # Q of the QR, for the leverages (hat values)
            leverage = np.einsum("ij,ij->i", Q, Q)
            high = np.flatnonzero(leverage > LEVERAGE_ONE)
            if high.size:
                numbers = np.asarray(row_numbers)[high] if row_numbers is not None else high + 1
                shown = ", ".join(str(int(r)) for r in numbers[:10])
                shown += ", ..." if high.size > 10 else ""
                rows = "row" if high.size == 1 else "rows"
                note = (
                    f"{se.upper()} standard errors do not exist: data {rows} {shown} "
                    f"{'has' if high.size == 1 else 'have'} leverage 1 (the model fits "
                    f"{'it' if high.size == 1 else 'them'} exactly, often because a covariate "
                    f"singles {'it' if high.size == 1 else 'them'} out), so {se.upper()} "
                    "divides 0 by 0. Every statistic that needs them is missing; HC0 and HC1 "
                    "exist."
                )
                cov = np.full((k, k), np.nan)
                return OLSFit(params, cov, resid, df_resid, ssr, r2, se, note, bread, tss)
            omega = resid**2 / (1 - leverage) if se == "hc2" else resid**2 / (1 - leverage) ** 2
        meat = (X * omega[:, None]).T @ X
        cov = bread @ meat @ bread
        if se == "hc1":
            cov *= n / df_resid
    cov = (cov + cov.T) / 2
    return OLSFit(params, cov, resid, df_resid, ssr, r2, se, note, bread, tss)


def wald_f(params: np.ndarray, cov: np.ndarray, rows: Sequence[int]) -> float:
    """Wald F of the hypothesis that ``params[rows]`` are all 0 (NaN when cov is missing)."""
    rows = list(rows)
    b = params[rows]
    V = cov[np.ix_(rows, rows)]
    if not np.all(np.isfinite(V)):
        return math.nan
    return float(b @ np.linalg.solve(V, b) / len(rows))
