"""The precision at which the book stores numbers for display, in one place.

A chapter's stored outputs are compared by nbval on every machine that runs ``make test``. A float
computed with another BLAS kernel or CPU feature level can differ in its last few bits, so a
number stored to the last bit is reproduced only on the machine that saved it. The book therefore
stores every number a reader sees at :data:`SIGNIFICANT_DIGITS` significant digits:

- numbers quoted in the prose go through :func:`glue_number`, which rounds and then glues;
- tables shown on the page go through :func:`round_sig` (or a coarser ``DataFrame.round``).

Six significant digits are more than any sentence of the book shows (the prose formats glued
numbers with at most four decimals or as whole counts), and far fewer than the digits on which
two correct machines disagree (about 1e-12 relative for the book's closed forms and tightly
converged fits). The repository tests check that no glued number is displayed with more digits
than are stored.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, overload

import numpy as np
import pandas as pd

__all__ = ["SIGNIFICANT_DIGITS", "glue_number", "round_sig", "table"]

#: Significant digits kept in every stored number a reader sees (prose and tables).
SIGNIFICANT_DIGITS = 6


def _round_scalar(value: float, digits: int) -> float:
    if not math.isfinite(value) or value == 0:
        return float(value)
    # Decimal rounding through the shortest exact representation: the same on every machine.
    return float(f"{value:.{digits - 1}e}")


@overload
def round_sig(value: float, digits: int = ...) -> float: ...
@overload
def round_sig(value: pd.DataFrame, digits: int = ...) -> pd.DataFrame: ...
@overload
def round_sig(value: pd.Series, digits: int = ...) -> pd.Series: ...
@overload
def round_sig(value: np.ndarray, digits: int = ...) -> np.ndarray: ...
def round_sig(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Round ``value`` to ``digits`` significant digits.

    A scalar gives a ``float``; an array, Series or DataFrame keeps its type, with every float
    element rounded and other columns (integers, text, booleans) left as they are. Zero, NaN and
    infinities are returned unchanged.
    """
    if isinstance(digits, bool) or not isinstance(digits, Integral) or digits < 1:
        raise ValueError(f"digits must be a whole number of at least 1, got {digits!r}")
    digits = int(digits)
    if isinstance(value, pd.DataFrame):
        out = value.copy()
        for column in out.columns[[pd.api.types.is_float_dtype(t) for t in out.dtypes]]:
            out[column] = round_sig(out[column], digits)
        return out
    if isinstance(value, pd.Series):
        if not pd.api.types.is_float_dtype(value.dtype):
            return value.copy()
        return value.map(lambda v: _round_scalar(float(v), digits)).astype(value.dtype)
    if isinstance(value, np.ndarray):
        if not np.issubdtype(value.dtype, np.floating):
            return value.copy()
        return np.vectorize(lambda v: _round_scalar(float(v), digits), otypes=[value.dtype])(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise TypeError(f"round_sig needs a number, array or table, got {type(value).__name__}")
    return _round_scalar(float(value), digits)


def glue_number(name: str, value: Any, *, digits: int = SIGNIFICANT_DIGITS) -> int | float:
    """Glue a number for the chapter's prose, stored at ``digits`` significant digits.

    Whole numbers (Python or numpy integers) are stored exactly; a zero-dimensional array counts
    as the number it holds; any other real number is rounded
    with :func:`round_sig`. The value is stored with ``display=False``, to be shown by a
    ``{glue:text}`` role that formats it, and is returned so the cell can use it.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()  # a scalar result of a vectorised function
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"glue_number({name!r}): got a truth value; glue it with myst_nb.glue")
    if isinstance(value, Integral):
        stored: int | float = int(value)
    elif isinstance(value, Real):
        stored = round_sig(float(value), digits)
    else:
        raise TypeError(f"glue_number({name!r}): needs a number, got {type(value).__name__}")
    from myst_nb import glue  # only available where the book is built

    glue(name, stored, display=False)
    return stored


def table(frame: pd.DataFrame, *, missing: str = "") -> Any:
    """A table for the page: no index, headers aligned left, missing cells shown as ``missing``.

    Returns an HTML object for a notebook cell to display. Round numbers first (for example with
    :func:`round_sig`): what is shown is what is stored.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table needs a DataFrame, got {type(frame).__name__}")
    from IPython.display import HTML

    return HTML(frame.to_html(index=False, border=0, justify="left", na_rep=missing))
