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

Tables for readers go through :func:`show_table`: no meaningless 0, 1, 2... index, numbers
rounded for reading, plain headers, an empty cell (not ``NaN`` or ``<NA>``) where a value is
missing, and the same HTML on every run (nbval compares it).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, overload

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

__all__ = ["SIGNIFICANT_DIGITS", "Table", "glue_number", "round_sig", "show_table", "table"]

#: Significant digits kept in every stored number a reader sees (prose and tables).
SIGNIFICANT_DIGITS = 6
#: Decimals that show_table gives a float column it is not told about.
DEFAULT_DECIMALS = 3


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


class Table:
    """A table formatted for reading; shows as HTML in a notebook and as text elsewhere."""

    def __init__(self, frame: pd.DataFrame, html: str) -> None:
        self.frame = frame
        self._html = html

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return self.frame.to_string(index=False, na_rep="")


def _header(name: Any) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def show_table(
    frame: pd.DataFrame | pd.Series,
    *,
    digits: int | Mapping[str, int] = 3,
    significant: int | None = None,
    index: bool | None = None,
    headers: dict[str, str] | None = None,
    caption: str | None = None,
    missing: str = "",
) -> Table:
    """``frame`` formatted for a reader: rounded, with plain headers and no meaningless index.

    ``digits`` is the number of decimals shown for floats, or a mapping from column names (as
    in ``frame`` or as renamed by ``headers``) to decimals, the others keeping 3. With
    ``significant``, floats are shown instead to that many significant digits, without zeros
    after the last one and never cutting the whole part (67,981, 21.74, 0.006594), for tables
    whose rows differ in scale. The index is kept when it carries meaning (it has a name, or is
    not 0, 1, 2...), unless ``index`` says otherwise (rows picked from a bigger table keep their
    row numbers: say ``index=False``). ``headers`` renames columns; other headers lose their
    underscores and start with a capital letter.
    Missing values show as ``missing`` (an empty cell unless told, for example "—"). A cell
    whose value has an ``__html__`` method (a :class:`implsupport.references.Citation`) shows
    that HTML on the page and its ``str`` as text.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"show_table needs a DataFrame or Series, got {type(frame).__name__}")
    decimals = dict(digits) if isinstance(digits, Mapping) else {}
    default = DEFAULT_DECIMALS if isinstance(digits, Mapping) else digits
    for value in (default, *decimals.values()):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
            raise ValueError(f"digits must be whole numbers of at least 0, got {value!r}")
    if significant is not None and (
        isinstance(significant, bool) or not isinstance(significant, Integral) or significant < 1
    ):
        raise ValueError(f"significant must be a whole number of at least 1, got {significant!r}")
    default_index = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    keep_index = (not default_index) if index is None else index
    table = frame.reset_index() if keep_index else frame.reset_index(drop=True)
    renames = headers or {}
    names = [str(c) for c in table.columns]
    table.columns = [renames.get(name, _header(name)) for name in names]
    places = {
        header: decimals.get(name, decimals.get(header, default))
        for name, header in zip(names, table.columns, strict=True)
    }
    shown = pd.DataFrame(index=table.index)
    marked = {}  # columns whose cells carry their own HTML (for example a linked citation)
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values.dtype):
            places_here = places[column]
            shown[column] = values.map(
                lambda v, d=places_here: (
                    missing
                    if pd.isna(v)
                    else (_significant(v, significant) if significant else f"{v:,.{d}f}")
                )
            )
        elif pd.api.types.is_bool_dtype(values.dtype):
            shown[column] = values.map({True: "yes", False: "no"}).fillna(missing)
        else:
            shown[column] = values.map(lambda v: missing if _is_missing(v) else str(v))
            if values.map(lambda v: hasattr(v, "__html__")).any():
                marked[column] = [
                    v.__html__() if hasattr(v, "__html__") else html.escape(text)
                    for v, text in zip(values, shown[column], strict=True)
                ]
    # The table's id comes from its content, so the HTML is the same on every run.
    digest = hashlib.sha256(shown.to_csv(index=False).encode()).hexdigest()[:10]
    # Cells carry no ids, and numbers are right-aligned by one rule per column: the page stays
    # light however many cells the table has.
    styler = Styler(shown.assign(**marked), uuid=digest, cell_ids=False).hide(axis="index")
    numeric = [c for c, s in zip(shown.columns, table.dtypes, strict=True) if s.kind in "iuf"]
    if numeric:
        right = [{"selector": "td", "props": "text-align: right"}]
        styler = styler.set_table_styles({column: right for column in numeric})
    if caption:
        styler = styler.set_caption(caption)
    return Table(shown, styler.to_html())


def _significant(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits, trailing zeros dropped, whole part kept."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    whole_digits = math.floor(math.log10(abs(value))) + 1
    places = max(digits - whole_digits, 0)
    text = f"{value:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
