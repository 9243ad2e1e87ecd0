"""What every moderation model shares: input checks, the design matrix, JSON-ready values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .least_squares import independent_columns

#: Covariance types accepted by :func:`fit_moderation`.
SE_TYPES = ("classical", "hc0", "hc1", "hc2", "hc3")
CENTER_OPTIONS = ("none", "moderator", "both")
PROBE_OPTIONS = ("meansd", "percentiles", "auto")
INTERCEPT = "constant"


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating):
        raise TypeError(f"alpha must be a number between 0 and 1; got {alpha!r}")
    if not (0 < float(alpha) < 1):
        raise ValueError(f"alpha must be strictly between 0 and 1; got {alpha}")
    return float(alpha)


def _check_choice(name: str, value: str, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise ValueError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return value.lower()


def _numeric_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as floats; a non-numeric value is an error naming the column and row."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"column {column!r} must be numeric but row {position + 1} (counting data rows "
            f"from 1) holds {series.iloc[position]!r}"
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class _Design:
    y: np.ndarray
    X: pd.DataFrame  # constant, x, w, x:w, covariates (centred as asked)
    centering: dict[str, float]
    n_dropped: int
    moderator_observed: np.ndarray
    groups: np.ndarray | None
    row_numbers: np.ndarray | None = None  # 1-based data rows kept


def _design(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str],
    center: str,
    missing: str,
    group: str | None = None,
    check_rank: bool = True,
) -> _Design:
    """The complete rows, checked, and the design matrix. ``check_rank=False`` leaves the
    rank check (:func:`rank_deficient`) to a caller that factorises the matrix anyway."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    center = _check_choice("center", center, CENTER_OPTIONS)
    missing = _check_choice("missing", missing, ("drop", "raise"))
    roles = {"outcome": outcome, "predictor": predictor, "moderator": moderator}
    for role, name in roles.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{role} must be a column name (a non-empty string); got {name!r}")
    used = [outcome, predictor, moderator, *covariates]
    if group is not None:
        used.append(group)
    available = [str(c) for c in frame.columns]
    for name in used:
        if name not in frame.columns:
            raise ValueError(f"column {name!r} not found; available columns: {available}")
    if len(set(used)) != len(used):
        duplicated = sorted({c for c in used if used.count(c) > 1})
        raise ValueError(f"a column can play only one role; used more than once: {duplicated}")
    interaction = f"{predictor}:{moderator}"
    for name in covariates:
        if name in (INTERCEPT, interaction):
            raise ValueError(f"covariate {name!r} clashes with a term name; rename the column")

    numeric = {c: _numeric_column(frame, c) for c in [outcome, predictor, moderator, *covariates]}
    values = np.column_stack(list(numeric.values()))
    if np.isinf(values).any():
        column = list(numeric)[int(np.flatnonzero(np.isinf(values).any(axis=0))[0])]
        raise ValueError(f"column {column!r} holds an infinite value")
    incomplete = np.isnan(values).any(axis=1)
    groups = None
    if group is not None:
        group_values = frame[group]
        incomplete |= group_values.isna().to_numpy()
    n_dropped = int(incomplete.sum())
    if n_dropped and missing == "raise":
        columns = [c for c in used if frame[c].isna().any()]
        raise ValueError(
            f"{n_dropped} of {len(frame)} rows have missing values (in columns {columns}); "
            'drop them first, or pass missing="drop" (on the command line: leave out --no-drop)'
        )
    keep = ~incomplete
    data = {c: v[keep] for c, v in numeric.items()}
    if group is not None:
        groups = frame[group].to_numpy()[keep]
    n = int(keep.sum())
    n_parameters = 4 + len(covariates)
    if n <= n_parameters:
        raise ValueError(
            f"too few rows: {n} complete rows for {n_parameters} parameters; "
            "a moderation model needs more rows than parameters"
        )
    for role in ("moderator", "predictor"):
        name = roles[role]
        if np.ptp(data[name]) == 0:
            raise ValueError(
                f"the {role} {name!r} is constant (every value is {data[name][0]:g}); "
                "its effect cannot be estimated"
            )
    centering = {predictor: 0.0, moderator: 0.0}
    if center in ("moderator", "both"):
        centering[moderator] = float(np.mean(data[moderator]))
    if center == "both":
        centering[predictor] = float(np.mean(data[predictor]))
    x = data[predictor] - centering[predictor]
    w = data[moderator] - centering[moderator]
    X = pd.DataFrame({INTERCEPT: np.ones(n), predictor: x, moderator: w, interaction: x * w})
    for name in covariates:
        X[name] = data[name]
    if check_rank and not full_rank(X.to_numpy()):
        raise rank_deficient(list(X.columns))
    return _Design(
        data[outcome],
        X,
        centering,
        n_dropped,
        data[moderator].copy(),
        groups,
        np.flatnonzero(keep) + 1,
    )


def _fmt(value: float, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "NA"
    return f"{value:.{digits}f}"


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def _shared_fields(
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] | str,
    center: str,
    design: Any,
    alpha: float,
) -> dict[str, Any]:
    """The fields every moderation result records about the model and its data."""
    return {
        "outcome": outcome,
        "predictor": predictor,
        "moderator": moderator,
        "covariates": (covariates,) if isinstance(covariates, str) else tuple(covariates),
        "center": center.lower(),
        "centering": dict(design.centering),
        "alpha": alpha,
        "n": len(design.y),
        "n_dropped": design.n_dropped,
    }


def two_values(values: np.ndarray) -> np.ndarray | None:
    """The two distinct values (sorted) of an array that has exactly two, else None.

    One pass over the data, so it stays fast on a million rows (``np.unique`` sorts)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return None
    first = values[0]
    others = values[values != first]
    if others.size == 0:
        return None
    second = others[0]
    if not np.all(others == second):
        return None
    return np.array(sorted((float(first), float(second))))


def rank_deficient(columns: list[str]) -> ValueError:
    """The error for a moderation design whose columns are linearly dependent."""
    return ValueError(
        "the design matrix is rank deficient: some columns are exact linear combinations "
        f"of others among {columns}"
    )


def full_rank(X: np.ndarray) -> bool:
    """Whether the columns of X are linearly independent (rank from the R of a QR)."""
    return independent_columns(np.linalg.qr(X, mode="r"))
